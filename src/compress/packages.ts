import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines, sample, templateOf } from "./text.js";

// Package managers (npm, pnpm, yarn, pip, cargo install): the outcome (added/removed/installed,
// audit, funding), every error, and warnings grouped by kind with the packages they name. Dropped
// and counted: download and resolution progress, "already satisfied" lines, fetches that succeeded.
// npm's multi-line reports ("npm error …" x 20) name their tag once, above the lines it prefixed;
// runs of a warning that differ in one name ("Location '…/requests/' is ignored") become one line.

const PROGRESS = /^\s*(?:Looking in|Processing |Collecting|Downloading|Downloaded|Using cached|Obtaining|Requirement already satisfied|Installing collected|Building wheel|Created wheel|Stored in|Preparing metadata|Getting requirements|Compiling|Fresh|Updating|Locking|Adding|Progress:|[+-]{3,}|[|/\\-]$|(?:npm )?http fetch [A-Z]+ [23]\d\d )/;
// "npm warn deprecated glob@7.2.3: Glob versions …" → grouped under "npm warn deprecated".
const WARNING = /^((?:npm|pnpm|yarn) (?:warn|WARN) deprecated|WARN\s+deprecated)\s+(\S+?)(?::|\s|$)(.*)$/;
const OUTCOME = /\b(?:added|removed|changed|audited|up to date|found \d+ vulnerabilit|vulnerabilit|Successfully installed|packages are looking for funding|npm fund|Installed|Finished|Done in|dependencies:|devDependencies:)/i;

// The blank lines of npm's reports, with or without a hyphenated topic ("npm warn install-scripts").
const BARE_TAG = /^\s*(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)(?: [a-z]+-[a-z-]+)?\s*$/;

export function compressPackages(text: string): string {
  const out: string[] = [];
  const warnings = new Map<string, string[]>();
  let progress = 0;
  for (const line of lines(text)) {
    // A bare "npm error" is the blank line of npm's report.
    if (line.trim() === "" || BARE_TAG.test(line)) continue;
    const warning = WARNING.exec(line.trim());
    if (warning && !isFailureLine(line)) {
      const key = warning[1]!;
      if (!warnings.has(key)) {
        warnings.set(key, []);
        out.push(key); // placeholder, filled in below, so warnings stay where they first appeared
      }
      warnings.get(key)!.push(warning[2]!);
    } else if (isFailureLine(line)) {
      out.push(line);
    } else if (PROGRESS.test(line)) {
      progress++;
    } else if (OUTCOME.test(line)) {
      out.push(line);
    } else {
      out.push(line);
    }
  }
  const rendered = out.map((line) => {
    const names = warnings.get(line);
    return names ? `${line} (${names.length}x): ${sample([...new Set(names)], 12)}` : line;
  });
  if (progress > 0) rendered.push(`... ${progress} progress lines omitted`);
  // Retries and re-downloads differ only in counters and addresses.
  return collapseVariants(factorTags(collapseRepeats(rendered, templateOf))).join("\n");
}

// "npm error", "npm warn install-scripts": the words a run of lines shares, from the tag on.
const TAG = /^(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)\b/;
const MIN_RUN = 3;

function commonWords(a: string, b: string): string {
  const [x, y] = [a.split(" "), b.split(" ")];
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n] && x[n] !== "") n++;
  return x.slice(0, n).join(" ");
}

/** A run of lines that share a tag: "npm error:" once, then each line's rest, indented. */
function factorTags(input: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < input.length; ) {
    const tag = TAG.exec(input[i]!)?.[0];
    const shared = (from: number): string | undefined => {
      const run = input.slice(from, from + MIN_RUN);
      return tag !== undefined && run.length === MIN_RUN && run.every((l) => l.startsWith(`${tag} `)) ? run.reduce(commonWords) : undefined;
    };
    const prefix = shared(i);
    let j = i + MIN_RUN;
    // The run ends where the next lines share more words than this run does ("npm warn
    // install-scripts" after "npm warn ERESOLVE …"): they are a report of their own.
    while (prefix !== undefined && j < input.length && input[j]!.startsWith(`${prefix} `) && (shared(j)?.length ?? 0) <= prefix.length) j++;
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

const commonPrefix = (a: string, b: string): number => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};
const commonSuffix = (a: string, b: string, max: number): number => {
  let n = 0;
  while (n < max && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
};

/** Adjacent lines (not failure lines) that differ in one short stretch: "pre{a, b, c}post (3x)". */
function collapseVariants(input: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < input.length; ) {
    const first = input[i]!;
    let [pre, post] = [first.length, first.length];
    let j = i + 1;
    for (; j < input.length && !isFailureLine(first); j++) {
      const line = input[j]!;
      if (isFailureLine(line)) break;
      const p = Math.min(pre, commonPrefix(first, line));
      const s = Math.min(post, commonSuffix(first, line, Math.min(first.length, line.length) - p));
      // The shared part must carry the line; what varies is a name, not a sentence.
      if (p + s < 20 || p + s < first.length / 2 || line.length - p - s > 40 || first.length - p - s > 40) break;
      [pre, post] = [p, s];
    }
    if (j - i < MIN_RUN) {
      out.push(input[i++]!);
      continue;
    }
    const middles = input.slice(i, j).map((line) => line.slice(pre, line.length - post));
    out.push(`${first.slice(0, pre)}{${sample(middles, 12)}}${first.slice(first.length - post)} (${j - i}x)`);
    i = j;
  }
  return out;
}
