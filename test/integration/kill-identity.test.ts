import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { failed, ok, processesWithArgv, sleep, useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";

// Sleep durations 3911-3919 belong to this file.
const fx = useJobFixture(["sleep 3911", "sleep 3912", "sleep 3913", "sleep 3914", "sleep 3915", "sleep 3916"]);
const LIMIT = 20_000;
const BACKENDS = ["addon", "koffi"] as const;

const decoys: ChildProcess[] = [];
afterEach(() => {
  for (const decoy of decoys.splice(0)) {
    try {
      process.kill(-decoy.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** A process of our own that leads its own process group, as a stranger that got the pid would. */
function startDecoy(n: number): number {
  const decoy = spawn("sleep", [String(n)], { detached: true, stdio: "ignore" });
  decoys.push(decoy);
  return decoy.pid!;
}

function forceKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

function writeState(id: string, state: unknown): void {
  writeFileSync(join(fx.jobDir(id), "state.json"), JSON.stringify(state));
}

/**
 * A running job whose supervisor and workload were SIGKILLed (by their recorded pids), then
 * whose recorded pid is made to name `decoy`: exactly what a reader sees after the pid came round.
 */
async function lostJobWithReusedPid(n: number, decoy: number, env: NodeJS.ProcessEnv): Promise<string> {
  const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", String(n)], { env }), "run");
  await eventually(() => processesWithArgv(["sleep", String(n)]).length > 0, LIMIT);
  const state = fx.readState(job_id);
  forceKill(state.supervisor_pid);
  forceKill(-state.pid);
  await eventually(() => !isAlive(state.supervisor_pid) && !isAlive(state.pid), LIMIT);
  writeState(job_id, { ...fx.readState(job_id), pid: decoy });
  return job_id;
}

describe.each(BACKENDS)("pid reuse (%s backend)", (backend) => {
  const env = { AGENT_EXEC_BACKEND: backend };

  test("kill never signals the process that now owns the recorded pid; status does not call it the workload", async () => {
    const decoy = startDecoy(backend === "addon" ? 3912 : 3914);
    const id = await lostJobWithReusedPid(backend === "addon" ? 3911 : 3913, decoy, env);

    const s = ok(fx.x(["status", id], { env }), "status");
    expect(s.state).toBe("failed");
    expect(s.reason).not.toContain("may still be running");
    expect(s.reason).toContain(`pid ${decoy} now belongs to another process`);

    const k = ok(fx.x(["kill", id], { env }), "kill");
    expect(k.state).toBe("failed");
    expect(k.reason).toContain(`the workload is gone; pid ${decoy} now belongs to another process`);
    await sleep(300);
    expect(isAlive(decoy)).toBe(true);
    // The truth is recorded, so later readers agree and the job can be deleted.
    expect(fx.readState(id).job.status).toBe("failed");
    expect(fx.readState(id).reason).toContain("now belongs to another process");
    const d = ok(fx.x(["delete", id], { env }), "delete");
    expect(d.jobs).toEqual([expect.objectContaining({ job_id: id, action: "deleted" })]);
    expect(isAlive(decoy)).toBe(true);
  });
});

describe("the workload's identity", () => {
  test("state.json records the workload's start time, process group and session", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3915"]), "run");
    await eventually(() => processesWithArgv(["sleep", "3915"]).length > 0, LIMIT);
    const state = fx.readState(job_id);
    const stat = readFileSync(`/proc/${state.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(state.pid_start).toBe(fields[19]);
    expect(state.pgid).toBe(state.pid); // it leads its own group...
    expect(state.sid).toBe(state.pid); // ...and session (setsid)
    ok(fx.x(["kill", job_id]), "kill");
  });

  test("a pid from state.json that could widen a signal (1, 0, negative, fractional, text) is refused", async () => {
    // One lost job (supervisor and workload SIGKILLed), its state.json rewritten for each pid.
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3916"]), "run");
    await eventually(() => processesWithArgv(["sleep", "3916"]).length > 0, LIMIT);
    const real = fx.readState(job_id);
    forceKill(real.supervisor_pid);
    forceKill(-real.pid);
    await eventually(() => !isAlive(real.supervisor_pid) && !isAlive(real.pid), LIMIT);
    for (const pid of [1, 0, -1, 2.5, "7"]) {
      writeState(job_id, { ...real, pid });
      const error = failed(fx.x(["kill", job_id]), "corrupt_job");
      expect(error.message).toContain("pid");
      failed(fx.x(["status", job_id]), "corrupt_job");
    }
  });
});
