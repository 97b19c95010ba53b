import { LIBRARY_FRAME, NODE_FRAME } from "./frames.js";
import { primer } from "./regex.js";
import { ADVICE, failureTest, isFailureLine, namesFailure, relayed, TAGGED } from "./failure.js";
import { collapseRepeats, commonPrefixLength, lines, sample } from "./text.js";

// Package managers (npm, pnpm, yarn, pip, cargo, apt): the outcome (added/removed/installed, audit,
// funding), every error, and warnings grouped by kind with the packages they name. Dropped and
// counted by what they are:
// - progress: downloads, resolution steps, "already satisfied", a build step started or finished;
// - build log: what an error report relays from a child that names no failure (node-gyp's info
//   log and environment, make's directory changes, build steps, code frames; failure.ts relayed()),
//   setuptools' steps and the compiler invocations they print;
// - hints: advice printed on every failure of its kind (npm's "Note that you can also install
//   from a tarball" and its proxy advice, yarn's "Visit … for documentation", pip's "hint: See
//   above", apt's "This may mean that the package is missing, has been obsoleted, or");
// - internal frames: stack frames inside the runtime (node:dns) or an installed library
//   (site-packages), with the source lines under them; the script's own frames stay;
// - duplicates: a line already shown (pip prints its subprocess error twice).
// npm's multi-line reports ("npm error …" x 20) name their tag once, above the lines it prefixed;
// runs of a warning that differ in one name ("Location '…/requests/' is ignored") become one line.

