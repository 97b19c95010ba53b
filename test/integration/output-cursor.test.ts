import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";

// Sleep durations 3871-3879 belong to this file. Issue 14 items 2, 3 and 6: wait's output, command
// and cwd in status/list/ps, cursors and tail --since, --until-output, --excerpt.
const fx = useJobFixture(["sleep 3871", "sleep 3872", "sleep 3873", "sleep 3874"]);

// A workload that ends when the test creates `go` in its working directory.
const UNTIL_GO = "until [ -e go ]; do sleep 0.02; done";
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `l${from + i}\n`).join("");

describe("wait returns output like 0.2.31", () => {
  test("each stream's last 50 lines with ranges, totals and encoding; truncated says the head was left out", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "i=1; while [ $i -le 60 ]; do echo l$i; i=$((i+1)); done; echo oops >&2; exit 2"]), "run");
    const w = ok(fx.x(["wait", job_id]), "wait");
    const all = lines(1, 60);
    expect(w).toMatchObject({ state: "exited", exit_code: 2, stdout: lines(11, 60), stderr: "oops\n", encoding: "utf-8-lossy" });
    expect(w.stdout_range).toEqual([all.length - lines(11, 60).length, all.length]);
    expect(w.stderr_range).toEqual([0, 5]);
    expect([w.stdout_total_bytes, w.stderr_total_bytes]).toEqual([all.length, 5]);
    expect([w.stdout_truncated, w.stderr_truncated]).toEqual([true, false]);
    // --excerpt head gives the start instead; --tail-lines and --max-bytes bound the tail.
    expect(ok(fx.x(["wait", "--excerpt", "head", "--max-bytes", "6", job_id]), "wait").stdout).toBe("l1\nl2\n");
    expect(ok(fx.x(["wait", "--tail-lines", "2", job_id]), "wait").stdout).toBe("l59\nl60\n");
  });

  // 0.2.31's wait waits for logs_drained: output a descendant writes after the root exited is in it.
  test("output a background child writes after the root exited is in wait's answer, even past --until", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "(sleep 1; echo late; echo late-err >&2) &"]), "run");
    expect([r.state, r.stdout]).toEqual(["exited", ""]);
    const w = ok(fx.x(["wait", "--until", "0.1", r.job_id]), "wait");
    expect([w.state, w.stdout, w.stderr]).toEqual(["exited", "late\n", "late-err\n"]);
    expect(fx.readState(r.job_id)).not.toHaveProperty("logs_drained");
  });

  test("a descendant that keeps the pipes open holds wait only as long as the supervisor copies its output", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "echo early; sleep 3874 &"]), "run");
    expect(r.state).toBe("exited");
    const w = ok(fx.x(["wait", r.job_id]), "wait");
    expect([w.state, w.stdout]).toEqual(["exited", "early\n"]);
    // the supervisor said it stopped copying before wait answered
    expect(fx.readState(r.job_id)).not.toHaveProperty("logs_drained");
  });

  test("run --excerpt tail returns the end of a failed command, both returns head and tail without overlap", () => {
    const script = "i=1; while [ $i -le 40 ]; do echo l$i; i=$((i+1)); done; exit 1";
    const t = ok(fx.x(["run", "--excerpt", "tail", "--max-bytes", "8", "--", "sh", "-c", script]), "run");
    expect(t.stdout).toBe("l39\nl40\n");
    expect(t.stdout_truncated).toBe(true);
    const b = ok(fx.x(["run", "--excerpt", "both", "--max-bytes", "6", "--tail-lines", "1", "--", "sh", "-c", script]), "run");
    expect([b.stdout, b.stdout_tail]).toEqual(["l1\nl2\n", "l40\n"]);
    expect(b.stdout_tail_range[0]).toBeGreaterThanOrEqual(b.stdout_range[1]);
    // --tail-lines with the head excerpt (run's default) would be ignored: a usage error, as in 0.2.31
    const before = readdirSync(fx.root).length;
    usageError(fx.x(["run", "--tail-lines", "10", "echo", "hi"]));
    usageError(fx.x(["start", "--excerpt", "head", "--tail-lines", "1", "NOPE"]));
    expect(readdirSync(fx.root).length).toBe(before);
    const small = ok(fx.x(["run", "--excerpt", "both", "--", "echo", "hi"]), "run");
    expect([small.stdout, small.stdout_tail, small.stdout_truncated]).toEqual(["hi\n", "", false]);
    // The default is still the head, untruncated when it all fits.
    const head = ok(fx.x(["run", "--", "echo", "hi"]), "run");
    expect([head.stdout, head.stdout_truncated]).toEqual(["hi\n", false]);
    expect(head).not.toHaveProperty("stdout_tail");
  });
});

