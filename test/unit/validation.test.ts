import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildDefinition } from "../../src/launch/definition.js";
import { parseConfig } from "../../src/config.js";
import { caught, rejected } from "../helpers/errors.js";
import { run } from "../../src/commands/run.js";
import { tail } from "../../src/commands/tail.js";
import { wait } from "../../src/commands/wait.js";

// The validation cases that used to be one CLI spawn each, called where the rule lives. The
// front door (JSON error, exit code, no job made) keeps one spawn per rule in
// test/integration/{durations,bad-input}.test.ts; the value parsers are in cli-args.test.ts.

describe("config.toml: unknown sections and keys, bad values (parseConfig)", () => {
  it.each([
    ['[shel]\nunix = ["bash", "-c"]\n', "[shel]"],
    ['[shell]\nunx = ["bash", "-c"]\n', "shell.unx"],
    ['[gc]\nolder_thn = "1d"\n', "gc.older_thn"],
    ['shell_unix = "bash"\n', "shell_unix"],
    ['[gc]\nolder_than = "104000000d"\n', "gc.older_than"],
    ['[gc]\nolder_than = "1e3d"\n', "gc.older_than"],
    ['[compression]\ndefault = "zip"\n', "compression.default"],
  ])("%j is config_error naming %s and the file", (text, key) => {
    const file = "/some/where/config.toml";
    const error = caught(() => parseConfig(text, file));
    expect(error.code).toBe("config_error");
    expect(error.message).toContain(key);
    expect(error.message).toContain(file);
  });

  it("every section of the reference's config.toml is accepted, [compression] included", () => {
    expect(() => parseConfig('[shell]\nunix = ["sh", "-c"]\n[gc]\nauto = false\nolder_than = "36500d"\n[compression]\ndefault = "route"\n', "c.toml")).not.toThrow();
  });
});

describe("run's definition: bad --cwd, --env, --env-file (buildDefinition)", () => {
  let root: string;
  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), "agent-exec-unit-validation-")), "jobs");
  });
  afterEach(() => {
    rmSync(join(root, ".."), { recursive: true, force: true });
  });
  const NO_CONFIG = { shell: {}, gc: {} };
  const define = (options: Record<string, unknown>) => () => buildDefinition(root, { command: ["true"], ...options }, NO_CONFIG);

  it.each([
    ["--cwd that does not exist", { cwd: "/nonexistent/agent-exec-test" }, "/nonexistent/agent-exec-test"],
    ["--env without =", { env: ["NOEQUALS"] }, "NOEQUALS"],
    ["--env-file that does not exist", { envFiles: ["/nonexistent/agent-exec-test/missing.env"] }, "missing.env"],
  ])("%s is invalid_argument naming it; nothing is written", (_name, options, named) => {
    const error = caught(define(options));
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain(named);
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });
});

describe("excerpt, tail_lines, until_output and since: judged by the command functions every front door calls", () => {
  let root: string;
  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), "agent-exec-unit-validation-")), "jobs");
  });
  afterEach(() => {
    rmSync(join(root, ".."), { recursive: true, force: true });
  });

  it.each([
    [{ excerpt: "middle" }, /^excerpt "middle": expected one of head, tail, both$/],
    [{ excerpt: 3 }, /^excerpt 3:/],
    [{ tailLines: -1 }, /^tail_lines -1:/],
    [{ tailLines: 10 }, /^tail_lines needs excerpt tail or both/],
    [{ tailLines: 10, excerpt: "head" }, /^tail_lines needs excerpt tail or both/],
    [{ untilOutput: "" }, /^until_output "": expected a non-empty regex/],
    [{ untilOutput: "(x" }, /^until_output "\(x": not a valid regex/],
    [{ untilOutput: 5 }, /^until_output 5:/],
  ])("run %j is invalid_argument and defines no job", async (bad, message) => {
    const error = await rejected(() => run({ root, command: ["true"], ...(bad as object) }));
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(message);
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  });

  it("wait and tail refuse the same values before they look for the job", async () => {
    for (const call of [
      () => wait({ root, jobId: "NOPE", excerpt: "x" as never }),
      () => wait({ root, jobId: "NOPE", untilOutput: "(x" }),
      () => wait({ root, jobId: "NOPE", excerpt: "head", tailLines: 2 }),
    ]) {
      expect((await rejected(call)).code).toBe("invalid_argument");
    }
    for (const since of ["", "v1.0.1", "v1.0.-1.0", "v1.0.1.1 ", 7]) {
      const error = await rejected(() => tail({ root, jobId: "NOPE", since: since as string }));
      expect(error.code).toBe("invalid_argument");
      expect(error.message).toMatch(/^since .*: not a cursor/);
    }
  });
});

