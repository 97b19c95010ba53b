import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines } from "./text.js";

// Compilers and linters (tsc, eslint, gcc/clang, rustc/cargo build, go vet, mypy/ruff): every error
// and warning with its location, its first continuation line, and the totals. Dropped: code
// frames (the echoed source and its ^~~ markers), progress ("Compiling x v1.0", "Checking …").

const DIAGNOSTIC = /\b(?:error|warning|note|fatal error)\b(?:\[[\w-]+\])?[: ]|^\s*\d+:\d+\s+(?:error|warning)\s/i;
const LOCATION_ONLY = /^\s*--> \S+:\d+(?::\d+)?$/;
const CODE_FRAME = /^\s*(?:\d+\s*)?\|(?:\s|$)|^\s*[~^-]+\s*$|^\s*\d+ \|/;
const TOTALS = /^\s*(?:Found \d+ errors?|✖ \d+ problems?|\d+ (?:errors?|warnings?) generated|error: could not compile|warning: .* generated \d+ warnings?|Found \d+ errors? in \d+ files?|\d+ problems? \(|make(?:\[\d+\])?: \*\*\*|Finished |Success: no issues|All checks passed)/i;
const PROGRESS = /^\s*(?:Compiling|Checking|Downloading|Downloaded|Fresh|Blocking|Updating|Locking|Adding)\s+\S+/;
// An eslint report names the file on a line of its own, above its diagnostics.
const FILE_HEADER = /^(?:[A-Za-z]:)?[\w.\-/\\@ ]+\.[A-Za-z]{1,6}$/;

export function compressDiagnostics(text: string): string {
  const out: string[] = [];
  let omitted = 0;
  let continuation = 0;
  for (const line of lines(text)) {
    if (line.trim() === "") continue;
    if (DIAGNOSTIC.test(line) || isFailureLine(line) || LOCATION_ONLY.test(line) || TOTALS.test(line) || FILE_HEADER.test(line.trim())) {
      out.push(line);
      continuation = DIAGNOSTIC.test(line) ? 1 : continuation;
    } else if (continuation > 0 && !CODE_FRAME.test(line) && !PROGRESS.test(line) && /^\s/.test(line)) {
      out.push(line);
      continuation--;
    } else {
      omitted++;
    }
  }
  // A file header with no diagnostic under it says nothing.
  const kept = out.filter((line, i) => !FILE_HEADER.test(line.trim()) || (out[i + 1] !== undefined && /^\s+\d+:\d+/.test(out[i + 1]!)));
  if (omitted > 0) kept.push(`... ${omitted} lines omitted (code frames, progress)`);
  return collapseRepeats(kept).join("\n");
}
