import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { failed, ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { isAlive, processesMatching } from "../helpers/procs.js";

// Sleep durations 3921-3929 belong to this file.
const fx = useJobFixture(Array.from({ length: 9 }, (_, i) => `sleep ${3921 + i}`));
const LIMIT = 20_000;

/** A job whose whole group ignores TERM (SIG_IGN survives exec), with its sleep really running. */
async function termIgnoringJob(n: number): Promise<string> {
  const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", `trap '' TERM; sleep ${n}`]), "run");
  await eventually(() => processesWithArgv(["sleep", String(n)]).length > 0, LIMIT);
  return job_id;
}

describe("kill --grace", () => {
  test("TERM, then SIGKILL once the grace is over; the response says SIGKILL ended it", async () => {
    const id = await termIgnoringJob(3921);
    const k = ok(fx.x(["kill", id, "--grace", "0.5"]), "kill");
    expect(k).toMatchObject({ sent_signal: "SIGTERM", escalated_to: "SIGKILL", state: "killed", terminated_signal: "SIGKILL" });
    expect(k).not.toHaveProperty("hint");
    await eventually(() => processesMatching("sleep 3921").length === 0, LIMIT);
    expect(ok(fx.x(["status", id]), "status")).toMatchObject({ state: "killed", signal: "SIGKILL" });
  });

  test("a job that ends within the grace is not escalated", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3922"]), "run");
    await eventually(() => processesWithArgv(["sleep", "3922"]).length > 0, LIMIT);
    const k = ok(fx.x(["kill", job_id, "--grace", "10"]), "kill");
    expect(k).toMatchObject({ sent_signal: "SIGTERM", state: "killed", terminated_signal: "SIGTERM" });
    expect(k).not.toHaveProperty("escalated_to");
  });

  test("without --grace, a job still running after the observation says so, with a hint", async () => {
    const id = await termIgnoringJob(3923);
    const k = ok(fx.x(["kill", id]), "kill");
    expect(k.state).toBe("running");
    expect(k.hint).toContain("still running");
    expect(k.hint).toContain("--grace");
    expect(k).not.toHaveProperty("escalated_to");
    ok(fx.x(["kill", id, "--signal", "KILL"]), "kill");
  });

  test("the orphan of a lost supervisor is escalated too, and the record says SIGKILL", async () => {
    const id = await termIgnoringJob(3924);
    const state = fx.readState(id);
    process.kill(state.supervisor_pid, "SIGKILL");
    await eventually(() => !isAlive(state.supervisor_pid), LIMIT);
    const k = ok(fx.x(["kill", id, "--grace", "0.3"]), "kill");
    expect(k).toMatchObject({ escalated_to: "SIGKILL", state: "killed", terminated_signal: "SIGKILL" });
    expect(k.reason).toContain("SIGTERM, then SIGKILL after the grace");
    await eventually(() => processesMatching("sleep 3924").length === 0, LIMIT);
  });

  test("a negative, non-numeric or huge grace, or --grace with --no-wait, is invalid_argument and sends nothing", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3925"]), "run");
    await eventually(() => processesWithArgv(["sleep", "3925"]).length > 0, LIMIT);
    for (const grace of ["-1", "abc", "", "1e12", "NaN", "Infinity"]) {
      const error = failed(fx.x(["kill", job_id, `--grace=${grace}`]), "invalid_argument");
      expect(error.message).toContain("--grace");
    }
    failed(fx.x(["kill", job_id, "--grace", "1", "--no-wait"]), "invalid_argument");
    expect(fx.readState(job_id).job.status).toBe("running");
    expect(processesWithArgv(["sleep", "3925"])).toHaveLength(1);
  });
});

describe("--timeout without --kill-after", () => {
  test("is SIGKILL at once: a TERM handler never runs", async () => {
    const marker = join(fx.work, "term-seen");
    const r = ok(
      fx.x(["run", "--timeout", "0.5", "--", "sh", "-c", `trap 'echo TERM > ${marker}' TERM; sleep 3926 & wait`]),
      "run",
    );
    expect(r).toMatchObject({ state: "killed", signal: "SIGKILL", reason: "timeout" });
    await eventually(() => processesMatching("sleep 3926").length === 0, LIMIT);
    expect(existsSync(marker)).toBe(false);
  });
});
