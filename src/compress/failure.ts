import { primer } from "./regex.js";
import { lines, stripAnsi, templateOf } from "./text.js";

// "Never lose a failure": the lines an agent must see. A line that names a failure (a failing test,
// an error, a panic, a traceback) or a source location (file:line, file(line,col)) is a failure line.
// Every family keeps these; safetyNet() below then checks the view and restores what a family
// dropped, or says how many it could not fit and where the full log is.

// "TypeError: …", "json.decoder.JSONDecodeError: …", "java.lang.IllegalStateException: …": an
// exception's class, which names no failure word of its own, then its message.
const FAILURE_WORD =
  /\b(?:errors?|err!|fail|failed|failing|failures?|fatal|panic(?:ked)?|traceback|exception|assert(?:ion)?(?:error)?|not ok|segmentation fault|undefined reference|abort(?:ed)?)\b|\w(?:error|exception):|[✗✘×✖]|^\s*(?:FAIL|E)\s/i;
// A count of zero is not a failure ("0 failed", "found 0 errors", "failures: 0"); a nonzero count is.
const NONZERO_COUNT = /\b[1-9]\d* (?:failed|failing|errors?|failures?)\b/i;
const ZERO_COUNT = /\b(?:0|no) (?:failed|failing|errors?|failures?)\b|\b(?:failed|failures?|errors?)[:=] ?0\b/i;
// file.ext:12, file.ext:12:5, file.ext(12,5), and a Python frame's `File "file.py", line 12`.
// Anchored on the extension, so it stays linear.
const LOCATION = /[\w\-/\\@]\.[A-Za-z]{1,6}(?::\d|\(\d+(?:,\d+)?\)|", line \d)/;

// What an error report relays from a child without the child calling it a failure: node-gyp's
// info log and its environment lines, make's directory changes and build steps, compiler code
// frames, stack frames inside node itself and node's version banner under a crash; and npm's own
// advice under every E404, ETARGET and network failure. npm tags every such line "npm error"; that tag is the report's level,
// not the line's.
// npm's advice, the same under every failure of a kind (E404, ETARGET, network), and node's version banner.
export const ADVICE =
  /^(?:404 (?:Note that you can also install from a|tarball, folder, http url, or git url\.)$|network (?:This is a problem related to network connectivity\.|In most cases you are behind a proxy or have bad network settings\.|If you are behind a proxy, please make sure that the)|network$|notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist\.$|Node\.js v\d+\.\d+\.\d+$)/;
// A report's tag ("npm error ", "yarn warn "): what it relays is judged after the tag.
export const TAGGED = /^(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN) /;
const RELAYED_BODY = new RegExp(
  `^(?:gyp (?:info|verb|sill|http)\\b|gyp ERR! (?:System|command|cwd|node -v|node-gyp -v|\\$npm_package_\\w+)\\b|make(?:\\[\\d+\\])?: (?:Entering|Leaving) directory|\\s+[A-Z_]+\\(target\\) |\\s*\\d+\\s*\\|(?:\\s|$)|\\s+\\|(?:\\s|$)|\\s*[~^]+\\s*$|\\s*at (?:.*\\()?(?:node:|internal\\/)|${ADVICE.source.slice(1)})`,
);

/** Whether a line is what a report relays, with or without the report's tag. (One regex with an
 *  optional tag in front took V8 twice as long to compile, which a fresh CLI pays.) */
export function relayed(line: string): boolean {
  if (RELAYED_BODY.test(line)) return true;
  const tag = TAGGED.exec(line);
  return tag !== null && RELAYED_BODY.test(line.slice(tag[0].length));
}

// One compression asks about the same line several times (the family, its merging passes, the
// safety net): within compressOutput the answers are kept.
let memo: Map<string, boolean> | undefined;

/** Runs `fn` with isFailureLine's answers and the streams' scans kept, then drops them. */
export function withFailureMemo<T>(fn: () => T): T {
  memo = new Map();
  scans = new Map();
  try {
    return fn();
  } finally {
    memo = undefined;
    scans = undefined;
  }
}

export function isFailureLine(line: string): boolean {
  const known = memo?.get(line);
  if (known !== undefined) return known;
  const answer = judge(line);
  memo?.set(line, answer);
  return answer;
}

// The cheap test first: most lines hold neither a location nor a failure word, and the large
// regexes (compiled on their first use in a fresh CLI) are asked only about the others. Within a
// line CANDIDATE is LOCATION or FAILURE_WORD: one regex for V8 to compile instead of two.
function judge(line: string): boolean {
  const text = stripAnsi(line);
  primeCandidate();
  CANDIDATE.lastIndex = 0; // failureLines() sets it again after each line it judges
  if (!CANDIDATE.test(text)) return false;
  primeJudged();
  if (BARE_REPORT.test(text) || relayed(text)) return false;
  return LOCATION.test(text) || NONZERO_COUNT.test(text) || !ZERO_COUNT.test(text);
}

// The blank line of npm's report ("npm error", "npm error 404").
const BARE_REPORT = /^\s*(?:npm|pnpm|yarn) (?:error|ERR!)(?: \d{3})?\s*$/;

/** Whether a line names a failure by its own words, not by the "npm error" tag of its report. */
export function namesFailure(line: string): boolean {
  const own = line.replace(/^\s*(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN) /, "");
  return own === line ? isFailureLine(line) : judge(own); // a string of its own: nothing to keep
}

// Every failure line holds a failure word or a location, so one scan of the whole stream finds the
// lines worth judging: a fresh CLI process runs the per-line regexes of judge() uncompiled, and a
// 64 KiB tail is a thousand lines of which few are candidates. `^\s*` of FAILURE_WORD becomes
// `^[^\S\n]*` so that a match stays within its line.
const CANDIDATE = new RegExp(`${LOCATION.source}|${FAILURE_WORD.source.replace("^\\s*", "^[^\\S\\n]*")}`, "gim");
const primeCandidate = primer([CANDIDATE]);
// The regexes judge() asks of a candidate: most streams have few candidates, or none.
const primeJudged = primer([BARE_REPORT, RELAYED_BODY, TAGGED, LOCATION, NONZERO_COUNT, ZERO_COUNT]);

// One scan per text compressed in this call, shared by its family and the safety net.
let scans: Map<string, Set<string> | null> | undefined;

/** The lines of `text` that hold a candidate match, in order; null when a colour code may sit
 *  inside the words the scan looks for (such text is judged line by line). */
function candidateLines(text: string): Set<string> | null {
  const known = scans?.get(text);
  if (known !== undefined) return known;
  let found: Set<string> | null = null;
  if (!text.includes("\x1b")) {
    found = new Set();
    primeCandidate();
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
      const start = text.lastIndexOf("\n", match.index - 1) + 1;
      const newline = text.indexOf("\n", match.index);
      const end = newline === -1 ? text.length : newline;
      found.add(text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end));
      CANDIDATE.lastIndex = end + 1; // the next line; a line is found once
    }
  }
  scans?.set(text, found);
  return found;
}