describe("status, list and ps show command and cwd", () => {
  test("the argv as defined and the directory it runs in", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "echo a b"]), "run");
    const s = ok(fx.x(["status", job_id]), "status");
    expect([s.command, s.cwd]).toEqual([["sh", "-c", "echo a b"], fx.work]);
    const row = ok(fx.x(["list"]), "list").jobs.find((j: any) => j.job_id === job_id);
    expect([row.command, row.cwd]).toEqual([["sh", "-c", "echo a b"], fx.work]);
    const running = ok(fx.x(["run", "--no-wait", "--", "sleep", "3871"]), "run");
    const ps = ok(fx.x(["ps"]), "list");
    expect(ps.jobs.map((j: any) => [j.job_id, j.command, j.cwd])).toEqual([[running.job_id, ["sleep", "3871"], fx.work]]);
  });

  test("ps drops a running job written without supervisor_pid (the reference's state) once its workload pid is dead", async () => {
    // Two created jobs whose state.json is rewritten as 0.2.31 writes a running one: pid, no supervisor.
    const live = spawn("sleep", ["3872"], { detached: true, stdio: "ignore" });
    const dead = spawn("true", [], { stdio: "ignore" });
    await new Promise((resolve) => dead.once("exit", resolve));
    try {
      const ids = [live.pid!, dead.pid!].map((pid) => {
        const { job_id } = ok(fx.x(["create", "--", "sleep", "1"]), "create");
        const at = new Date().toISOString();
        const state = { job: { id: job_id, status: "running", started_at: at }, result: { exit_code: null, signal: null, duration_ms: null }, pid, updated_at: at };
        writeFileSync(join(fx.jobDir(job_id), "state.json"), JSON.stringify(state));
        return job_id;
      });
      expect(isAlive(dead.pid!)).toBe(false);
      expect(ok(fx.x(["ps"]), "list").jobs.map((j: any) => j.job_id)).toEqual([ids[0]]);
      const stale = ok(fx.x(["status", ids[1]!]), "status");
      expect(stale.state).toBe("failed");
      expect(stale.reason).toContain(`the workload (pid ${dead.pid}) is gone`);
      expect(ok(fx.x(["status", ids[0]!]), "status").state).toBe("running");
      // Readers never write the verdict back.
      expect(JSON.parse(readFileSync(join(fx.jobDir(ids[1]!), "state.json"), "utf8")).job.status).toBe("running");
    } finally {
      process.kill(live.pid!, "SIGKILL");
    }
  });
});

