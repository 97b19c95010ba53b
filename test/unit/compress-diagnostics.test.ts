import { describe, expect, it } from "vitest";
import { compressDiagnostics } from "../../src/compress/diagnostics.js";
import { keptIn, safetyNet } from "../../src/compress/failure.js";

// Compiler and linter output grouped by file: the path once, each distinct message once with all
// its locations; and the failure-line check that still finds every raw diagnostic in that form.

const tsc = [
  "src/api/client.ts(3,9): error TS2322: Type 'number' is not assignable to type 'string'.",
  "src/api/client.ts(4,12): error TS2551: Property 'nmae' does not exist on type 'User'. Did you mean 'name'?",
  "src/api/client.ts(7,9): error TS2322: Type 'number' is not assignable to type 'string'.",
  "src/model/user.ts(2,5): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
  "  Type 'string' is not assignable to type 'number'.",
  "src/model/user.ts(9,5): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
  "",
].join("\n");

describe("diagnostics grouped by file", () => {
  it("names each path once and merges a file's identical messages into one line of locations", () => {
    expect(compressDiagnostics(tsc).split("\n")).toEqual([
      "src/api/client.ts",
      "  3:9, 7:9 error TS2322: Type 'number' is not assignable to type 'string'.",
      "  4:12 error TS2551: Property 'nmae' does not exist on type 'User'. Did you mean 'name'?",
      "src/model/user.ts",
      // The continuation belongs to the first occurrence only, so the two stay apart.
      "  2:5 error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
      "    Type 'string' is not assignable to type 'number'.",
      "  9:5 error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ]);
  });

  it("drops tsc --pretty code frames and squiggles, which repeat the location", () => {
    const pretty = "src/a.ts:3:9 - error TS2322: Type 'number' is not assignable to type 'string'.\n\n3   const id: string = u.id;\n          ~~\n\n\nFound 1 error in src/a.ts:3\n";
    expect(compressDiagnostics(pretty).split("\n")).toEqual([
      "src/a.ts",
      "  3:9 error TS2322: Type 'number' is not assignable to type 'string'.",
      "Found 1 error in src/a.ts:3",
      "... 2 lines omitted (code frames, progress)",
    ]);
  });

  it("groups eslint's stylish report under its file headers, padding squeezed", () => {
    const eslint = [
      "",
      "/repo/src/server.js",
      "   4:3   error  Unexpected 'debugger' statement                  no-debugger",
      "   5:20  error  'helper0' is not defined                         no-undef",
      "  11:3   error  Unexpected 'debugger' statement                  no-debugger",
      "",
      "/repo/lib/legacy.js",
      "  4:3  error  Unexpected 'debugger' statement  no-debugger",
      "",
      "✖ 4 problems (4 errors, 0 warnings)",
      "",
    ].join("\n");
    expect(compressDiagnostics(eslint).split("\n")).toEqual([
      "/repo/src/server.js",
      "  4:3, 11:3 error  Unexpected 'debugger' statement  no-debugger",
      "  5:20 error  'helper0' is not defined  no-undef",
      "/repo/lib/legacy.js",
      "  4:3 error  Unexpected 'debugger' statement  no-debugger",
      "✖ 4 problems (4 errors, 0 warnings)",
    ]);
  });

  it("counts a raw diagnostic as kept only when its file's group lists its location with its message", () => {
    const view = compressDiagnostics(tsc);
    const kept = keptIn(view);
    for (const line of tsc.split("\n").filter((l) => l.startsWith("src/"))) expect(kept(line), line).toBe(true);
    expect(kept("src/api/client.ts(5,9): error TS2322: Type 'number' is not assignable to type 'string'.")).toBe(false); // another line
    expect(kept("src/model/user.ts(3,9): error TS2322: Type 'number' is not assignable to type 'string'.")).toBe(false); // another file
    expect(kept("src/api/client.ts(3,9): error TS2304: Cannot find name 'x'.")).toBe(false); // another message
    expect(kept("4:3  error  Unexpected 'debugger' statement  no-debugger")).toBe(false);
    expect(keptIn("/repo/a.js\n  4:3, 9:1 error  Unexpected 'debugger' statement  no-debugger")("4:3   error  Unexpected 'debugger' statement   no-debugger")).toBe(true);
  });

  it("has the safety net restore a diagnostic the grouped view lost, and only that one", () => {
    const lossy = "src/api/client.ts\n  3:9 error TS2322: Type 'number' is not assignable to type 'string'.";
    const raw = "src/api/client.ts(3,9): error TS2322: Type 'number' is not assignable to type 'string'.\nsrc/api/client.ts(7,9): error TS2322: Type 'number' is not assignable to type 'string'.\n";
    const net = safetyNet(raw, lossy, "/jobs/J/stdout.log");
    expect(net.restored).toBe(true);
    expect(net.view.split("\n").slice(2)).toEqual(["--- failure lines:", "src/api/client.ts(7,9): error TS2322: Type 'number' is not assignable to type 'string'."]);
  });
});