/** For the lines of `text` (as lines() splits them): whether a line may be a failure line. One
 *  that is not is none, without judging it; a family asks isFailureLine only of the others. */
export function mayFail(text: string): (line: string) => boolean {
  const candidates = candidateLines(text);
  return candidates === null ? () => true : (line) => candidates.has(line);
}

/** isFailureLine for the lines of `text`, asking the stream's scan first. */
export function failureTest(text: string): (line: string) => boolean {
  const may = mayFail(text);
  return (line) => may(line) && isFailureLine(line);
}

/** The distinct failure lines of a stream, trimmed, in order. */
export function failureLines(text: string): string[] {
  const seen = new Set<string>();
  for (const line of candidateLines(text) ?? lines(text)) if (isFailureLine(line)) seen.add(stripAnsi(line).trim());
  return [...seen];
}

// A located diagnostic: tsc "file(12,5): msg", tsc --pretty "file:12:5 - msg", gcc/clang
// "file:12:5: msg", or eslint's "  12:5  error  msg  rule" (its file is the header line above).
const LOCATED = /^((?:[A-Za-z]:)?[^\s:()][^:()]*?\.[A-Za-z]\w{0,5})(?:\((\d+),(\d+)\)|:(\d+):(\d+))(?::| -) (.+)$/;
const ESLINT_ENTRY = /^\s*(\d+):(\d+)\s+((?:error|warning)\s.+)$/;

const primeLocated = primer([LOCATED, ESLINT_ENTRY]);

export interface Located { file: string | undefined; loc: string; text: string }

/** The file, "line:col" and message of a diagnostic line; `file` is undefined for an eslint entry. */
export function located(line: string): Located | undefined {
  primeLocated();
  const m = LOCATED.exec(line);
  if (m) return { file: m[1]!, loc: `${m[2] ?? m[4]}:${m[3] ?? m[5]}`, text: m[6]!.trim() };
  const e = ESLINT_ENTRY.exec(line);
  return e ? { file: undefined, loc: `${e[1]}:${e[2]}`, text: e[3]!.trim() } : undefined;
}

// The diagnostics family groups by file: the path on a line of its own, then one line per distinct
// message, "  12:5, 30:5 error TS2304: msg". A raw diagnostic is kept when its group holds its
// location and its message (whitespace aside).
const GROUP_ENTRY = /^ {2}(\d+:\d+(?:, \d+:\d+)*) (\S.*)$/;
const squash = (text: string): string => (text.includes("  ") || text.includes("\t") ? text.replace(/\s+/g, " ") : text).trim();

