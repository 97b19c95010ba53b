import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { run } from "../../src/index.js";
import { cli } from "../helpers/cli.js";
import { failed, ok, oneJsonObject, usageError, useJobFixture } from "../helpers/jobs.js";

// Sleep durations 3781-3789 belong to this file.
const fx = useJobFixture(["sleep 3781"]);

const VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version as string;
const UNKNOWN_ID = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
const JOB_COMMANDS = [["status"], ["tail"], ["wait", "--until", "1"], ["kill"]] as const;

/** Runs `<command> <id> [flags]`, with the id in the right place. */
const onJob = (command: readonly string[], id: string) => fx.x([command[0]!, id, ...command.slice(1)]);

const rootEntries = () => (existsSync(fx.root) ? readdirSync(fx.root) : []);

describe("unknown and malformed job ids", () => {
  test.each(JOB_COMMANDS.map((command) => [command[0], command] as const))("%s on an unknown id: job_not_found, not retryable", (_name, command) => {
    const error = failed(onJob(command, UNKNOWN_ID), "job_not_found");
    expect(error.retryable).toBe(false);
    expect(typeof error.message).toBe("string");
  });

  test("path-like ids are invalid_job_id and never reach outside the root", () => {
    const base = fx.scratch();
    const root = join(base, "root");
    const sibling = join(base, "x");
    mkdirSync(sibling);
    writeFileSync(join(sibling, "keep.txt"), "keep me");
    mkdirSync(join(sibling, "nested"));
    writeFileSync(join(sibling, "state.json"), '{"job":{"id":"x","status":"running"},"result":{}}');
    const { job_id } = ok(cli(["--root", root, "run", "--", "true"], { cwd: fx.work }), "run");

    const attempts: [string, readonly string[]][] = [];
    for (const id of ["../x", "..", "/etc", "a/b"]) attempts.push([id, ["status"]], [id, ["kill"]]);
    attempts.push(["../x", ["tail"]], ["../x", ["wait", "--until", "1"]]);
    for (const id of [`../root/${job_id}`, "."]) attempts.push([id, ["status"]]);
    for (const [id, command] of attempts) {
      const r = cli(["--root", root, command[0]!, id, ...command.slice(1)], { cwd: fx.work });
      expect(r.code, `${command.join(" ")} ${JSON.stringify(id)}: ${r.stdout}`).toBe(1);
      const error = failed(r, "invalid_job_id");
      expect(error.retryable).toBe(false);
    }
    expect(readdirSync(base).sort()).toEqual(["root", "x"]);
    expect(readdirSync(sibling).sort()).toEqual(["keep.txt", "nested", "state.json"]);
    expect(readFileSync(join(sibling, "keep.txt"), "utf8")).toBe("keep me");
    expect(readdirSync(root)).toEqual([job_id]);
    expect(ok(cli(["--root", root, "status", job_id], { cwd: fx.work }), "status").state).toBe("exited");
  });

  test("well-formed ids that name no job (the reference's NONEXISTENT-JOB style) are job_not_found", () => {
    for (const id of ["NONEXISTENT_JOB_ID_XYZ", "NONEXISTENT-JOB", "nonexistent_id_xyz"]) {
      for (const command of JOB_COMMANDS) failed(onJob(command, id), "job_not_found");
      failed(fx.x(["notify", "set", id, "--command", "echo hi"]), "job_not_found");
      failed(fx.x(["tag", "set", id, "--tag", "a"]), "job_not_found");
    }
  });

  test("jobs agent-exec v0.2.3 made in the same root (32 hex ids) are found by prefix, any case", async () => {
    const { job_id } = ok(fx.x(["run", "--", "echo", "from v0.2.3"]), "run");
    await fx.finishedSupervisor(job_id);
    const hex = "01abcdef000000000000000000000001";
    cpSync(join(fx.root, job_id), join(fx.root, hex), { recursive: true });
    expect(ok(fx.x(["status", "01ABCDEF"]), "status").job_id).toBe(hex);
    expect(ok(fx.x(["tail", hex]), "tail").stdout).toBe("from v0.2.3\n");
    expect(ok(fx.x(["list"]), "list").jobs.map((j: any) => j.job_id)).toContain(hex);
    mkdirSync(join(fx.root, "01abcdef000000000000000000000002"));
    const error = failed(fx.x(["status", "01abcdef"]), "ambiguous_job_id");
    expect(error.details.candidates).toEqual([hex, "01abcdef000000000000000000000002"]);
  });

  test("an ambiguous prefix lists the candidates", () => {
    const a = "01JAAAAAAAAAAAAAAAAAAAAAA0";
    const b = "01JAAAAAAAAAAAAAAAAAAAAAA1";
    mkdirSync(join(fx.root, a), { recursive: true });
    mkdirSync(join(fx.root, b));
    const error = failed(fx.x(["status", a.slice(0, 25)]), "ambiguous_job_id");
    expect(error.details.candidates).toEqual([a, b]);
    expect(error.details.truncated).toBe(false);
  });
});

