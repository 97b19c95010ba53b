import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually, isWatching, type CliResult } from "../helpers/cli.js";
import { ok, usageError, useJobFixture } from "../helpers/jobs.js";
import { processesMatching } from "../helpers/procs.js";

// Sleep durations 3741-3749 belong to this file.
const fx = useJobFixture(["sleep 3741", "sleep 3742"]);

// A workload that ends when the test creates `go` in its working directory.
const UNTIL_GO = "until [ -e go ]; do sleep 0.02; done";

/** Lets the job end (creates `go`) once the waiting CLI is watching it, and returns the CLI's result. */
async function endWhileWaiting(waiting: Promise<CliResult> & { pid: number }): Promise<CliResult> {
  await eventually(() => isWatching(waiting.pid));
  writeFileSync(join(fx.work, "go"), "");
  return waiting;
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe("wait", () => {
  test("returns the terminal state, exit code, output sizes and updated_at", async () => {
    const { job_id, state } = ok(
      fx.x(["run", "--no-wait", "--", "sh", "-c", `${UNTIL_GO}; echo out; echo err >&2; exit 4`]),
      "run",
    );
    expect(state).toBe("running");
    const w = ok(await endWhileWaiting(fx.xAsync(["wait", job_id])), "wait");
    expect(w.job_id).toBe(job_id);
    expect(w.state).toBe("exited");
    expect(w.exit_code).toBe(4);
    expect(w.stdout_total_bytes).toBe(4);
    expect(w.stderr_total_bytes).toBe(4);
    expect(w.updated_at).toMatch(TIME);
    expect(typeof w.waited_ms).toBe("number");
  });

  test("wait on a finished job answers with its outcome", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "exit 5"]), "run");
    const w = ok(fx.x(["wait", job_id]), "wait");
    expect(w.state).toBe("exited");
    expect(w.exit_code).toBe(5);
  });

  test("--until on a running job answers running with progress hints; the job keeps running", async () => {
    const { job_id, stdout_log_path } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", "echo started; exec sleep 3741"]), "run");
    await eventually(() => readFileSync(stdout_log_path, "utf8") === "started\n");
    const w = ok(fx.x(["wait", job_id, "--until", "0.2"]), "wait");
    expect(w.state).toBe("running");
    for (const key of ["exit_code", "finished_at", "signal", "duration_ms"]) expect(w).not.toHaveProperty(key);
    expect(w.updated_at).toMatch(TIME);
    expect(typeof w.stdout_total_bytes).toBe("number");
    expect(typeof w.stderr_total_bytes).toBe("number");
    expect(w.stdout_total_bytes).toBe("started\n".length);
    expect(typeof w.waited_ms).toBe("number");
    // waiting never stops the job
    expect(ok(fx.x(["status", job_id]), "status").state).toBe("running");
    expect(processesMatching("sleep 3741").length).toBeGreaterThan(0);
  });

  test("--forever waits until the job ends", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", `${UNTIL_GO}; echo done`]), "run");
    const w = ok(await endWhileWaiting(fx.xAsync(["wait", job_id, "--forever"])), "wait");
    expect(w.state).toBe("exited");
    expect(w.exit_code).toBe(0);
    expect(w.stdout_total_bytes).toBe(5);
  });

  // A process that ever had an inotify watch pays for its teardown when it exits (src/observe/wake.ts).
  test("wait is woken by the supervisor's socket, not a directory watch, and the socket goes with the run", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", `${UNTIL_GO}; echo done`]), "run");
    const socket = join(fx.root, job_id, "wake.sock");
    expect(existsSync(socket)).toBe(true);
    const waiting = fx.xAsync(["wait", job_id, "--forever"]);
    await eventually(() => isWatching(waiting.pid));
    const fds = readdirSync(`/proc/${waiting.pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${waiting.pid}/fd/${fd}`);
      } catch {
        return "";
      }
    });
    expect(fds).not.toContain("anon_inode:inotify");
    writeFileSync(join(fx.work, "go"), "");
    expect(ok(await waiting, "wait").state).toBe("exited");
    expect(existsSync(socket)).toBe(false);
  });

  test("without the wake socket, wait watches the directory and still sees the end", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", `${UNTIL_GO}; echo done`]), "run");
    rmSync(join(fx.root, job_id, "wake.sock")); // as a job started by an older version has none
    const w = ok(await endWhileWaiting(fx.xAsync(["wait", job_id, "--forever"])), "wait");
    expect(w.state).toBe("exited");
    expect(w.stdout_total_bytes).toBe(5);
  });

  test("--until with --forever is a usage error", () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3742"]), "run");
    usageError(fx.x(["wait", job_id, "--until", "1", "--forever"]));
  });

  test("--timeout-ms is not a flag of wait", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    usageError(fx.x(["wait", job_id, "--timeout-ms", "100"]));
  });
});