interface GroupedIndex {
  /** "loc\0message" → the files whose group lists it. */
  located: Map<string, string[]>;
  /** The packages family names a report's tag once ("npm error:") above the rest of each line it
   *  prefixed ("  code ERESOLVE"): tag and rest, joined and squashed, as the raw line read. */
  tagged: Set<string>;
}

// Lines that differ in one short stretch, "pre{a, b, c}post (3x)" or "pre{a, b (+9 more)}post (11x)"
// (packages.ts): the lines shown.
const COUNT_SUFFIX = / \((\d+)x\)$/;
export function expandVariants(line: string): string[] {
  const m = variantsOf(line);
  if (!m) return [line];
  // "{a, b (+58 more)}": the names shown (the rest are counted).
  const more = /^(.*) \(\+(\d+) more\)$/.exec(m.middle);
  const middles = (more?.[1] ?? m.middle).split(", ");
  return middles.length + Number(more?.[2] ?? 0) === m.count ? middles.map((middle) => `${m.prefix}${middle}${m.suffix}`) : [line];
}

/** "pre{…}post (Nx)" split at its last "}" and the last "{" before it, by index: a regex with
 *  three open groups tried every split of a long line of JSON (cubic). */
function variantsOf(line: string): { prefix: string; middle: string; suffix: string; count: number } | undefined {
  const times = line.endsWith("x)") ? COUNT_SUFFIX.exec(line) : null;
  if (!times) return undefined;
  const body = line.slice(0, times.index);
  const close = body.lastIndexOf("}");
  const open = close < 2 ? -1 : body.lastIndexOf("{", close - 2);
  if (open < 0) return undefined;
  return { prefix: body.slice(0, open), middle: body.slice(open + 1, close), suffix: body.slice(close + 1), count: Number(times[1]) };
}

function groupedIndex(view: string): GroupedIndex {
  const index: GroupedIndex = { located: new Map(), tagged: new Set() };
  let header: string | undefined;
  for (const line of lines(view).flatMap(expandVariants)) {
    const entry = GROUP_ENTRY.exec(line);
    if (entry && header !== undefined) {
      const text = squash(entry[2]!);
      for (const loc of entry[1]!.split(", ")) {
        const key = `${loc}\0${text}`;
        const files = index.located.get(key);
        if (files) files.push(header);
        else index.located.set(key, [header]);
      }
    } else if (header !== undefined && line.startsWith("  ")) index.tagged.add(squash(`${header.replace(/:$/, "")} ${line}`));
    else if (!/^\s/.test(line)) header = line;
  }
  return index;
}

/** Whether a raw failure line is in the view: verbatim, among "(repeated Nx)" lines, in its file's group or under its tag. */
export function keptIn(view: string): (line: string) => boolean {
  const repeated = repeatedTemplates(view);
  const viewLines = new Set(lines(view).flatMap((l) => expandVariants(l.trim())));
  let grouped: GroupedIndex | undefined;
  // Cheap exact look-ups first: a substring search of the whole view per line is what costs.
  return (line) => {
    if (viewLines.has(line)) return true;
    grouped ??= groupedIndex(view);
    const d = located(line);
    // An eslint entry names no file: any group that lists its location and message holds it.
    const files = d === undefined ? undefined : grouped.located.get(`${d.loc}\0${squash(d.text)}`);
    if (files !== undefined && (d!.file === undefined || files.includes(d!.file))) return true;
    return grouped.tagged.has(squash(line)) || (repeated.size > 0 && repeated.has(templateOf(line))) || view.includes(line);
  };
}

export function repeatedTemplates(view: string): Set<string> {
  const out = new Set<string>();
  for (const line of lines(view)) {
    const m = line.endsWith("x)") ? /^(.*) \(repeated \d+x\)$/.exec(line) : null;
    if (m) out.add(templateOf(m[1]!.trim()));
  }
  return out;
}

// The failure lines a family dropped are appended up to this budget; past it the view says how
// many are missing and where to read them, instead of growing without bound.
const NET_BUDGET_BYTES = 8 * 1024;

/** `declared`: raw lines (trimmed) the view says it dropped, with their count and the full log's place. */
export function safetyNet(raw: string, view: string, logPath: string | undefined, declared?: ReadonlySet<string>): { view: string; restored: boolean } {
  const isKept = keptIn(view);
  const missing = failureLines(raw).filter((line) => !declared?.has(line) && !isKept(line));
  if (missing.length === 0) return { view, restored: false };
  const kept: string[] = [];
  let used = 0;
  for (const line of missing) {
    if (used + line.length + 1 > NET_BUDGET_BYTES) break;
    kept.push(line);
    used += line.length + 1;
  }
  const out = [view, "--- failure lines:", ...kept].filter((part) => part !== "");
  const left = missing.length - kept.length;
  if (left > 0) out.push(`... ${left} more failure/location lines not shown; full log: ${logPath ?? "the job's log file"}`);
  return { view: out.join("\n"), restored: true };
}
