import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { failed, ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { processesMatching } from "../helpers/procs.js";

// Sleep durations 3701-3703 (tree kill) and 3731-3739 belong to this file.
const MARKERS = ["sleep 3701", "sleep 3702", "sleep 3703", ...Array.from({ length: 9 }, (_, i) => `sleep ${3731 + i}`)];
const fx = useJobFixture(MARKERS);

// Generous limits: a loaded machine (e.g. the 40-job burst in supervisor.test.ts) slows everything.
const LIMIT = 20_000;

const gone = (...markers: string[]) => () => markers.every((m) => processesMatching(m).length === 0);

/** Starts `sleep <n>` as a job and waits until the sleep process is really there. */
async function sleepJob(n: number, extra: string[] = []): Promise<string> {
  const { job_id, state } = ok(fx.x(["run", "--no-wait", ...extra, "--", "sleep", String(n)]), "run");
  expect(state).toBe("running");
  await eventually(() => processesWithArgv(["sleep", String(n)]).length > 0, LIMIT);
  return job_id;
}

describe("kill", () => {
  test("default TERM ends the job; the response says how it ended", async () => {
    const id = await sleepJob(3731);
    const k = ok(fx.x(["kill", id]), "kill");
    expect(k.job_id).toBe(id);
    expect(k.signal).toBe("TERM");
    expect(k.sent_signal).toBe("SIGTERM");
    expect(k.state).toBe("killed");
    expect(k.terminated_signal).toBe("SIGTERM");
    expect(typeof k.observed_within_ms).toBe("number");
    await eventually(gone("sleep 3731"), LIMIT);
    const s = ok(fx.x(["status", id]), "status");
    expect(s.state).toBe("killed");
    expect(s.signal).toBe("SIGTERM");
  });

  test("--signal KILL", async () => {
    const id = await sleepJob(3732);
    const k = ok(fx.x(["kill", id, "--signal", "KILL"]), "kill");
    expect(k.sent_signal).toBe("SIGKILL");
    expect(k.state).toBe("killed");
    expect(k.terminated_signal).toBe("SIGKILL");
    await eventually(gone("sleep 3732"), LIMIT);
  });

  test("--signal QUIT is accepted", async () => {
    const id = await sleepJob(3733, ["--cwd", fx.work]);
    const k = fx.x(["kill", id, "--signal", "QUIT"]);
    expect(k.code, k.stderr).not.toBe(2);
    const body = ok(k, "kill");
    expect(body.sent_signal).toBe("SIGQUIT");
    await eventually(gone("sleep 3733"), LIMIT);
    const s = await fx.settledStatus(id, LIMIT);
    expect(s.state).toBe("killed");
    expect(s.signal).toBe("SIGQUIT");
  });

  test("--no-wait answers without observing the outcome", async () => {
    const id = await sleepJob(3734);
    const k = ok(fx.x(["kill", id, "--no-wait"]), "kill");
    expect(k.sent_signal).toBe("SIGTERM");
    expect(k).not.toHaveProperty("state");
    expect(k).not.toHaveProperty("observed_within_ms");
    await eventually(gone("sleep 3734"), LIMIT);
    await eventually(() => fx.readState(id).job.status === "killed", LIMIT);
  });

  test("kill on a finished job reports its terminal state", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "exit 6"]), "run");
    const k = ok(fx.x(["kill", job_id]), "kill");
    expect(k.state).toBe("exited");
    expect(k.exit_code).toBe(6);
    expect(ok(fx.x(["status", job_id]), "status").state).toBe("exited");
  });

  test("kill on an unknown id is job_not_found", () => {
    const error = failed(fx.x(["kill", "01JZZZZZZZZZZZZZZZZZZZZZZZ"]), "job_not_found");
    expect(error.retryable).toBe(false);
  });
});

describe("tree kill", () => {
  test("kill ends every descendant, not just the root", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", 'sh -c "sleep 3701" & sleep 3702 & wait']), "run");
    await eventually(() => processesWithArgv(["sleep", "3701"]).length > 0 && processesWithArgv(["sleep", "3702"]).length > 0, LIMIT);
    ok(fx.x(["kill", job_id]), "kill");
    await eventually(gone("sleep 3701", "sleep 3702"), LIMIT);
    const s = await fx.settledStatus(job_id, LIMIT);
    expect(s.state).toBe("killed");
  });

  test("--timeout with --kill-after ends the whole tree without a kill call", async () => {
    const { job_id } = ok(
      fx.x(["run", "--no-wait", "--timeout", "1", "--kill-after", "1", "--", "sh", "-c", 'sh -c "sleep 3735" & sleep 3736 & wait']),
      "run",
    );
    await eventually(() => processesWithArgv(["sleep", "3735"]).length > 0 && processesWithArgv(["sleep", "3736"]).length > 0, LIMIT);
    await eventually(gone("sleep 3735", "sleep 3736"), LIMIT);
    const s = await fx.settledStatus(job_id, LIMIT);
    expect(s.state).toBe("killed");
    expect(s.reason).toBe("timeout");
  });

  test("a workload that ignores TERM is SIGKILLed after --kill-after", async () => {
    const { job_id } = ok(
      fx.x(["run", "--no-wait", "--timeout", "1", "--kill-after", "1", "--", "sh", "-c", 'trap "" TERM; sleep 3703']),
      "run",
    );
    await eventually(() => processesWithArgv(["sleep", "3703"]).length > 0, LIMIT);
    await eventually(gone("sleep 3703"), LIMIT);
    const s = await fx.settledStatus(job_id, LIMIT);
    expect(s.state).toBe("killed");
    expect(s.signal).toBe("SIGKILL");
    expect(s.reason).toBe("timeout");
  });
});
