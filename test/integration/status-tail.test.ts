import { spawnSync } from "node:child_process";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { CLI, cli } from "../helpers/cli.js";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";

// Sleep durations 3721-3729 belong to this file.
const fx = useJobFixture(["sleep 3721"]);

/** The documented largest excerpt of one log (README: --max-bytes), whatever max_bytes asks for. */
const MAX_EXCERPT_BYTES = 4 * 1024 * 1024;
const LARGE_LOG_BYTES = 300 * 1024 * 1024;

/**
 * Runs the CLI and reports its peak resident set (getrusage's maxRSS, KiB), written by a preload
 * at exit: the real process's memory, read by the kernel, with no polling race.
 */
function withPeakRss(args: string[]): { code: number | null; json: any; stdout: string; peakKiB: number } {
  const dir = fx.scratch();
  const preload = join(dir, "peak-rss.cjs");
  const out = join(dir, "peak-rss");
  writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));`);
  const result = spawnSync(process.execPath, ["--require", preload, "--", CLI, "--root", fx.root, ...args], {
    cwd: fx.work,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 45_000,
    killSignal: "SIGKILL",
  });
  let json: any;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined; // the exit code assertion reports it, with stdout
  }
  return { code: result.status, stdout: result.stdout, json, peakKiB: Number(readFileSync(out, "utf8")) };
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe("status", () => {
  test("a finished job: job_id, state, created_at, started_at and exit_code", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "exit 3"]), "run");
    const s = ok(fx.x(["status", job_id]), "status");
    expect(s.job_id).toBe(job_id);
    expect(s.state).toBe("exited");
    expect(s.created_at).toMatch(TIME);
    expect(s.started_at).toMatch(TIME);
    expect(s.exit_code).toBe(3);
    expect(s.finished_at).toMatch(TIME);
  });

  test("a running job has no exit_code", () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3721"]), "run");
    const s = ok(fx.x(["status", job_id]), "status");
    expect(s.state).toBe("running");
    expect(s.started_at).toMatch(TIME);
    for (const key of ["exit_code", "finished_at", "signal", "duration_ms"]) expect(s).not.toHaveProperty(key);
  });

  test("--root is accepted before and after the subcommand", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    for (const args of [
      ["--root", fx.root, "status", job_id],
      ["status", job_id, "--root", fx.root],
      ["status", "--root", fx.root, job_id],
    ]) {
      expect(ok(cli(args, { cwd: fx.work }), "status").job_id, args.join(" ")).toBe(job_id);
    }
  });

  test("AGENT_EXEC_ROOT is honoured and --root wins over it", () => {
    const other = fx.scratch();
    // run and status through the environment variable alone
    const r = ok(cli(["run", "--", "true"], { cwd: fx.work, env: { AGENT_EXEC_ROOT: fx.root } }), "run");
    expect(r.stdout_log_path).toBe(join(fx.root, r.job_id, "stdout.log"));
    expect(ok(cli(["status", r.job_id], { cwd: fx.work, env: { AGENT_EXEC_ROOT: fx.root } }), "status").state).toBe("exited");
    // --root beats the variable, in both directions
    expect(ok(cli(["status", r.job_id, "--root", fx.root], { cwd: fx.work, env: { AGENT_EXEC_ROOT: other } }), "status").job_id).toBe(
      r.job_id,
    );
    failed(cli(["--root", other, "status", r.job_id], { cwd: fx.work, env: { AGENT_EXEC_ROOT: fx.root } }), "job_not_found");
  });

  test("a prefix (first 20 characters, any case) resolves", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    for (const id of [job_id.slice(0, 20), job_id.slice(0, 20).toLowerCase(), job_id.toLowerCase()]) {
      expect(ok(fx.x(["status", id]), "status").job_id, id).toBe(job_id);
    }
  });

  test("--yaml before and after the subcommand prints YAML", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    for (const args of [
      ["--yaml", "--root", fx.root, "status", job_id],
      ["--root", fx.root, "status", job_id, "--yaml"],
    ]) {
      const r = cli(args, { cwd: fx.work });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json, "YAML output should not be JSON").toBeUndefined();
      expect(parseYaml(r.stdout)).toMatchObject({ schema_version: "0.1", ok: true, type: "status", job_id, state: "exited", exit_code: 0 });
    }
  });
});

describe("tail", () => {
  test("--tail-lines 2 returns the last two lines with a matching byte range", () => {
    const { job_id } = ok(fx.x(["run", "--", "printf", "1\\n2\\n3\\n4\\n5\\n"]), "run");
    const t = ok(fx.x(["tail", job_id, "--tail-lines", "2"]), "tail");
    expect(t.job_id).toBe(job_id);
    expect(t.stdout).toBe("4\n5\n");
    expect(t.stdout_range[1] - t.stdout_range[0]).toBe(Buffer.byteLength(t.stdout));
    expect(t.stdout_range).toEqual([6, 10]);
    expect(t.stdout_total_bytes).toBe(10);
    expect(t.encoding).toBe("utf-8-lossy");
  });

  test("--lines is --tail-lines (0.2.31's name); both at once, or a bad count, is a usage error", () => {
    const { job_id } = ok(fx.x(["run", "--", "printf", "1\\n2\\n3\\n4\\n5\\n"]), "run");
    const t = ok(fx.x(["tail", job_id, "--lines", "2"]), "tail");
    expect(t.stdout).toBe("4\n5\n");
    expect(t.stdout_range).toEqual([6, 10]);
    usageError(fx.x(["tail", job_id, "--lines", "2", "--tail-lines", "3"]));
    usageError(fx.x(["tail", job_id, "--lines", "x"]));
  });

  test("--max-bytes limits the excerpt to the end of the log", () => {
    const { job_id } = ok(fx.x(["run", "--", "printf", "abcdefghij"]), "run");
    const t = ok(fx.x(["tail", job_id, "--max-bytes", "4"]), "tail");
    expect(t.stdout).toBe("ghij");
    expect(t.stdout_range).toEqual([6, 10]);
    expect(t.stdout_total_bytes).toBe(10);
    const lines = ok(fx.x(["tail", job_id, "--max-bytes", "3", "--tail-lines", "0"]), "tail");
    expect(Buffer.byteLength(lines.stdout)).toBe(3);
    expect(lines.stdout).toBe("hij");
  });

  test("CRLF output counts lines correctly", () => {
    const { job_id } = ok(fx.x(["run", "--", "printf", "a\\r\\nb\\r\\nc\\r\\n"]), "run");
    const t = ok(fx.x(["tail", job_id, "--tail-lines", "2"]), "tail");
    expect(t.stdout).toBe("b\r\nc\r\n");
    expect(t.stdout_range).toEqual([3, 9]);
    expect(t.stdout_range[1] - t.stdout_range[0]).toBe(Buffer.byteLength(t.stdout));
  });

  test("a huge --max-bytes on a 300 MB NUL-filled log: the documented maximum from the end, exit 0, bounded memory", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    truncateSync(join(fx.jobDir(job_id), "stdout.log"), LARGE_LOG_BYTES); // sparse: NUL bytes at no cost
    const t = withPeakRss(["tail", job_id, "--max-bytes", "4000000000", "--tail-lines", "0"]);
    expect(t.code, t.stdout.slice(0, 300)).toBe(0);
    expect(t.json).toMatchObject({ ok: true, type: "tail", encoding: "utf-8-lossy", stdout_total_bytes: LARGE_LOG_BYTES });
    expect(t.json.stdout_range).toEqual([LARGE_LOG_BYTES - MAX_EXCERPT_BYTES, LARGE_LOG_BYTES]);
    expect(t.json.stdout).toBe("\0".repeat(MAX_EXCERPT_BYTES));
    // Reading the whole log would take more than 300 MB; before the cap it took 2.2 GB and failed.
    expect(t.peakKiB).toBeLessThan(320 * 1024);
  });

  test("run's head excerpt has the same cap: a huge --max-bytes on a 300 MB log returns the documented maximum", () => {
    // The workload makes its own stdout.log sparse (the only job under the root), so run reads it at once.
    const script = `truncate -s ${LARGE_LOG_BYTES} "$ROOT"/*/stdout.log`;
    const r = withPeakRss(["run", "--max-bytes", "4000000000", "--env", `ROOT=${fx.root}`, "--", "sh", "-c", script]);
    expect(r.code, r.stdout.slice(0, 300)).toBe(0);
    expect(r.json).toMatchObject({ ok: true, type: "run", state: "exited", stdout_total_bytes: LARGE_LOG_BYTES, stdout_range: [0, MAX_EXCERPT_BYTES] });
    expect(r.json.stdout).toBe("\0".repeat(MAX_EXCERPT_BYTES));
    expect(r.peakKiB).toBeLessThan(320 * 1024);
  });

  test("log paths and totals of both streams are present", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "echo out; echo error >&2"]), "run");
    const t = ok(fx.x(["tail", job_id]), "tail");
    expect(t.stdout_log_path).toBe(join(fx.root, job_id, "stdout.log"));
    expect(t.stderr_log_path).toBe(join(fx.root, job_id, "stderr.log"));
    expect(t.stdout).toBe("out\n");
    expect(t.stderr).toBe("error\n");
    expect(t.stdout_total_bytes).toBe(4);
    expect(t.stderr_total_bytes).toBe(6);
    expect(t.stderr_range).toEqual([0, 6]);
  });
});