describe("cursors and tail --since", () => {
  test("tail --since returns only what came after the cursor of run, status, wait or tail", async () => {
    const run = ok(fx.x(["run", "--until", "0", "--", "sh", "-c", `echo one; echo e1 >&2; ${UNTIL_GO}; echo two; echo e2 >&2`]), "run");
    await eventually(() => readFileSync(run.stdout_log_path, "utf8") === "one\n" && readFileSync(run.stderr_log_path, "utf8") === "e1\n");
    const status = ok(fx.x(["status", run.job_id]), "status");
    const before = ok(fx.x(["tail", run.job_id]), "tail");
    expect(before.cursor).toBe(status.cursor);
    expect(ok(fx.x(["tail", "--since", status.cursor, run.job_id]), "tail")).toMatchObject({ stdout: "", stderr: "" });
    writeFileSync(join(fx.work, "go"), "");
    const w = ok(fx.x(["wait", run.job_id]), "wait");
    expect(w.state).toBe("exited");
    const after = ok(fx.x(["tail", "--since", before.cursor, run.job_id]), "tail");
    expect(after).toMatchObject({ stdout: "two\n", stderr: "e2\n", stdout_range: [4, 8], stderr_range: [3, 6], stdout_truncated: false });
    expect(after.cursor).toBe(w.cursor);
    // Nothing new after the last cursor.
    expect(ok(fx.x(["tail", "--since", after.cursor, run.job_id]), "tail")).toMatchObject({ stdout: "", stderr: "" });
  });

  test("--max-bytes bounds what --since returns; the next cursor continues where it stopped, on whole characters", () => {
    const { job_id, cursor } = ok(fx.x(["run", "--max-bytes", "0", "--", "printf", "aé€b"]), "run");
    const first = ok(fx.x(["tail", "--since", cursor, "--max-bytes", "4", job_id]), "tail");
    expect([first.stdout, first.stdout_truncated]).toEqual(["aé", true]);
    const second = ok(fx.x(["tail", "--since", first.cursor, "--max-bytes", "4", job_id]), "tail");
    expect([second.stdout, second.stdout_truncated]).toEqual(["€b", false]);
  });

  test("a malformed or foreign cursor is invalid_argument; one of an earlier run starts over", () => {
    const { job_id, cursor } = ok(fx.x(["run", "--", "echo", "hello"]), "run");
    for (const bad of ["nope", "v1..1.1", "v1.x.1.-1", "v2.1.1.1", `${cursor}x`]) {
      expect(failed(fx.x(["tail", "--since", bad, job_id]), "invalid_argument").message).toContain("--since");
    }
    const past = cursor.replace(/\.\d+\.(\d+)$/, ".999.$1");
    expect(failed(fx.x(["tail", "--since", past, job_id]), "invalid_argument").message).toContain("past the end");
    const restarted = ok(fx.x(["restart", job_id]), "restart");
    expect(restarted.cursor).not.toBe(cursor);
    const again = ok(fx.x(["tail", "--since", cursor, job_id]), "tail");
    expect(again).toMatchObject({ stdout: "hello\n", stdout_range: [0, 6], since_reset: "restarted" });
  });
});

describe("--until-output", () => {
  test("run answers as soon as a line matches, the job still running, and says which line", () => {
    const r = ok(fx.x(["run", "--until", "60", "--until-output", "listening on [0-9]+", "--", "sh", "-c", "echo boot; sleep 0.2; echo 'listening on 8080' >&2; exec sleep 3873"]), "run");
    expect(r.state).toBe("running");
    expect(r.until_output).toEqual({ pattern: "listening on [0-9]+", matched: true, stream: "stderr", line: "listening on 8080" });
    expect(r.stdout).toBe("boot\n");
  });

  test("wait matches a line printed before it began; without a match --until still bounds it", () => {
    const { job_id, stdout_log_path } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", "echo ready; exec sleep 3873"]), "run");
    return eventually(() => readFileSync(stdout_log_path, "utf8") === "ready\n").then(() => {
      expect(ok(fx.x(["wait", "--until-output", "^ready$", job_id]), "wait").until_output).toMatchObject({ matched: true, line: "ready" });
      const missed = ok(fx.x(["wait", "--until", "0.3", "--until-output", "never", job_id]), "wait");
      expect([missed.state, missed.until_output]).toEqual(["running", { pattern: "never", matched: false }]);
    });
  });

  test("a job that ends without a match answers with its outcome and matched false", () => {
    const r = ok(fx.x(["run", "--until-output", "ready", "--", "sh", "-c", "echo nope; exit 3"]), "run");
    expect([r.state, r.exit_code, r.until_output.matched]).toEqual(["exited", 3, false]);
  });

  test("a bad pattern, or one with --no-wait, is refused before anything is launched", () => {
    for (const args of [["--until-output", "(x"], ["--until-output", ""], ["--no-wait", "--until-output", "x"], ["--excerpt", "middle"]]) {
      const r = fx.x(["run", ...args, "--", "sleep", "3873"]);
      expect(r.code).not.toBe(0);
    }
    expect(failed(fx.x(["run", "--until-output", "(x", "--", "true"]), "invalid_argument").message).toMatch(/^--until-output "\(x": not a valid regex/);
    expect(failed(fx.x(["run", "--until-output", "a\\1", "--", "true"]), "invalid_argument").message).toContain("RE2");
    expect(failed(fx.x(["run", "--no-wait", "--until-output", "x", "--", "true"]), "invalid_argument").message).toContain("--until-output");
    expect(readdirSync(fx.root)).toEqual([]);
  });
});
