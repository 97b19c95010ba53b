import { primer } from "./regex.js";
import { failureTest, located } from "./failure.js";
import { collapseRepeats, lines } from "./text.js";

// Compilers and linters (tsc, eslint, gcc/clang, rustc/cargo build, go vet, mypy/ruff): every error
// and warning with its location, its first continuation lines, and the totals. Diagnostics that
// name a file and a line:col are grouped by file: the path once, then one line per distinct
// message with all its locations ("  3:9, 17:9 error TS2322: …"). Dropped: code frames (the echoed
// source and its ^~~ markers, which repeat the location), progress ("Compiling x v1.0", "Checking …").

const DIAGNOSTIC = /\b(?:error|warning|note|fatal error)\b(?:\[[\w-]+\])?[: ]|^\s*\d+:\d+\s+(?:error|warning)\s/i;
const LOCATION_ONLY = /^\s*--> \S+:\d+(?::\d+)?$/;
const CODE_FRAME = /^\s*(?:\d+\s*)?\|(?:\s|$)|^\s*[~^-]+\s*$|^\s*\d+ \|/;
const TOTALS = /^\s*(?:Found \d+ errors?|✖ \d+ problems?|\d+ (?:errors?|warnings?) generated|error: could not compile|warning: .* generated \d+ warnings?|Found \d+ errors? in \d+ files?|\d+ problems? \(|make(?:\[\d+\])?: \*\*\*|Finished |Success: no issues|All checks passed)/i;
const PROGRESS = /^\s*(?:Compiling|Checking|Downloading|Downloaded|Fresh|Blocking|Updating|Locking|Adding)\s+\S+/;
// An eslint report names the file on a line of its own, above its diagnostics.
const FILE_HEADER = /^(?:[A-Za-z]:)?[\w.\-/\\@ ]+\.[A-Za-z]{1,6}$/;
// tsc chains the reasons of one error on indented lines below it; the first few say why.
const CONTINUATION_LINES = 2;
const primeRegexes = primer([DIAGNOSTIC, LOCATION_ONLY, CODE_FRAME, TOTALS, PROGRESS, FILE_HEADER]);

interface Occurrence { loc: string; text: string; more: string[] }
interface Group { file: string; occurrences: Occurrence[] }

/** The path once, then each distinct message (with its continuation lines) once, with all its locations. */
function render(group: Group): string[] {
  const merged = new Map<string, Occurrence & { locs: string[] }>();
  for (const o of group.occurrences) {
    const key = o.more.length === 0 ? o.text : `${o.text}\0${o.more.join("\0")}`;
    const seen = merged.get(key);
    if (seen) seen.locs.push(o.loc);
    else merged.set(key, { ...o, locs: [o.loc] });
  }
  const out = [group.file];
  // eslint pads its columns for a terminal; two spaces still part message from rule.
  for (const e of merged.values()) out.push(`  ${e.locs.join(", ")} ${e.text.replace(/\s{3,}/g, "  ")}`, ...e.more.map((m) => `    ${m}`));
  return out;
}

export function compressDiagnostics(text: string): string {
  primeRegexes();
  const failing = failureTest(text);
  const blocks: (string | Group)[] = [];
  const groups = new Map<string, Group>();
  let header: string | undefined; // the eslint file header in force
  let headerUsed = true; // whether a diagnostic came under it (else it was a line like any other: "cc -c a.c -o a.o")
  let open: Occurrence | undefined; // the diagnostic that takes continuation lines
  let omitted = 0;
  let continuation = 0;
  for (const line of lines(text)) {
    if (line.trim() === "") {
      continuation = 0;
      continue;
    }
    const d = located(line);
    const file = d?.file ?? (d !== undefined && /^\s/.test(line) ? header : undefined);
    if (d !== undefined && file !== undefined) {
      if (file === header) headerUsed = true;
      let group = groups.get(file);
      if (group === undefined) {
        group = { file, occurrences: [] };
        groups.set(file, group);
        blocks.push(group);
      }
      open = { loc: d.loc, text: d.text, more: [] };
      group.occurrences.push(open);
      continuation = CONTINUATION_LINES;
      continue;
    }
    if (FILE_HEADER.test(line.trim())) {
      if (!headerUsed) omitted++;
      header = line.trim();
      headerUsed = false;
      open = undefined;
      continue;
    }
    if (continuation > 0 && open !== undefined && /^\s/.test(line) && !CODE_FRAME.test(line) && !PROGRESS.test(line)) {
      open.more.push(line.trim());
      continuation--;
      continue;
    }
    open = undefined;
    if (DIAGNOSTIC.test(line) || failing(line) || LOCATION_ONLY.test(line) || TOTALS.test(line)) {
      blocks.push(line);
      continuation = DIAGNOSTIC.test(line) ? 1 : continuation;
    } else if (continuation > 0 && !CODE_FRAME.test(line) && !PROGRESS.test(line) && /^\s/.test(line)) {
      blocks.push(line);
      continuation--;
    } else {
      omitted++;
    }
  }
  if (!headerUsed) omitted++;
  const out = blocks.flatMap((b) => (typeof b === "string" ? [b] : render(b)));
  if (omitted > 0) out.push(`... ${omitted} lines omitted (code frames, progress)`);
  return collapseRepeats(out).join("\n");
}
