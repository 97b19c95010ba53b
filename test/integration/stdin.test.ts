import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI } from "../helpers/cli.js";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";

const fx = useJobFixture();
const jobCount = () => (existsSync(fx.root) ? readdirSync(fx.root).filter((n) => !n.startsWith(".")).length : 0);

describe("stdin", () => {
  test("--stdin VALUE gives exactly those bytes, stored as stdin.bin with mode 0600", () => {
    const r = ok(fx.x(["run", "--stdin", "a b\n\tc", "--", "od -c | head -1"]), "run");
    expect(r.stdout.replace(/\s+/g, " ")).toContain("a b \\n \\t c");
    const bin = join(fx.jobDir(r.job_id), "stdin.bin");
    expect(readFileSync(bin, "utf8")).toBe("a b\n\tc");
    expect(statSync(bin).mode & 0o777).toBe(0o600);
    expect(ok(fx.x(["run", "--stdin", "no-newline", "--", "cat"]), "run").stdout).toBe("no-newline");
  });

  test("meta.json names the materialized input as stdin_file (0.2.31), for every source; absent without one", () => {
    const file = join(fx.work, "in.txt");
    writeFileSync(file, "x");
    for (const args of [["--stdin", "v"], ["--stdin-file", file], ["--stdin", "-"]]) {
      const r = ok(fx.x(["run", ...args, "--", "cat"], { input: "piped" }), "run");
      expect(fx.readMeta(r.job_id).stdin_file, args.join(" ")).toBe("stdin.bin");
    }
    const created = ok(fx.x(["create", "--stdin", "v", "--", "cat"]), "create");
    expect(fx.readMeta(created.job_id).stdin_file).toBe("stdin.bin");
    const none = ok(fx.x(["run", "--", "true"]), "run");
    expect(fx.readMeta(none.job_id)).not.toHaveProperty("stdin_file");
  });

  test("--stdin - reads the caller's stdin", () => {
    expect(ok(fx.x(["run", "--stdin", "-", "--", "cat"], { input: "piped\n" }), "run").stdout).toBe("piped\n");
  });

  // util-linux `script` gives the CLI a terminal on fd 0.
  test.skipIf(!existsSync("/usr/bin/script"))("--stdin - on a terminal is stdin_required; run without a flag ignores a terminal", () => {
    const inTty = (args: string[]) => {
      const line = ["node", "--", CLI, "--root", fx.root, ...args].map((a) => `'${a}'`).join(" ");
      const result = spawnSync("script", ["-qec", line, "/dev/null"], { cwd: fx.work, encoding: "utf8", input: "", timeout: 45_000 });
      return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    };
    expect(inTty(["run", "--stdin", "-", "--", "cat"]).error.code).toBe("stdin_required");
    expect(inTty(["run", "--", "cat"])).toMatchObject({ ok: true, state: "exited", stdout: "" });
  });

  test("--stdin-file copies a file; a missing one is invalid_argument and creates nothing", () => {
    const file = join(fx.work, "in.txt");
    writeFileSync(file, "from file");
    expect(ok(fx.x(["run", "--stdin-file", file, "--", "cat"]), "run").stdout).toBe("from file");
    failed(fx.x(["run", "--stdin-file", join(fx.work, "missing"), "--", "cat"]), "invalid_argument");
    failed(fx.x(["run", "--stdin-file", fx.work, "--", "cat"]), "invalid_argument");
    expect(jobCount()).toBe(1);
  });

  test("--stdin and --stdin-file are mutually exclusive", () => {
    usageError(fx.x(["run", "--stdin", "x", "--stdin-file", "/etc/hostname", "--", "cat"]));
    usageError(fx.x(["create", "--stdin-file", "/etc/hostname", "--stdin", "x", "--", "cat"]));
    expect(jobCount()).toBe(0);
  });

  test("over --stdin-max-bytes is stdin_too_large and leaves no job directory", () => {
    const file = join(fx.work, "big");
    writeFileSync(file, "x".repeat(100));
    const e = failed(fx.x(["run", "--stdin-max-bytes", "99", "--stdin-file", file, "--", "cat"]), "stdin_too_large");
    expect(e.details).toMatchObject({ stdin_max_bytes: 99 });
    failed(fx.x(["run", "--stdin-max-bytes", "3", "--stdin", "abcd", "--", "cat"]), "stdin_too_large");
    expect(jobCount()).toBe(0);
  });

  test("the limit applies to --stdin - and to forwarded stdin; exactly the limit is fine", () => {
    failed(fx.x(["run", "--stdin-max-bytes", "3", "--stdin", "-", "--", "cat"], { input: "abcd" }), "stdin_too_large");
    failed(fx.x(["run", "--stdin-max-bytes", "3", "--", "cat"], { input: "abcd" }), "stdin_too_large");
    expect(ok(fx.x(["run", "--stdin-max-bytes", "4", "--stdin", "abcd", "--", "cat"]), "run").stdout).toBe("abcd");
    usageError(fx.x(["run", "--stdin-max-bytes", "-1", "--", "cat"]));
    expect(jobCount()).toBe(1);
  });

  test("run forwards piped stdin without a flag; an empty pipe gives a null stdin", () => {
    const r = ok(fx.x(["run", "--", "cat"], { input: "auto\n" }), "run");
    expect(r.stdout).toBe("auto\n");
    const empty = ok(fx.x(["run", "--", "cat"], { input: "" }), "run");
    expect(empty.stdout).toBe("");
    expect(existsSync(join(fx.jobDir(empty.job_id), "stdin.bin"))).toBe(false);
  });

  test("run does not block on an inherited pipe that stays open and idle", async () => {
    const child = spawn(process.execPath, ["--", CLI, "--root", fx.root, "run", "--", "cat"], { cwd: fx.work });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = await new Promise((done) => child.on("close", done));
    child.stdin.destroy();
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ state: "exited", stdout: "" });
  });

  test("create stores the input and start feeds it; create does not forward piped stdin", () => {
    const c = ok(fx.x(["create", "--stdin", "later", "--", "cat"]), "create");
    expect(ok(fx.x(["start", c.job_id]), "start").stdout).toBe("later");
    const unpiped = ok(fx.x(["create", "--", "cat"], { input: "ignored" }), "create");
    expect(ok(fx.x(["start", unpiped.job_id]), "start").stdout).toBe("");
  });

  test("restart feeds the same input again", () => {
    const r = ok(fx.x(["run", "--stdin", "again", "--", "cat"]), "run");
    expect(ok(fx.x(["restart", r.job_id]), "restart").stdout).toBe("again");
  });
});
