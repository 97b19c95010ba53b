import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";

// A CLI process compresses once, so each regex is compiled in it once. V8 compiles a regex to
// bytecode on its first use and again to machine code on its second, unless the first subject is
// long; the families prime the regexes they ask of every line (src/compress/regex.ts). V8's own
// trace of a fresh process says how many regexes still went through bytecode: before priming, the
// same compressions compiled 49.

const ENGINE = pathToFileURL(join(resolve(import.meta.dirname, "../.."), "dist/compress/index.js")).href;

test("a fresh process compresses npm, vitest, tsc and log output with few regexes compiled twice", () => {
  const script = `
    const { compressOutput } = await import(${JSON.stringify(ENGINE)});
    const output = [
      "npm error code ETARGET",
      "npm error notarget No matching version found for glob@99.0.0.",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log",
      "npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported",
      "src/a.ts(1,2): error TS2304: Cannot find name 'x'.",
      "  ✓ adds 1 ms",
      "FAIL src/a.test.ts > adds",
      "2026-12-02 10:00:01 INFO started",
    ].join("\\n");
    console.log("BEGIN");
    for (const command of [["npm", "install"], ["npx", "vitest"], ["npx", "tsc"], ["tail", "app.log"]]) {
      const c = compressOutput({ mode: "route", command, stdout: output, stderr: output });
      if (!c.applied && c.strategy[0] !== "expansion-guard") throw new Error("no view");
    }`;
  const trace = execFileSync(process.execPath, ["--trace-regexp-tier-up", "--input-type=module", "-e", script], { encoding: "utf8" });
  const after = trace.slice(trace.indexOf("BEGIN"));
  const bytecode = after.split("\n").filter((line) => / bytecode size: \d+/.test(line));
  const native = after.split("\n").filter((line) => / native code size: \d+/.test(line));
  // What is left: small regexes of the command's words and of the safety net's look-ups.
  expect(bytecode.length).toBeLessThanOrEqual(20);
  expect(native.length).toBeGreaterThan(30);
});
