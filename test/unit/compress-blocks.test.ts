import { describe, expect, it } from "vitest";
import { foldRepeatedBlocks } from "../../src/compress/blocks.js";
import { compressOutput } from "../../src/compress/index.js";

// Output that repeats itself back to back (a retry loop, a watch mode, a tail of many copies) is
// looked at and shown once per block, with a count; a single repeated line stays the families'.

const report = [
  "npm error code ETARGET",
  "npm error notarget No matching version found for glob@99.0.0.",
  "npm error notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist.",
  "npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-02T04_33_05_880Z-debug-0.log",
];

describe("foldRepeatedBlocks", () => {
  it("keeps one copy of a block repeated back to back and counts the others", () => {
    const text = `${Array(30).fill(report.join("\n")).join("\n")}\n${report.slice(0, 2).join("\n")}\n`;
    expect(foldRepeatedBlocks(text)).toEqual({
      text: [...report, ...report.slice(0, 2)].join("\n"),
      notes: ["... a block of 4 lines repeated 29 more times (shown once)"],
    });
  });

  it("finds a block whatever line it starts at, and a block holding a line twice", () => {
    const block = ["a", "b", "a", "c"];
    const { text, notes } = foldRepeatedBlocks(["start", ...block, ...block, ...block, "end"].join("\n"));
    // The repeat is found from the block's second line on ("b a c a" recurs): one copy of it is
    // folded, and the lines around it stay.
    expect(text.split("\n")).toEqual(["start", "a", "b", "a", "c", "a", "b", "a", "c", "end"]);
    expect(notes).toEqual(["... a block of 4 lines repeated 1 more time (shown once)"]);
  });

  it("finds the repeat of a report full of near-repeats (the same messages under each file)", () => {
    // Each file's section differs from the others in its header alone: comparing such sections
    // line by line would cost a block's length each time before it finds the header.
    const messages = Array.from({ length: 40 }, (_, i) => `  ${i + 1}:5  error  'v${i}' is assigned a value but never used  no-unused-vars`);
    const report = Array.from({ length: 8 }, (_, f) => [`/src/file${f}.js`, ...messages]).flat();
    const { text, notes } = foldRepeatedBlocks([...report, ...report].join("\n"));
    expect(text).toBe(report.join("\n"));
    expect(notes).toEqual([`... a block of ${report.length} lines repeated 1 more time (shown once)`]);
  });

  it("leaves text alone that does not repeat a block: lines that recur alone, one line repeated", () => {
    for (const text of [
      Array.from({ length: 500 }, (_, i) => `${i % 2 === 0 ? "" : `step ${i}`}`).join("\n"),
      Array(50).fill("same line").join("\n"),
      "one\ntwo\nthree",
    ]) {
      expect(foldRepeatedBlocks(text)).toEqual({ text, notes: [] });
    }
  });
});

describe("compressOutput with repeated blocks", () => {
  it("a failed install retried 40 times: one report, the count, and every failure line", () => {
    const stderr = `${Array(40).fill(report.join("\n")).join("\n")}\n`;
    const c = compressOutput({ mode: "route", command: ["npm", "install", "glob@99.0.0"], stdout: "", stderr })!;
    expect(c.strategy).toContain("repeated-blocks-folded");
    expect(c.stderr).toContain("... a block of 4 lines repeated 39 more times (shown once)");
    expect(c.stderr).toContain("No matching version found for glob@99.0.0.");
    expect(c.stderr.match(/No matching version/g)).toHaveLength(1);
    expect(c.stderr_compressed_bytes).toBeLessThan(600);
  });

  it("a failing test re-run by a watch mode: the failure once, with the count", () => {
    const run = ["FAIL src/a.test.ts > adds", "AssertionError: expected 3 to be 4", " Test Files  1 failed (1)", "      Tests  1 failed (1)"];
    const stdout = `${Array(12).fill(run.join("\n")).join("\n")}\n`;
    const c = compressOutput({ mode: "route", command: ["npx", "vitest"], stdout, stderr: "" })!;
    expect(c.stdout.split("\n")).toEqual([...run, "... a block of 4 lines repeated 11 more times (shown once)"]);
  });

  it("content is not folded: a diff that repeats a hunk's lines shows them all", () => {
    const hunk = ["-old line", "+new line"];
    const stdout = `${["diff --git a/x b/x", "@@ -1,6 +1,6 @@", ...hunk, ...hunk, ...hunk].join("\n")}\n`;
    const c = compressOutput({ mode: "route", command: ["git", "diff"], stdout, stderr: "" })!;
    expect(c.strategy).not.toContain("repeated-blocks-folded");
  });
});

describe("an exception's class names the failure, a Python frame its location", () => {
  it("keeps 'TypeError: …' and 'json.decoder.JSONDecodeError: …', which hold no failure word of their own", () => {
    const stderr = [
      "Traceback (most recent call last):",
      '  File "<string>", line 1, in <module>',
      '  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode',
      "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
      "file:///app/index.mjs:3",
      "TypeError: Cannot read properties of undefined (reading 'x')",
      "java.lang.IllegalStateException: queue full",
    ].join("\n");
    const c = compressOutput({ mode: "errors", command: ["python3", "app.py"], stdout: "", stderr })!;
    for (const line of ["json.decoder.JSONDecodeError: Expecting", "TypeError: Cannot read", "IllegalStateException: queue full"]) expect(c.stderr).toContain(line);
    // A Python frame names a file and a line: a location.
    expect(c.stderr).toContain('File "/usr/lib/python3.11/json/decoder.py", line 337, in decode');
  });
});