const PROGRESS = new RegExp(
  [
    // pip
    /^\s*(?:Looking in|Processing |Collecting|Downloading|Downloaded|Using cached|Obtaining|Requirement already satisfied|Installing collected|Building wheel|Created wheel|Stored in|Preparing metadata|Getting requirements|Installing build dependencies|Building wheels for collected|Installing backend dependencies)/.source,
    /^\s*[━─═█▉▊▋▌▍▎▏|#=.\s-]*\s\d+(?:\.\d+)?\/\d+(?:\.\d+)? [kMG]?B\b/.source, // a progress bar
    // cargo
    /^\s*(?:Compiling|Fresh|Updating|Locking|Adding|Blocking waiting|Downloading crates|Installing \S+ v)/.source,
    // pnpm, yarn, npm
    /^\s*(?:Progress:|[+-]{3,}|[|/\\-]$|(?:npm )?http fetch [A-Z]+ [23]\d\d |\[\d+\/\d+\] |yarn (?:add|install|upgrade|remove) v\d|info No lockfile found|Resolving: total|Already up to date)/.source,
    // apt, dpkg
    /^(?:Reading package lists|Building dependency tree|Reading state information|Get:\d+ |Hit:\d+ |Ign:\d+ |Fetched \d|Selecting previously unselected|Preparing to unpack|Unpacking |Setting up |Processing triggers for |\(Reading database)/.source,
  ].join("|"),
);
// setuptools' build log inside pip's box ("running build_ext", "copying a.py -> build/…") and the
// compiler invocations it prints; a compiler's error is a failure line and stays.
const BUILD_STEP = /^\s*(?:running (?:\w+)$|creating (?:build|\S+\/)|copying \S+ -> |building '\S+' extension$|(?:gcc|g\+\+|cc|c\+\+|clang(?:\+\+)?|x86_64-linux-gnu-gcc)\s+-\S)/;
const HINT = /^(?:\[notice\] |info Visit https:\/\/yarnpkg\.com\/\S+ for documentation|hint: See above for|This may mean that the package is missing, has been obsoleted, or$|is only available from another source$)/;
// Node prints an uncaught system error's properties after its stack ("    at … {", "  errno: -3008,",
// "  syscall: 'getaddrinfo',", "}"): the message above names the code and the host already; the
// `code:` line stays.
const ERROR_PROPS_OPEN = /\) \{$|^\s*at \S.* \{$/;
const ERROR_PROP = /^\s+(?:errno|syscall|hostname|address|port|path|dest|spawnargs|signal|status): .*$|^\s*\}$/;
// "npm warn deprecated glob@7.2.3: Glob versions …" → grouped under "npm warn deprecated".
const WARNING = /^((?:npm|pnpm|yarn) (?:warn|WARN) deprecated|WARN\s+deprecated)\s+(\S+?)(?::|\s|$)(.*)$/;
// The blank lines of npm's reports, with or without a hyphenated topic ("npm warn install-scripts")
// or the code of the report ("npm error 404").
const BARE_TAG = /^\s*(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)(?: [a-z]+-[a-z-]+| \d{3})?\s*$/;
// Where the tool wrote its full log ("A complete log of this run can be found in: /…/debug-0.log").
const LOG_FILE = /(?:complete log of this run can be found in:|information provided in) "?(\/\S+?\.(?:log|txt))"?\.?$/;
// A dropped line that a reader scanning for failures would still stop at.
const LOOKS_FAILED = /\b(?:error|err!|fail(?:ed|ure)?)\b/i;

// npm's usage text under a usage error (EUSAGE: `npm ci` with a stale lock file), from "Usage:" to
// 'Run "npm help ci" for more info': the command's options, 80 lines, none about the failure.
const USAGE_START = /^(?:npm|pnpm|yarn) (?:error|ERR!) Usage:$/;
const USAGE_END = /^(?:npm|pnpm|yarn) (?:error|ERR!) Run "npm help [\w-]+" for more info$/;
const primeRegexes = primer([BARE_TAG, USAGE_START, USAGE_END, TAGGED, ERROR_PROP, ERROR_PROPS_OPEN, LIBRARY_FRAME, WARNING, NODE_FRAME, HINT, ADVICE, BUILD_STEP, PROGRESS, LOG_FILE, LOOKS_FAILED]);

type Dropped = "progress" | "build log" | "hints" | "usage text" | "internal frames" | "error details" | "duplicates" | "merged";

export function compressPackages(text: string, logPath?: string): string {
  return packageView(text, logPath).text;
}

/** The view, and the raw lines (trimmed) it drops although npm tags them as errors: the view
 *  counts them and names the full log, so the safety net leaves them out. */
export function packageView(text: string, logPath?: string): { text: string; declared: Set<string> } {
  primeRegexes();
  const failing = failureTest(text);
  const declared = new Set<string>();
  let usage = false;
  const out: string[] = [];
  const warnings = new Map<string, string[]>();
  const dropped = new Map<Dropped, number>();
  const seen = new Set<string>();
  let logFile: string | undefined;
  let looksFailed = false;
  let frameIndent = -1; // the indentation of a dropped library frame, whose source lines follow it
  let props = false; // in the properties Node prints after an error's stack
  const drop = (line: string, why: Dropped): void => {
    dropped.set(why, (dropped.get(why) ?? 0) + 1);
    looksFailed ||= why !== "duplicates" && LOOKS_FAILED.test(line); // a duplicate is in the view
  };
  for (const line of lines(text)) {
    const trimmed = line.trim();
    // A bare "npm error" is the blank line of npm's report.
    if (trimmed === "" || BARE_TAG.test(line)) continue;
    if (usage || USAGE_START.test(trimmed)) {
      usage = !USAGE_END.test(trimmed);
      drop(line, "usage text");
      declared.add(trimmed);
      continue;
    }
    if (frameIndent >= 0 && line.length - line.trimStart().length > frameIndent && !trimmed.startsWith("File ")) {
      drop(line, "internal frames");
      continue;
    }
    frameIndent = -1;
    // What a report relays is judged without its tag: "npm error     at … (node:dns:122:26)".
    const rest = TAGGED.test(line) ? line.replace(TAGGED, "") : line;
    if (props && ERROR_PROP.test(rest)) {
      props = !/^\s*\}$/.test(rest);
      drop(line, "error details");
      declared.add(trimmed);
      continue;
    }
    props = ERROR_PROPS_OPEN.test(rest) || (props && /^\s+code: /.test(rest));
    const frame = LIBRARY_FRAME.exec(rest);
    const warning = WARNING.exec(trimmed);
    const failure = failing(line);
    if (frame || NODE_FRAME.test(rest)) {
      frameIndent = frame ? frame[1]!.length : -1;
      drop(line, "internal frames");
      // A library's frame names its file and line: a location, counted and left to the full log.
      if (failure) {
        declared.add(trimmed);
        looksFailed = true;
      }
    } else if (warning && !failure) {
      const key = warning[1]!;
      if (!warnings.has(key)) {
        warnings.set(key, []);
        out.push(key); // placeholder, filled in below, so warnings stay where they first appeared
      }
      warnings.get(key)!.push(warning[2]!);
    } else if (trimmed.length >= 12 && seen.has(trimmed) && !/^(?:npm|pnpm|yarn) /.test(trimmed)) {
      // npm's reports repeat tree lines on purpose (node_modules/x under two requirers): kept.
      drop(line, "duplicates");
    } else if (!failure && (HINT.test(rest.trim()) || ADVICE.test(rest.trim()))) {
      drop(line, "hints");
    } else if (!failure && (relayed(line) || BUILD_STEP.test(line))) {
      drop(line, "build log");
    } else if (!failure && PROGRESS.test(line)) {
      drop(line, "progress");
    } else {
      out.push(line);
      seen.add(trimmed);
      logFile = LOG_FILE.exec(trimmed)?.[1] ?? logFile;
    }
  }
  const rendered = out.map((line) => {
    const names = warnings.get(line);
    return names ? `${line} (${names.length}x): ${sample([...new Set(names)], 12)}` : line;
  });
  // Retries and re-downloads differ only in counters and addresses.
  const merged = new Set<string>();
  const view = factorTags(collapseVariants(collapseRepeats(rendered, true), merged));
  if (merged.size > 0) {
    dropped.set("merged", merged.size);
    looksFailed = true;
    for (const line of merged) declared.add(line);
  }
  const total = [...dropped.values()].reduce((a, b) => a + b, 0);
  if (total > 0) {
    const counts = [...dropped].map(([why, n]) => `${why} ${n}`).join(", ");
    // Lines tagged as errors were among the dropped: say where all of them are (the tool's own log
    // when the view shows its name).
    const where = !looksFailed ? "" : logFile !== undefined ? "; full log above" : `; full log: ${logPath ?? "the job's log file"}`;
    view.push(`... ${total} omitted: ${counts}${where}`);
  }
  return { text: view.join("\n"), declared: looksFailed ? declared : new Set() };
}

// "npm error", "npm warn install-scripts": the words a run of lines shares, from the tag on.
const TAG = /^(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)\b/;
const MIN_RUN = 3;
const SHOWN = 8; // names shown of a run of lines that differ in one (the count and the log give the rest)

/** The words both lines begin with, up to an empty word (a doubled or leading space). */
function commonWords(a: string, b: string): string {
  const n = commonPrefixLength(a, b);
  const wordEnd = (s: string): boolean => n === s.length || s.charCodeAt(n) === 32;
  let end = wordEnd(a) && wordEnd(b) ? n : a.lastIndexOf(" ", n - 1);
  const doubled = a.indexOf("  ");
  if (doubled !== -1 && doubled < end) end = doubled;
  while (end > 0 && a.charCodeAt(end - 1) === 32) end--;
  return end <= 0 || a.charCodeAt(0) === 32 ? "" : a.slice(0, end);
}

/** A run of lines that share a tag: "npm error:" once, then each line's rest, indented. */
function factorTags(input: string[]): string[] {
  const out: string[] = [];
  const tags = input.map((line) => TAG.exec(line)?.[0]);
  const words: (string | undefined)[] = []; // the words shared by the run of MIN_RUN lines from an index
  const tagged = input.map((line, k) => tags[k] !== undefined && line.startsWith(`${tags[k]} `));
  const shared = (tag: string | undefined, from: number): string | undefined => {
    if (tag === undefined || from + MIN_RUN > input.length) return undefined;
    for (let k = from; k < from + MIN_RUN; k++) if (tags[k] !== tag || !tagged[k]) return undefined;
    words[from] ??= input.slice(from, from + MIN_RUN).reduce(commonWords);
    return words[from];
  };
  for (let i = 0; i < input.length; ) {
    const tag = tags[i];
    const prefix = shared(tag, i);
    let j = i + MIN_RUN;
    // The run ends where the next lines share more words than this run does ("npm warn
    // install-scripts" after "npm warn ERESOLVE …"): they are a report of their own.
    while (prefix !== undefined && j < input.length && input[j]!.startsWith(`${prefix} `) && (shared(tag, j)?.length ?? 0) <= prefix.length) j++;
    if (prefix === undefined) {
      out.push(input[i++]!);
      continue;
    }
    // Whole words only, and never past the last word of the shortest line.
    out.push(`${prefix}:`, ...input.slice(i, j).map((line) => `  ${line.slice(prefix.length + 1)}`));
    i = j;
  }
  return out;
}

/** The length of the longest common suffix, at most `max`: as commonPrefixLength, with endsWith. */
function commonSuffixLength(a: string, b: string, max: number): number {
  let lo = 0;
  let hi = Math.min(max, a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (b.endsWith(a.slice(a.length - mid, a.length - lo), b.length - lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Adjacent lines that differ in one short stretch: "pre{a, b, c}post (3x)", the first 8 names
 *  shown. Lines that name a failure stay one by one; the lines that are failure lines by their npm
 *  tag alone ("npm error Missing: x from lock file") and are not shown go to `merged` (trimmed). */
function collapseVariants(input: string[], merged: Set<string>): string[] {
  const out: string[] = [];
  const named = input.map(namesFailure);
  for (let i = 0; i < input.length; ) {
    const first = input[i]!;
    let [pre, post] = [first.length, first.length];
    let j = i + 1;
    for (; j < input.length && !named[i]; j++) {
      const line = input[j]!;
      // A stretch holding ", " would not read back.
      if (named[j] || line.includes(", ")) break;
      const p = Math.min(pre, commonPrefixLength(first, line));
      const s = Math.min(post, commonSuffixLength(first, line, Math.min(first.length, line.length) - p));
      // The shared part must carry the line; what varies is a name, not a sentence.
      if (p + s < 20 || p + s < first.length / 2 || line.length - p - s > 40 || first.length - p - s > 40) break;
      [pre, post] = [p, s];
    }
    if (j - i < MIN_RUN) {
      out.push(input[i++]!);
      continue;
    }
    const middles = input.slice(i, j).map((line) => line.slice(pre, line.length - post));
    if (isFailureLine(first)) for (const line of input.slice(i + SHOWN, j)) merged.add(line.trim());
    out.push(`${first.slice(0, pre)}{${sample(middles, SHOWN)}}${first.slice(first.length - post)} (${j - i}x)`);
    i = j;
  }
  return out;
}