describe("corrupt jobs", () => {
  test("an empty state.json is corrupt_job for status and wait, not a crash", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    writeFileSync(join(fx.root, job_id, "state.json"), "");
    failed(fx.x(["status", job_id]), "corrupt_job");
    failed(fx.x(["wait", job_id, "--until", "5"]), "corrupt_job");
  });

  test("a garbage meta.json is corrupt_job", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    writeFileSync(join(fx.root, job_id, "meta.json"), "\u0000garbage{{{");
    failed(fx.x(["status", job_id]), "corrupt_job");
    failed(fx.x(["tail", job_id]), "corrupt_job");
  });
});

describe("usage errors (exit 2, nothing on stdout)", () => {
  test("run with no command", () => {
    usageError(fx.x(["run", "--"]));
    usageError(fx.x(["run"]));
    expect(rootEntries()).toEqual([]);
  });

  test("unknown subcommand", () => {
    usageError(fx.x(["frobnicate"]));
  });

  test("unknown flag", () => {
    usageError(fx.x(["status", "--bogus-flag", UNKNOWN_ID]));
    usageError(fx.x(["run", "--bogus-flag", "--", "true"]));
    usageError(fx.x(["--bogus-flag", "list"]));
    expect(rootEntries()).toEqual([]);
  });

  test("--timeout abc", () => {
    usageError(fx.x(["run", "--timeout", "abc", "--", "true"]));
    expect(rootEntries()).toEqual([]);
  });
});

describe("invalid arguments (exit 1, invalid_argument, no job left behind)", () => {
  test("--cwd that does not exist", () => {
    const error = failed(fx.x(["run", "--cwd", "/nonexistent/agent-exec-test", "--", "true"]), "invalid_argument");
    expect(error.message).toContain("/nonexistent/agent-exec-test");
    expect(rootEntries()).toEqual([]);
  });

  // --env without = and a missing --env-file fail the same definition step: test/unit/validation.test.ts.
});

describe("output discipline", () => {
  test("--version prints the version and exits 0", () => {
    for (const flag of ["--version", "-V"]) {
      const r = cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`agent-exec ${VERSION}\n`);
    }
  });

  test("every command prints exactly one JSON object on one line; stderr has no envelope", () => {
    const run = fx.x(["run", "--", "sh", "-c", "echo one; echo two; echo three >&2"]);
    const { job_id } = ok(run, "run");
    const running = ok(fx.x(["run", "--no-wait", "--", "sleep", "3781"]), "run").job_id;
    const results = [
      ["run", run],
      ["status", fx.x(["status", job_id])],
      ["tail", fx.x(["tail", job_id])],
      ["wait", fx.x(["wait", job_id])],
      ["list", fx.x(["list"])],
      ["list", fx.x(["ps"])],
      ["kill", fx.x(["kill", running])],
    ] as const;
    for (const [type, result] of results) {
      const body = ok(result, type);
      expect(body.type).toBe(type);
      expect(result.stderr, type).not.toContain("schema_version");
    }
    // errors follow the same rule
    const error = fx.x(["status", UNKNOWN_ID]);
    expect(oneJsonObject(error).ok).toBe(false);
    expect(error.stderr).not.toContain("schema_version");
  });
});

describe("errors name the API's fields; the CLI names its flags", () => {
  test("a library caller reads cwd and stdin_max_bytes, a CLI user --cwd and --stdin-max-bytes", async () => {
    const missing = join(fx.scratch(), "missing");
    await expect(run({ root: fx.root, command: ["true"], cwd: missing })).rejects.toThrow(new RegExp(`^cwd ${missing}: not an existing directory$`));
    expect(failed(fx.x(["run", "--cwd", missing, "--", "true"]), "invalid_argument").message).toBe(`--cwd ${missing}: not an existing directory`);
    // A field named past the message's first word.
    const tooLarge = { root: fx.root, command: ["cat"], stdin: "abc", stdinLiteral: true, stdinMaxBytes: 1 };
    await expect(run(tooLarge)).rejects.toThrow(/^stdin input is larger than stdin_max_bytes \(1 bytes\)$/);
    const cliError = failed(fx.x(["run", "--stdin", "abc", "--stdin-max-bytes", "1", "--", "cat"]), "stdin_too_large");
    expect(cliError.message).toBe("stdin input is larger than --stdin-max-bytes (1 bytes)");
    expect(rootEntries()).toEqual([]);
  });
});
