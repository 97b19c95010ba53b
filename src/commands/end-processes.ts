import { jobCgroupDir, killCgroup, removeCgroup } from "../platform/cgroup.js";
import type { ResolvedSignal } from "../platform/signals.js";
import { liveProcessesOf, mayHaveLiveProcesses, outsideGroup } from "../observe/live-processes.js";
import type { ProcEntry } from "../platform/proc-table.js";
import { processTree } from "../platform/process-tree.js";
import type { StateRecord } from "../store/types.js";
import { sleep } from "../time.js";

// `kill` beyond the root's tree: the processes of the job that signalTree cannot reach (they left
// the process group: setsid, double fork) and the ones left after the root exited. Which
// processes are the job's is live-processes.ts's call, so a stranger is never among them.

/**
 * Signals every live process of the job; SIGKILL to a cgroup is cgroup.kill, and on Windows the
 * Job Object is ended but for the supervisor. With `afterGroup` (the root's group was just
 * signalled), only what left that group. Returns the pids signalled.
 */
export async function signalJobProcesses(state: StateRecord, signal: ResolvedSignal, afterGroup = false): Promise<number[]> {
  if (afterGroup && state.containment?.kind === "job-object") return []; // signalTree ended the whole job
  const all = await liveProcessesOf(state);
  const pids = afterGroup && state.pid ? outsideGroup(all, state.pid) : all;
  if (pids.length === 0) return pids;
  const cgroup = cgroupOf(state);
  if (cgroup && signal.name === "SIGKILL" && killCgroup(cgroup)) return pids;
  if (state.containment?.kind === "job-object") {
    const target = { pid: pids[0]!, windowsJobName: state.containment.job_object, supervisorPid: state.supervisor_pid };
    (await processTree()).signalTree(target, signal);
    return pids;
  }
  return pids.filter((pid) => {
    try {
      process.kill(pid, signal.number);
      return true;
    } catch {
      return false; // it ended meanwhile
    }
  });
}

/**
 * A terminal job's leftovers: signals them, watches up to `observeMs` for them to go, and removes
 * the job's cgroup once it is empty. Returns how many of them ended and the pids still alive.
 */
export async function endLeftovers(state: StateRecord, signal: ResolvedSignal, observeMs: number): Promise<{ ended: number; live: number[] }> {
  const signalled = await signalJobProcesses(state, signal);
  const deadline = performance.now() + observeMs;
  let live = await liveProcessesOf(state);
  while (live.length > 0 && performance.now() < deadline) {
    await sleep(50);
    live = await liveProcessesOf(state);
  }
  removeEmptyCgroup(state);
  return { ended: signalled.filter((pid) => !live.includes(pid)).length, live };
}

/**
 * delete and gc keep a job while any of its processes lives (reason pid_alive, as the reference
 * says for the root alone): forgetting it would leave them untracked for good. An empty cgroup
 * is removed on the way, since the job directory is about to go.
 */
export function hasLiveProcesses(state: StateRecord, table?: () => ProcEntry[]): boolean {
  if (mayHaveLiveProcesses(state, table)) return true;
  removeEmptyCgroup(state);
  return false;
}

/** Removes the job's cgroup if it has one and it is empty (rmdir refuses otherwise). */
export function removeEmptyCgroup(state: StateRecord): void {
  const cgroup = cgroupOf(state);
  if (cgroup) removeCgroup(cgroup);
}

function cgroupOf(state: StateRecord): string | null {
  return state.containment?.kind === "cgroup" ? jobCgroupDir(state.containment.cgroup, state.job.id) : null;
}
