import { primer } from "./regex.js";
import { isFailureLine, mayFail } from "./failure.js";
import { collapseRepeats, lines } from "./text.js";

// Test runners (vitest, jest, mocha, node --test/TAP, pytest, cargo test, go test): one line
// classifier for all of them. Kept: every failure line, the first lines of each failure block (the
// assertion, expected/received), and the runner's summary. Dropped and counted: passing tests,
// progress, banners, console output of passing tests.

const FAILURE_START =
  /^\s*(?:FAIL\b|[✗✘×✖]|●\s|not ok\b|\d+\) |--- FAIL|-{4} \S+ stdout -{4}|_{3,} .+ _{3,}$|={3,} (?:FAILURES|ERRORS) ={3,})|\.\.\. FAILED$| FAILED\b|panicked at/;
const SUMMARY =
  /^\s*(?:Test Files|Tests?:?\s+\d|Test Suites:|Snapshots:|Time:|Duration|Start at|\d+ (?:passing|failing|pending)\b|[#ℹ] (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) |test result:|={3,}.*\b(?:passed|failed|errors?|skipped|no tests ran)\b.*={3,}|(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))|FAIL$|Ran \d+ tests?|OK(?: \(|$)|FAILED \(|short test summary|failures:$|error: test failed)/;
// Passing tests and runner chatter, dropped even inside a failure block.
const PASS_LINE =
  /^\s*(?:[✓✔√]\s|PASS\s|ok \d+ |--- PASS|=== (?:RUN|PAUSE|CONT)|PASS$|test \S+ \.\.\. ok$|\S+::\S+ PASSED|running \d+ tests?$|Start at |Running |Compiling |Finished |Doc-tests )/;
// A stack frame: kept the first time; the same frame under the next failure says nothing new.
const FRAME = /^\s*(?:at\s|\d+:\s)/;
// Source echoed around the failing line (" 24|   it(…"); jest marks the failing one with ">".
const CODE_FRAME = /^\s*\d+\s*\|/;
// Rules between sections ("⎯⎯⎯⎯[1/2]⎯", "-----"): many tokens, nothing to read.
const RULE = /^\s*(?=[⎯─━═=_\-*#~]{3})[⎯─━═=_\-*#~]*(?:\[\d+\/\d+\])?[⎯─━═=_\-*#~]*\s*$/;
const BLOCK_LINES = 8;
const AT_FRAME = /^\s+at \S/;
const primeRegexes = primer([PASS_LINE, RULE, FRAME, AT_FRAME, FAILURE_START, SUMMARY, CODE_FRAME]);

export function compressTests(text: string): string {
  primeRegexes();
  const may = mayFail(text);
  const out: string[] = [];
  let omitted = 0;
  let context = 0;
  const frames = new Set<string>();
  for (const line of lines(text)) {
    if (PASS_LINE.test(line) || RULE.test(line)) {
      omitted++;
      continue;
    }
    if (FRAME.test(line) || AT_FRAME.test(line)) {
      if (frames.has(line)) {
        omitted++;
        continue;
      }
      frames.add(line);
    }
    const start = FAILURE_START.test(line);
    if (start) context = BLOCK_LINES;
    if (start || SUMMARY.test(line) || (may(line) && isFailureLine(line))) {
      out.push(line);
    } else if (context > 0 && line.trim() !== "" && !CODE_FRAME.test(line)) {
      out.push(line);
      context--;
    } else if (line.trim() !== "") {
      omitted++;
    }
  }
  // One count at the end: a marker at every gap would cost more tokens than it tells.
  if (omitted > 0) out.push(`... ${omitted} lines omitted (passing tests, progress, code frames)`);
  return collapseRepeats(out).join("\n");
}
