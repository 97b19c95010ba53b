import { isRuntimeFrame } from "./frames.js";
import { isJsonObject as isObj, type JsonObject as Obj, reportView } from "./json.js";
import { lines, stripAnsi } from "./text.js";

// A test runner's JSON report (jest --json and vitest --reporter=json, which share a shape; mocha
// --reporter json): each failed test with its file and the first lines of its failure messages, a
// suite that failed to run with its message, and the totals. Frames inside the runtime or node_modules are left out of the
// messages, as in the text views.

const MESSAGE_LINES = 10;
const ANONYMOUS_FRAME = /^\s*at (?:new )?\S+ \(<anonymous>\)$/;

const count = (o: Obj, key: string): number => (typeof o[key] === "number" ? (o[key] as number) : 0);

function messageLines(messages: unknown): string[] {
  const text = Array.isArray(messages) ? messages.filter((m) => typeof m === "string").join("\n") : typeof messages === "string" ? messages : "";
  const kept = lines(stripAnsi(text)).filter((line) => line.trim() !== "" && !isRuntimeFrame(line) && !ANONYMOUS_FRAME.test(line));
  const shown = kept.slice(0, MESSAGE_LINES).map((line) => `  ${line.trimEnd()}`);
  if (kept.length > MESSAGE_LINES) shown.push(`  ... ${kept.length - MESSAGE_LINES} more lines`);
  return shown;
}

/** The report's failures and totals (`text` is what `doc` was parsed from), or undefined when `doc` is not such a report. */
export function jsonTestReport(doc: unknown, text: string, logPath: string | undefined): { text: string; declared: Set<string> } | undefined {
  const out = isObj(doc) ? (jestReport(doc) ?? mochaReport(doc)) : undefined;
  return out === undefined ? undefined : reportView(text, [...out, `(from the JSON report; full log: ${logPath ?? "the job's log file"})`].join("\n"));
}

/** mocha: { stats: { tests, passes, failures, pending }, failures: [{ fullTitle, file, err: { message, stack } }] }. */
function mochaReport(doc: Obj): string[] | undefined {
  const stats = doc.stats;
  if (!isObj(stats) || typeof stats.tests !== "number" || !Array.isArray(doc.failures)) return undefined;
  const out: string[] = [];
  for (const test of doc.failures) {
    if (!isObj(test)) continue;
    const err = isObj(test.err) ? test.err : {};
    out.push(`FAIL ${typeof test.file === "string" ? test.file : "?"} > ${String(test.fullTitle ?? test.title ?? "?")}`, ...messageLines(err.stack ?? err.message));
  }
  const skipped = count(stats, "pending") > 0 ? `, ${count(stats, "pending")} skipped` : "";
  out.push(`Tests: ${count(stats, "failures")} failed, ${count(stats, "passes")} passed${skipped}, ${count(stats, "tests")} total`);
  return out;
}

/** jest and vitest: { numTotalTests, …, testResults: [{ name, status, message, assertionResults: [{ fullName, status, failureMessages }] }] }. */
function jestReport(doc: Obj): string[] | undefined {
  if (!Array.isArray(doc.testResults) || typeof doc.numTotalTests !== "number") return undefined;
  const out: string[] = [];
  for (const suite of doc.testResults) {
    if (!isObj(suite)) continue;
    const file = typeof suite.name === "string" ? suite.name : "?";
    const failed = (Array.isArray(suite.assertionResults) ? suite.assertionResults : []).filter((a): a is Obj => isObj(a) && a.status === "failed");
    for (const test of failed) {
      const name = typeof test.fullName === "string" ? test.fullName : String(test.title ?? "?");
      out.push(`FAIL ${file} > ${name}`, ...messageLines(test.failureMessages));
    }
    if (failed.length === 0 && suite.status === "failed") out.push(`FAIL ${file}`, ...messageLines(suite.message));
  }
  const extra = (["numPendingTests", "numTodoTests"] as const).filter((k) => count(doc, k) > 0).map((k) => `, ${count(doc, k)} ${k === "numTodoTests" ? "todo" : "skipped"}`);
  out.push(`Test Suites: ${count(doc, "numFailedTestSuites")} failed, ${count(doc, "numPassedTestSuites")} passed, ${count(doc, "numTotalTestSuites")} total`);
  out.push(`Tests: ${count(doc, "numFailedTests")} failed, ${count(doc, "numPassedTests")} passed${extra.join("")}, ${count(doc, "numTotalTests")} total`);
  return out;
}
