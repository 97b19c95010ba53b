import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compressOutput } from "../../src/compress/index.js";
import { failureLines, isFailureLine, keptIn, mayFail } from "../../src/compress/failure.js";
import { stripAnsi } from "../../src/compress/text.js";
import { ajv } from "../helpers/schema.js";

// The corpus: real outputs of real tools, captured on this machine by bench/compress/make-corpus.mjs.
interface Case { name: string; class: string; command: string[]; stdout: string; stderr: string; must_keep?: string[] }
const dir = join(import.meta.dirname, "..", "..", "bench", "compress", "corpus");
const corpus: Case[] = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
const byName = (name: string): Case => corpus.find((c) => c.name === name)!;
const routed = (c: Case) => compressOutput({ mode: "route", command: c.command, stdout: c.stdout, stderr: c.stderr, stdoutLogPath: "/jobs/J/stdout.log", stderrLogPath: "/jobs/J/stderr.log" })!;
const bytes = (s: string) => Buffer.byteLength(s);
const validCompression = ajv.getSchema("agent-exec#/definitions/CompressionData")!;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The lines of the view's group for `file`: from its path line to the next unindented line. */
function groupOf(view: string, file: string): string {
  const all = view.split("\n");
  const start = all.indexOf(file);
  if (start < 0) return "";
  const end = all.findIndex((l, i) => i > start && !/^\s/.test(l));
  return all.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

describe("compression over the corpus of real outputs", () => {
  it("has the cases the bench reports", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const name of ["vitest-fail", "jest-fail", "mocha-fail", "node-test-fail", "pytest-fail", "go-test-fail", "cargo-test-fail", "tsc-errors", "eslint-errors", "gcc-errors", "git-diff", "dpkg-log",
      "npm-install", "npm-ci", "npm-install-eresolve", "npm-install-etarget", "pnpm-install", "pip-install", "pip-install-fail", "vitest-verbose-pass", "tsc-many-errors", "tsc-many-errors-pretty", "eslint-many-errors",
      "npm-install-gyp", "npm-ci-out-of-sync", "pip-install-ext-fail", "pip-install-build-fail", "yarn-add-postinstall", "cargo-build-unreachable", "apt-get-install-missing"]) {
      expect(byName(name), name).toBeDefined();
    }
  });

  it.each(corpus.map((c) => [c.name, c] as const))("%s: the view is smaller than the raw, or the guard says so", (_name, c) => {
    const v = routed(c);
    expect(validCompression(v), JSON.stringify(validCompression.errors)).toBe(true);
    if (!v.applied) {
      expect(v.strategy).toEqual(["expansion-guard"]);
      expect([v.stdout, v.stderr, v.stdout_compressed_bytes, v.stderr_compressed_bytes]).toEqual(["", "", 0, 0]);
      return;
    }
    if (c.stdout !== "") expect(bytes(v.stdout)).toBeLessThan(bytes(c.stdout));
    if (c.stderr !== "") expect(bytes(v.stderr)).toBeLessThan(bytes(c.stderr));
    expect(v.stdout_compressed_bytes).toBe(bytes(v.stdout));
    expect(v.stderr_compressed_bytes).toBe(bytes(v.stderr));
    expect(v.stdout_original_bytes).toBe(bytes(c.stdout));
  });

  // The lines a reader marked, when the case was captured, as saying what failed.
  const marked = corpus.filter((c) => c.must_keep !== undefined);
  it.each(marked.map((c) => [c.name, c] as const))("%s: every must_keep line is in the view", (_name, c) => {
    const v = routed(c);
    expect(v.applied).toBe(true);
    const [out, err] = [keptIn(v.stdout), keptIn(v.stderr)];
    for (const line of c.must_keep!) expect(out(line) || err(line), line).toBe(true);
  });

  const failing = corpus.filter((c) => !["git", "json"].includes(c.class));
  it.each(failing.map((c) => [c.name, c] as const))("%s: every failure line is in the view, or counted, or the view names the full log", (_name, c) => {
    const v = routed(c);
    if (!v.applied) return; // the raw excerpt is the view
    for (const [raw, view, log] of [[c.stdout, v.stdout, "/jobs/J/stdout.log"], [c.stderr, v.stderr, "/jobs/J/stderr.log"]] as const) {
      const kept = keptIn(view);
      const missing = failureLines(raw).filter((line) => !kept(line));
      // The tool's own log, when the view shows where it is ("A complete log of this run …").
      if (missing.length > 0) expect(view).toMatch(new RegExp(`full log: ${escapeRegex(log)}|full log above`));
      if (missing.length > 0 && !view.includes(`full log: ${log}`)) expect(view).toMatch(/complete log of this run can be found in: \S/);
    }
  });

  it("keeps the failing tests' names and first error lines, and drops the passing ones", () => {
    const vitest = routed(byName("vitest-fail"));
    expect(vitest.detected_kind).toBe("js-test");
    expect(vitest.stderr).toContain("FAIL  test/format.test.mjs > format > format case 6 keeps the slug stable");
    expect(vitest.stderr).toContain('Expected: "hello_world_6"');
    expect(vitest.stdout).toContain("Tests  2 failed | 126 passed (128)");
    expect(vitest.stdout).not.toContain("✓ strings case 4 keeps its invariant");
    const pytest = routed(byName("pytest-fail"));
    expect(pytest.stdout).toMatch(/FAILED tests\/test_strings\.py::test_strings_case_3/);
    expect(pytest.stdout).not.toMatch(/test_math_case_0 PASSED/);
    const cargo = routed(byName("cargo-test-fail"));
    expect(cargo.stdout).toContain("test tests::case_5 ... FAILED");
    expect(cargo.stdout).toContain("assertion `left == right` failed");
    expect(cargo.stdout).not.toContain("test tests::case_0 ... ok");
  });

  it("drops pytest's locals, source and carets, and keeps the failing line, its explanation and location", () => {
    const v = routed(byName("pytest-fail-fixtures")).stdout;
    expect(v).not.toMatch(/^self = </m);
    expect(v).not.toContain("    def test_add_existing(self, stock):");
    expect(v).not.toMatch(/^\s*\^+$/m);
    for (const line of [">       assert stock.items['apple'] == 5", "E       assert 4 == 5", "tests/test_stock.py:20: AssertionError", "E           KeyError: 'apple'", "inventory/stock.py:11: KeyError"]) expect(v).toContain(line);
  });

  it("drops stack frames inside the runtime or libraries, counted with the full log named; the program's own frames stay", () => {
    const cargo = routed(byName("cargo-test-backtrace"));
    expect(byName("cargo-test-backtrace").stdout).toContain("at /rustc/");
    expect(cargo.stdout).not.toContain("/rustc/");
    expect(cargo.stdout).not.toContain("core::panicking::assert_failed");
    expect(cargo.stdout).toContain("             at ./src/lib.rs:31:29");
    expect(cargo.stdout).toMatch(/^\.\.\. \d+ stack frame lines inside the runtime or libraries omitted; full log: \/jobs\/J\/stdout\.log$/m);
    expect(cargo.strategy).not.toContain("failure-lines-kept"); // declared, so the safety net does not put them back
    // cargo's list of what failed, after the details, whole.
    expect(cargo.stdout).toMatch(/^failures:\n {4}tests::negative\n {4}tests::panics\n {4}tests::parses\n {4}tests::should$/m);
    const node = routed(byName("node-test-spec-fail")).stdout;
    expect(node).not.toContain("node:internal/");
    expect(node).toContain("at TestContext.<anonymous> (file:///");
  });

  it("drops a goroutine's frames inside Go's standard library, but the runtime's panic frame and the test's own stay", () => {
    const c = byName("go-test-quiet-fail");
    expect(c.stdout).toMatch(/^\t\S*\/src\/testing\/testing\.go:\d+/m);
    const v = routed(c).stdout;
    expect(v).not.toMatch(/\/src\/testing\/testing\.go/);
    expect(v).not.toContain("testing.tRunner(");
    for (const line of ["panic: assignment to entry in nil map [recovered]", "example.com/bank.TestWithdraw(", "bank_test.go:116 +0x2e", "panic({0x", "--- FAIL: TestDeposit6 (0.00s)"]) expect(v).toContain(line);
    expect(v).toMatch(/stack frame lines inside the runtime or libraries omitted; full log: \/jobs\/J\/stdout\.log/);
  });

  it("drops the carets under a code frame and the runner's timings", () => {
    const c = byName("vitest-fail-throws");
    const v = routed(c);
    expect(c.stderr).toMatch(/^\s+\|\s+\^$/m);
    expect(v.stderr).not.toMatch(/^\s+\|\s+\^$/m);
    expect(v.stderr).toContain(" ❯ parseConfig src/parse.js:1:85");
    expect(v.stdout).toContain("Tests  2 failed | 40 passed (42)");
    expect(v.stdout).not.toMatch(/Duration\s+[\d.]+s/);
  });

  it("lists every diagnostic of a linter's JSON report, grouped by file, instead of dropping the document", () => {
    const c = byName("eslint-json");
    const report = JSON.parse(c.stdout) as { filePath: string; messages: { line: number; column: number; message: string; ruleId: string }[] }[];
    const v = routed(c);
    expect(v.detected_kind).toBe("js-lint");
    const group = groupOf(v.stdout, report[0]!.filePath);
    expect(report[0]!.messages.length).toBeGreaterThan(1);
    for (const m of report[0]!.messages) expect(group).toContain(`  ${m.line}:${m.column} error ${m.message} ${m.ruleId}`);
    expect(v.strategy).not.toContain("failure-lines-kept");
    // A clean run's report holds no diagnostic: it is shown by its shape, not dropped.
    const clean = JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ filePath: `/p/f${i}.js`, messages: [], errorCount: 0, warningCount: 0 })));
    const shaped = compressOutput({ mode: "route", command: ["npx", "eslint", "--format", "json"], stdout: clean, stderr: "" })!;
    expect(shaped.applied).toBe(true);
    expect(shaped.stdout).toMatch(/^array len=30 item_shape=\(object keys=4 \[filePath:string, messages:array/);
  });

  it("a test runner's JSON report (jest, vitest, mocha) keeps the runner's kind and shows each failed test with its message and the totals", () => {
    for (const name of ["jest-json", "vitest-json"]) {
      const c = byName(name);
      const report = JSON.parse(c.stdout) as { numFailedTests: number; numPassedTests: number; testResults: { name: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[] };
      const v = routed(c);
      expect(v.detected_kind, name).toBe("js-test");
      const failed = report.testResults.flatMap((s) => s.assertionResults.filter((a) => a.status === "failed").map((a) => ({ file: s.name, ...a })));
      expect(failed.length, name).toBeGreaterThan(0);
      for (const f of failed) {
        expect(v.stdout, name).toContain(`FAIL ${f.file} > ${f.fullName}`);
        expect(v.stdout, name).toContain(stripAnsi(f.failureMessages[0]!.split("\n")[0]!));
      }
      expect(v.stdout, name).toContain(`Tests: ${report.numFailedTests} failed, ${report.numPassedTests} passed`);
      expect(v.stdout, name).not.toContain("node_modules");
    }
    const mocha = byName("mocha-json");
    const report = JSON.parse(mocha.stdout) as { stats: { failures: number; passes: number; tests: number }; failures: { fullTitle: string; file: string; err: { message: string } }[] };
    const v = routed(mocha);
    expect(v.detected_kind).toBe("js-test");
    expect(report.failures.length).toBeGreaterThan(1);
    for (const f of report.failures) {
      expect(v.stdout).toContain(`FAIL ${f.file} > ${f.fullTitle}`);
      expect(v.stdout).toContain(f.err.message.split("\n")[0]!);
    }
    expect(v.stdout).toContain(`Tests: ${report.stats.failures} failed, ${report.stats.passes} passed, ${report.stats.tests} total`);
  });

  it("knows a runtime's frames by their Windows paths too", () => {
    const jest = ["FAIL test/a.test.js", "  ● sums", "    expect(received).toBe(expected)", "    Expected: 3", "    Received: 2",
      "      at Object.<anonymous> (C:\\proj\\test\\a.test.js:3:9)", "      at Promise.then.completed (C:\\proj\\node_modules\\jest-circus\\build\\utils.js:298:28)",
      "Tests:       1 failed, 3 passed, 4 total"].join("\n");
    const v = compressOutput({ mode: "tests", command: ["jest"], stdout: "", stderr: jest, stderrLogPath: "/L/err" })!;
    expect(v.stderr).toContain("at Object.<anonymous> (C:\\proj\\test\\a.test.js:3:9)");
    expect(v.stderr).not.toContain("jest-circus");
    const python = ["Traceback (most recent call last):", '  File "C:\\proj\\etl.py", line 4, in <module>', "    load(text)",
      '  File "C:\\Python311\\Lib\\json\\decoder.py", line 353, in raw_decode', "    obj, end = self.scan_once(s, idx)",
      "json.decoder.JSONDecodeError: Expecting value: line 1 column 2 (char 1)", "FAILED (errors=1)"].join("\n");
    const p = compressOutput({ mode: "tests", command: ["python", "-m", "unittest"], stdout: "", stderr: python, stderrLogPath: "/L/err" })!;
    expect(p.stderr).toContain('File "C:\\proj\\etl.py", line 4');
    expect(p.stderr).not.toContain("decoder.py");
    const go = ["--- FAIL: TestWithdraw (0.00s)", "panic: assignment to entry in nil map [recovered]", "goroutine 7 [running]:",
      "testing.tRunner(0xc0000d61a0, 0x52f608)", "\tC:/Program Files/Go/src/testing/testing.go:1446 +0x10b",
      "example.com/bank.TestWithdraw(0xc0000d6000?)", "\tC:/work/bank/bank_test.go:116 +0x2e", "FAIL\texample.com/bank\t0.006s"].join("\n");
    const g = compressOutput({ mode: "tests", command: ["go", "test"], stdout: go, stderr: "", stdoutLogPath: "/L/out" })!;
    expect(g.stdout).toContain("C:/work/bank/bank_test.go:116");
    expect(g.stdout).not.toContain("Program Files");
  });

  it("drops node's assertion properties and the repeat of its failures under \"failing tests\"", () => {
    const c = byName("node-test-spec-fail");
    expect(c.stdout.match(/^✖ case 13 /gm)).toHaveLength(2);
    const v = routed(c).stdout;
    expect(v.match(/^✖ case 13 /gm)).toHaveLength(1);
    expect(v).toContain("test at t.test.mjs:16:1");
    expect(v).not.toContain("generatedMessage");
    expect(v).not.toContain("operator: 'strictEqual'");
  });

  it("counts the lines a diagnostics view drops, so that make's compiler commands do not trip the guard", () => {
    const v = routed(byName("make-gcc-errors"));
    expect(v.applied).toBe(true);
    expect(v.stdout).toBe("... 3 lines omitted (code frames, progress)");
    expect(v.stderr).toContain("  6:10 error: ‘undefined_var’ undeclared (first use in this function)");
  });

  it("keeps every compiler and linter location", () => {
    for (const name of ["tsc-errors", "tsc-errors-pretty", "eslint-errors", "gcc-errors", "cargo-build-errors"]) {
      const c = byName(name);
      const v = routed(c);
      const view = v.applied ? `${v.stdout}\n${v.stderr}` : `${c.stdout}\n${c.stderr}`;
      for (const line of `${c.stdout}\n${c.stderr}`.split("\n")) {
        if (!/\.(?:ts|js|c|rs)[:(]\d+/.test(line)) continue;
        // Grouped by file: the path on a line of its own, its location and message below it.
        const d = /^(\S+?)(?:\((\d+),(\d+)\)|:(\d+):(\d+))(?::| -) (.+)$/.exec(line);
        if (d === null) expect(view, name).toContain(line.trim());
        else expect(groupOf(view, d[1]!), `${name}: ${line}`).toMatch(new RegExp(`^  (?:\\d+:\\d+, )*${d[2] ?? d[4]}:${d[3] ?? d[5]}(?:, \\d+:\\d+)* ${escapeRegex(d[6]!)}$`, "m"));
      }
    }
  });

  it("a passing run shrinks to its summary", () => {
    for (const name of ["jest-pass", "mocha-pass", "pytest-pass", "go-test-pass", "node-test-pass"]) {
      const c = byName(name);
      const v = routed(c);
      expect(v.applied, name).toBe(true);
      expect(bytes(v.stdout) + bytes(v.stderr), name).toBeLessThan((bytes(c.stdout) + bytes(c.stderr)) / 5);
    }
  });

  it("summarises git by commit and by file", () => {
    const log = routed(byName("git-log-stat"));
    expect(log.detected_kind).toBe("git-log");
    expect(log.stdout).toMatch(/^commit [0-9a-f]{12}/m);
    expect(log.stdout).toMatch(/files, \+\d+ -\d+/);
    const diff = routed(byName("git-diff"));
    expect(diff.stdout).toMatch(/^src\/\S+ \(\+\d+ -\d+\)$/m);
    expect(diff.stdout).toContain("@@");
    const status = routed(byName("git-status"));
    expect(status.stdout).toMatch(/untracked \(9\): new1\.txt/);
  });
});

describe("the stream scan that spares families judging every line", () => {
  it("never rules out a failure line: every corpus line mayFail says no to is none", () => {
    let spared = 0;
    for (const c of corpus) {
      for (const text of [c.stdout, c.stderr]) {
        const may = mayFail(text);
        for (const line of text.split("\n").map((l) => l.replace(/\r$/, ""))) {
          if (may(line)) continue;
          spared++;
          expect(isFailureLine(line), `${c.name}: ${line}`).toBe(false);
        }
      }
    }
    // Most lines are spared: what the scan is for.
    expect(spared).toBeGreaterThan(3000);
  });

  it("says yes to every line of text that holds a colour code (judged line by line)", () => {
    const text = "plain\n\x1b[31mERR\x1b[0mOR in src/a.ts:3\n";
    expect(mayFail(text)("plain")).toBe(true);
    expect(failureLines(text)).toEqual(["ERROR in src/a.ts:3"]);
  });
});
