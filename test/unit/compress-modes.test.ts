import { describe, expect, it } from "vitest";
import { COMPRESSION_MODES, compressOutput, effectiveCompressionMode, parseCompressionMode, resolveCliCompression } from "../../src/compress/index.js";
import { route } from "../../src/compress/route.js";
import { parseConfig } from "../../src/config.js";

const run = (mode: Parameters<typeof compressOutput>[0]["mode"], stdout: string, stderr = "", command: string[] = ["tool"]) =>
  compressOutput({ mode, command, stdout, stderr });

describe("compression modes", () => {
  it("lists the reference's modes and no other", () => {
    expect([...COMPRESSION_MODES]).toEqual(["off", "route", "errors", "tests", "logs", "git", "json", "summary"]);
    expect(() => parseCompressionMode("auto")).toThrow(expect.objectContaining({ code: "usage_error" }));
  });

  it("--rtk is --compress under another name; two different modes are a usage error", () => {
    expect(resolveCliCompression("errors", undefined)).toBe("errors");
    expect(resolveCliCompression(undefined, "logs")).toBe("logs");
    expect(resolveCliCompression("git", "git")).toBe("git");
    expect(resolveCliCompression(undefined, undefined)).toBeUndefined();
    expect(() => resolveCliCompression("errors", "logs")).toThrow(expect.objectContaining({ code: "usage_error", message: "--compress errors conflicts with --rtk logs" }));
    expect(() => resolveCliCompression(undefined, "auto")).toThrow(/--rtk "auto"/);
  });

  it("precedence: flag > [compression].default > route", () => {
    expect(effectiveCompressionMode("logs", "off")).toBe("logs");
    expect(effectiveCompressionMode(undefined, "off")).toBe("off");
    expect(effectiveCompressionMode(undefined, undefined)).toBe("route");
    expect(() => parseConfig('[compression]\ndefault = "auto"\n', "/c.toml")).toThrow(expect.objectContaining({ code: "config_error" }));
    const configured = parseConfig('[compression]\ndefault = "off"\n', "/c.toml").compression?.default;
    expect(configured).toBe("off");
    expect(effectiveCompressionMode(resolveCliCompression(undefined, "errors"), configured)).toBe("errors");
    expect(effectiveCompressionMode(resolveCliCompression(undefined, undefined), configured)).toBe("off");
    expect(parseConfig("", "/c.toml").compression).toBeUndefined();
  });

  it("off omits the object; every other mode reports itself", () => {
    expect(run("off", "error: boom\n")).toBeUndefined();
    for (const mode of COMPRESSION_MODES.filter((m) => m !== "off")) expect(run(mode, "x\n".repeat(30))!.mode).toBe(mode);
  });

  it("errors keeps only the failure lines", () => {
    const v = run("errors", "ok\nerror: boom\n")!;
    expect(v).toMatchObject({ detected_kind: "errors", applied: true, stdout: "error: boom", omitted: true });
    expect(v.strategy).toEqual(["failure-focus", "truncation"]);
  });

  it("logs counts repeats, also when only timestamps differ", () => {
    expect(run("logs", "x\n".repeat(20) + "y\n")!.stdout).toBe("x (repeated 20x)\ny");
    const stamped = Array.from({ length: 80 }, (_, i) => `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}Z ERROR retry failed`).join("\n");
    const v = run("route", stamped, "", ["python3", "-c", "..."])!;
    expect(v.detected_kind).toBe("logs");
    expect(v.strategy).toContain("dedupe-normalized-log-lines");
    expect(v.stdout).toMatch(/ERROR retry failed \(repeated 80x\)$/);
  });

  it("the expansion guard: a view not smaller than either non-empty stream is withheld", () => {
    const guarded = { applied: false, stdout: "", stderr: "", stdout_compressed_bytes: 0, stderr_compressed_bytes: 0, omitted: false, strategy: ["expansion-guard"] };
    expect(run("json", '{"a":1}')).toMatchObject({ ...guarded, stdout_original_bytes: 7 });
    expect(run("summary", "ok\n", "line\n".repeat(50) + "tail\n")).toMatchObject(guarded);
    expect(run("route", "cargo 1.75.0\n", "", ["sh", "-c", "printf 'cargo 1.75.0\\n'"])).toMatchObject(guarded);
    expect(run("route", '{"a":1}\n{"b":2}\n')).toMatchObject(guarded);
    // No output at all (a command not found: our run reports it in `reason`, with empty streams).
    expect(run("route", "", "", ["tsc", "--version"])).toMatchObject({ ...guarded, detected_kind: "typescript" });
  });
});

describe("JSON", () => {
  it("gives the shape, and the value with long arrays and strings elided when that pays", () => {
    expect(run("json", '{"a":"012345678901234567890123456789012345678901234567890123456789","b":[2,3,4,5,6,7,8,9,10,11]}')!.stdout).toBe("object keys=2 [a:string, b:array]");
    const big = JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b"] })), note: "n".repeat(400), token: "***" });
    const v = run("route", big)!;
    expect(v.detected_kind).toBe("json-structure");
    const [shape, body] = v.stdout.split("\n");
    expect(shape).toBe("object keys=3 [items:array, note:string, token:string]");
    const elided = JSON.parse(body!);
    expect(elided.items).toHaveLength(4);
    expect(elided.items[3]).toBe("… 497 more items");
    expect(elided.note).toMatch(/…\(\+280 chars\)$/);
    expect(elided.token).toBe("***");
  });

  it("an array and NDJSON", () => {
    expect(run("route", '[{"id":1,"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},{"id":2,"name":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}]')!.stdout).toBe("array len=2 item_shape=(object keys=2 [id:number, name:string])");
    const rows = Array.from({ length: 100 }, (_, i) => JSON.stringify({ level: "info", msg: `request ${i}`, ms: i })).join("\n");
    expect(run("json", rows)!.stdout).toMatch(/^ndjson rows=100 sample_shapes:\nobject keys=3 \[level:string, msg:string, ms:number\] \(100x\)/);
  });
});

