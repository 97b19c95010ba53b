import { GO_FRAME_SYMBOL, isRuntimeFrame, primeFrames, LIBRARY_FRAME, RUST_FRAME_SYMBOL } from "./frames.js";
import { jsonDocument } from "./json.js";
import { jsonTestReport } from "./json-tests.js";
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
  /^\s*(?:Test Files|Tests?:?\s+\d|Test Suites:|\d+ (?:passing|failing|pending)\b|[#ℹ] (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) |test result:|={3,}.*\b(?:passed|failed|errors?|skipped|no tests ran)\b.*={3,}|(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))|FAIL$|Ran \d+ tests?|OK(?: \(|$)|FAILED \(|short test summary|failures:$|error: test failed)/;
// Passing tests and runner chatter, dropped even inside a failure block.
const PASS_LINE =
  /^\s*(?:[✓✔√]\s|PASS\s|ok \d+ |--- PASS|=== (?:RUN|PAUSE|CONT)|PASS$|test \S+ \.\.\. ok$|\S+::\S+ PASSED|running \d+ tests?$|Start at |Running |Compiling |Finished |Doc-tests )/;
// A stack frame: kept the first time; the same frame under the next failure says nothing new.
const FRAME = /^\s*(?:at\s|\d+:\s)/;
// Source echoed around the failing line (" 24|   it(…"); jest marks the failing one with ">".
const CODE_FRAME = /^\s*\d+\s*\||^\s+\|[\s^~|]*$/;
// Timings and empty counts under a runner's summary ("Duration  1.17s (transform 56ms, …)").
const CHATTER = /^\s*(?:Time:\s+[\d.]+ ?m?s|Duration\s+[\d.]+m?s|Snapshots:\s+0 total$|Ran all test suites\.$|[#ℹ] duration_ms )/;
// Rules between sections ("⎯⎯⎯⎯[1/2]⎯", "-----"): many tokens, nothing to read.
const RULE = /^\s*(?=[⎯─━═=_\-*#~]{3})[⎯─━═=_\-*#~]*(?:\[\d+\/\d+\])?[⎯─━═=_\-*#~]*\s*$/;
const BLOCK_LINES = 8;
const AT_FRAME = /^\s+at \S/;
// Where a frame inside the runtime or a library (frames.ts) may start.
const FRAME_START = /^\s*(at |File )/;
// pytest prints each failure as a block under "____ test_name ____": the locals of each frame
// ("self = <…>", "n = 3, left = 1"), its source (indented four spaces), the failing line (">") and
// the explanation ("E   assert 4 == 5"), then "path:line: Error". The locals, the rest of the
// source and the carets under it are dropped; a section ("=== … ===", "--- Captured … ---") ends it.
const PYTEST_BLOCK = /^_{3,} .+ _{3,}$/;
const PYTEST_END = /^(?:={3,} |-{3,} Captured )/;
const PYTEST_KEEP = /^(?:>|E\s)|^\S+:\d+: /;
const PYTEST_NOISE = /^[A-Za-z_]\w* = \S|^ {4}|^\s*[\^~]+\s*$|^(?:_ ){3,}_?\s*$/;
// The properties node prints after an assertion's stack ("at … {", "  generatedMessage: true,",
// "  operator: 'strictEqual'", "}"): actual and expected are in the message above.
const PROPS_OPEN = /^\s+at \S.* \{$/;
const PROP = /^\s+[\w$]+: .*$/;
const PROPS_CLOSE = /^\s*\}$/;
// A runner that repeats its failures at the end (node's "✖ failing tests:", jest's summary):
// what it repeats is shown above.
const RECAP = /^\s*(?:✖ failing tests:|Summary of all failing tests)$/;
// cargo's list of the failed tests' names, under its second "failures:".
const LISTED_NAME = /^ {4}\S+$/;
// Printed under every Rust panic with a backtrace.
const HINT = "note: Some details are omitted, run with `RUST_BACKTRACE=full`";
// Only the regexes asked of every line are primed (regex.ts); the rest run where a cheap test of
// the stream or the line says their output may be there, so that a fresh process compiles them
// only then.
const primeRegexes = primer([PASS_LINE, RULE, FRAME, AT_FRAME, FRAME_START, FAILURE_START, SUMMARY, CODE_FRAME, CHATTER]);
const primePytest = primer([PYTEST_BLOCK, PYTEST_END, PYTEST_KEEP, PYTEST_NOISE]);

/** The view, and the raw lines (trimmed) it drops as frames inside the runtime or a library: the view counts them and names the full log. */
export function compressTests(text: string, logPath?: string): { text: string; declared: Set<string> } {
  // A JSON report (jest --json): its failures and totals; its lines are the document, declared so
  // that the safety net does not put it back.
  const doc = jsonDocument(text);
  const report = doc === undefined ? undefined : jsonTestReport(doc.value, logPath);
  if (report !== undefined) return { text: report, declared: new Set(lines(text).map((line) => line.trim())) };
  primeRegexes();
  const may = mayFail(text);
  const failure = (line: string) => may(line) && isFailureLine(line);
  const out: string[] = [];
  const declared = new Set<string>();
  const frames = new Set<string>();
  let omitted = 0;
  let omittedChars = 0;
  const omit = (line: string) => {
    omitted++;
    omittedChars += line.replace(/\s+/g, " ").trim().length + 1; // padding is cheap in tokens
  };
  let runtimeFrames = 0;
  let context = 0;
  let pytest = false; // inside a pytest failure block
  let props = false; // inside the properties after a stack
  let libraryIndent = -1; // a dropped Python library frame's indent: its source lines below go too
  let shown: Set<string> | undefined; // once a recap starts: the lines shown before it
  let listing = false; // in cargo's list of failed tests
  const pytestish = text.includes("____ ");
  const recaps = text.includes("failing tests");
  const backtrace = text.includes("stack backtrace:");
  const goroutines = text.includes("goroutine ");
  if (pytestish) primePytest();
  if (backtrace || goroutines) primeFrames();
  const dropFrame = (line: string) => {
    runtimeFrames++;
    declared.add(line.trim());
  };
  const take = (line: string): void => {
    const trimmed = line.trim();
    if (PASS_LINE.test(line) || RULE.test(line) || (backtrace && line.startsWith(HINT))) {
      omit(line);
      return;
    }
    if (props) {
      if (PROPS_CLOSE.test(line) || (PROP.test(line) && !failure(line))) {
        props = !PROPS_CLOSE.test(line);
        omit(line);
        return;
      }
      props = false;
    }
    if (libraryIndent >= 0 && line.length - line.trimStart().length > libraryIndent && !trimmed.startsWith("File ")) {
      dropFrame(line);
      return;
    }
    libraryIndent = -1;
    const frameLike = FRAME_START.exec(line);
    const library = frameLike?.[1] === "File " ? LIBRARY_FRAME.exec(line) : null;
    if (library || (frameLike?.[1] === "at " && isRuntimeFrame(line))) {
      libraryIndent = library ? library[1]!.length : -1;
      props = PROPS_OPEN.test(line);
      dropFrame(line);
      return;
    }
    if (shown !== undefined && trimmed.length >= 8 && shown.has(trimmed)) {
      omit(line);
      return;
    }
    if (pytestish && line.startsWith("___") && PYTEST_BLOCK.test(line)) pytest = true;
    else if (pytest && PYTEST_END.test(line)) pytest = false;
    else if (pytest && !PYTEST_KEEP.test(line) && PYTEST_NOISE.test(line) && !failure(line)) {
      omit(line);
      return;
    }
    if (FRAME.test(line) || AT_FRAME.test(line)) {
      if (frames.has(line)) {
        omit(line);
        return;
      }
      frames.add(line);
      props = PROPS_OPEN.test(line);
    }
    const start = FAILURE_START.test(line);
    if (start) context = BLOCK_LINES;
    listing = (listing && LISTED_NAME.test(line)) || line === "failures:";
    if (CHATTER.test(line) && !failure(line)) {
      omit(line);
      return;
    }
    const keep = start || listing || SUMMARY.test(line) || failure(line) || (pytest && PYTEST_KEEP.test(line));
    if (!keep && (context === 0 || trimmed === "" || CODE_FRAME.test(line))) {
      if (trimmed !== "") omit(line);
      return;
    }
    if (!keep) context--;
    out.push(line);
    if (recaps && shown === undefined && RECAP.test(line)) shown = new Set(out.map((l) => l.trim()));
  };
  // A Rust or Go frame's symbol line goes with the location under it.
  let symbol: string | undefined;
  for (const line of lines(text)) {
    if (symbol !== undefined) {
      const held = symbol;
      symbol = undefined;
      // A frame of the runtime's panic itself ("panic({0x508f80, …})") names the failure: it stays.
      if (isRuntimeFrame(line) && !failure(held)) {
        dropFrame(held);
        dropFrame(line);
        continue;
      }
      take(held);
    }
    if ((backtrace && RUST_FRAME_SYMBOL.test(line)) || (goroutines && GO_FRAME_SYMBOL.test(line))) symbol = line;
    else take(line);
  }
  if (symbol !== undefined) take(symbol);
  // One count at the end: a marker at every gap would cost more tokens than it tells.
  if (runtimeFrames > 0) out.push(`... ${runtimeFrames} stack frame lines inside the runtime or libraries omitted; full log: ${logPath ?? "the job's log file"}`);
  // A count that costs more than the lines it stands for (a line of pytest's dots) is left out:
  // the object's "omitted" says that something was.
  const note = `... ${omitted} lines omitted (passing tests, progress, code frames)`;
  if (omitted > 0 && (omittedChars > note.length || out.length === 0)) out.push(note);
  return { text: collapseRepeats(out).join("\n"), declared };
}
