import { FRAME_START, RuntimeFrames } from "./frames.js";
import { PytestBlocks } from "./pytest-blocks.js";
import { primer } from "./regex.js";
import { failureTest } from "./failure.js";
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
// Longer than the omission note ever is ("... 123456 lines omitted (passing tests, progress, code frames)").
const NOTE_BOUND = 100;
const AT_FRAME = /^\s+at \S/;
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

/** The view, and the raw lines (trimmed) it drops as frames inside the runtime or a library: the view counts them and names the full log. */
export function compressTests(text: string, logPath?: string): { text: string; declared: Set<string> } {
  primeRegexes();
  const failure = failureTest(text);
  const out: string[] = [];
  const seen = new Set<string>(); // stack frames shown: the same frame under the next failure says nothing new
  const runtime = new RuntimeFrames(text);
  const pytest = new PytestBlocks(text);
  let omitted = 0;
  let omittedChars = 0;
  const omit = (line: string) => {
    omitted++;
    // Only until it is past any note's length: the count decides nothing more (padding is cheap in tokens).
    if (omittedChars <= NOTE_BOUND) omittedChars += line.replace(/\s+/g, " ").trim().length + 1;
  };
  let context = 0;
  let props = false; // inside the properties after a stack
  let shown: Set<string> | undefined; // once a recap starts: the lines shown before it
  let listing = false; // in cargo's list of failed tests
  const recaps = text.includes("failing tests");
  const take = (line: string): void => {
    const trimmed = line.trim();
    if (PASS_LINE.test(line) || RULE.test(line) || (runtime.backtrace && line.startsWith(HINT))) {
      omit(line);
      return;
    }
    if (props) {
      const close = PROPS_CLOSE.test(line);
      if (close || (PROP.test(line) && !failure(line))) {
        props = !close;
        omit(line);
        return;
      }
      props = false;
    }
    if (runtime.drops(line)) {
      props = PROPS_OPEN.test(line);
      return;
    }
    if ((shown !== undefined && trimmed.length >= 8 && shown.has(trimmed)) || pytest.noise(line, failure)) {
      omit(line);
      return;
    }
    if (FRAME.test(line) || AT_FRAME.test(line)) {
      if (seen.has(line)) {
        omit(line);
        return;
      }
      seen.add(line);
      props = PROPS_OPEN.test(line);
    }
    const start = FAILURE_START.test(line);
    if (start) context = BLOCK_LINES;
    listing = (listing && LISTED_NAME.test(line)) || line === "failures:";
    if (CHATTER.test(line) && !failure(line)) {
      omit(line);
      return;
    }
    const keep = start || listing || SUMMARY.test(line) || failure(line) || pytest.keeps(line);
    if (!keep && (context === 0 || trimmed === "" || CODE_FRAME.test(line))) {
      if (trimmed !== "") omit(line);
      return;
    }
    if (!keep) context--;
    out.push(line);
    if (recaps && shown === undefined && RECAP.test(line)) shown = new Set(out.map((l) => l.trim()));
  };
  // A Rust or Go frame's symbol line goes with the location under it; the runtime's own panic
  // frame ("panic({0x508f80, …})") names the failure and stays.
  let symbol: string | undefined;
  for (const line of lines(text)) {
    if (symbol !== undefined) {
      const held = symbol;
      symbol = undefined;
      if (!failure(held) && runtime.dropsPair(held, line)) continue;
      take(held);
    }
    if (runtime.isSymbol(line)) symbol = line;
    else take(line);
  }
  if (symbol !== undefined) take(symbol);
  // One count at the end: a marker at every gap would cost more tokens than it tells.
  if (runtime.count > 0) out.push(`... ${runtime.count} stack frame lines inside the runtime or libraries omitted; full log: ${logPath ?? "the job's log file"}`);
  // A count that costs more than the lines it stands for (a line of pytest's dots) is left out:
  // the object's "omitted" says that something was.
  const note = `... ${omitted} lines omitted (passing tests, progress, code frames)`;
  if (omitted > 0 && (omittedChars > note.length || out.length === 0)) out.push(note);
  return { text: collapseRepeats(out).join("\n"), declared: runtime.declared };
}