describe("route", () => {
  it.each([
    [["git", "-C", "repo", "log", "--oneline"], "git-log"], [["sh", "-c", "cd app && npm ci && npx vitest run"], "js-test"],
    [["node", "--test"], "js-test"], [["npx", "jest"], "js-test"], [["mocha"], "js-test"], [["python3", "-m", "pytest", "-q"], "python-test"],
    [["cargo", "test"], "cargo-test"], [["cargo", "build"], "rust-diagnostics"], [["go", "test", "./..."], "go-test"], [["go", "vet", "./..."], "go-diagnostics"],
    [["tsc", "--noEmit"], "typescript"], [["eslint", "."], "js-lint"], [["gcc", "-c", "a.c"], "c-diagnostics"], [["pnpm", "install"], "js-packages"],
    [["pip", "install", "x"], "python-packages"], [["C:\\Program Files\\nodejs\\npm.cmd", "install"], "js-packages"], [["docker", "compose", "logs", "web"], "docker-logs"],
    [["kubectl", "get", "pods"], "kubernetes-table"], [["rg", "needle"], "search"], [["env"], "env"], [["npm", "ls", "--json"], "json-structure"],
  ])("%j is %s", (command, kind) => {
    expect(route(command, command.includes("--json") ? "{}" : "", "")).toBe(kind);
  });

  it("recognises a runner from its output when the command says nothing", () => {
    expect(route(["./ci.sh"], " Test Files  2 failed | 14 passed (16)\n", "")).toBe("js-test");
    expect(route(["./ci.sh"], "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n", "")).toBe("typescript");
    expect(route(["./ci.sh"], "", "main.c:3:5: error: expected ';'\n")).toBe("c-diagnostics");
    // Windows paths, with their drive letter; a long stream is read at both ends.
    expect(route(["ci.cmd"], "C:\\work\\src\\a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n", "")).toBe("typescript");
    expect(route(["ci.cmd"], "", "C:\\work\\main.c:3:5: error: expected ';'\n")).toBe("c-diagnostics");
    const long = `${"noise line without any signature\n".repeat(3000)} Test Files  1 failed | 2 passed (3)\n`;
    expect(route(["./ci.sh"], long, "")).toBe("js-test");
    expect(route(["tool"], "ERROR one-off failure\n", "")).toBe("errors");
    expect(route(["tool"], "hello", "")).toBe("summary");
  });
});

describe("masks", () => {
  it("a value masked as *** stays masked, and env masks secret-looking keys", () => {
    const raw = Array.from({ length: 40 }, (_, i) => `2026-01-01T00:00:0${i % 10}Z INFO calling api with API_TOKEN=*** attempt ${i}`).join("\n") + "\nERROR auth failed for API_TOKEN=***\n";
    const v = run("route", raw)!;
    expect(v.stdout).toContain("API_TOKEN=***");
    expect(v.stdout).toContain("ERROR auth failed for API_TOKEN=***");
    const env = compressOutput({ mode: "route", command: ["env"], stdout: "SECRET_TOKEN=super_secret_value\nAWS_REGION=us-east-1\n" + Array.from({ length: 30 }, (_, i) => `VAR_${i}=value-${i}`).join("\n"), stderr: "" })!;
    expect(env.detected_kind).toBe("env");
    expect(env.stdout).toContain("SECRET_TOKEN=***");
    expect(env.stdout).not.toContain("super_secret_value");
  });
});

describe("never lose a failure", () => {
  // Distinct lines without digits: text, not a log of repeated templates.
  const prose = (word: string) => Array.from({ length: 40 }, (_, i) => `${word} ${"z".repeat(i + 1)} of the notes`);
  const file = (middle: string[]) => ["header", ...prose("opening"), ...middle, ...prose("closing")].join("\n");

  it("a failure line a view dropped is put back", () => {
    const raw = file(["src/app.ts:12:5 something odd", "Error: the cache is corrupt"]);
    const v = compressOutput({ mode: "route", command: ["cat", "notes.txt"], stdout: raw, stderr: "" })!;
    expect(v.detected_kind).toBe("file-text");
    expect(v.strategy).toContain("failure-lines-kept");
    expect(v.stdout).toContain("--- failure lines:\nsrc/app.ts:12:5 something odd\nError: the cache is corrupt");
  });

  it("past the budget, the view says how many it could not show and where the full log is", () => {
    const letters = (n: number) => n.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)));
    const raw = file(Array.from({ length: 3000 }, (_, i) => `Error: check ${letters(i)} broke while reading the ${letters(i * 7)} table`));
    const v = compressOutput({ mode: "route", command: ["cat", "notes.txt"], stdout: raw, stderr: "", stdoutLogPath: "/jobs/J/stdout.log" })!;
    expect(v.applied).toBe(true);
    expect(v.stdout).toMatch(/\.\.\. \d+ more failure\/location lines not shown; full log: \/jobs\/J\/stdout\.log$/);
  });
});
