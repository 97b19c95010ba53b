import type { JobState } from "../store/types.js";
import { liveProcess } from "./process-info.js";

// Is the process at the recorded pid still the job's workload? A pid is only a number: once the
// workload is gone (SIGKILL, OOM, reboot) the OS hands it to someone else, and signalling it
// (worse, its process group) would end a stranger. So the supervisor records the workload's start
// time next to its pid, and every signal and every "may still be running" checks it first.

/** The OS start time of a pid (opaque), or null where it cannot be read: the backend's, for where /proc is not. */
export type StartTimeOf = (pid: number) => string | null;

export type WorkloadCheck = "ours" | "gone" | "reused";

/**
 * "reused" when a live process holds the pid but started at another time than the one recorded;
 * "gone" when nothing lives there. Without a recorded (or readable) start time, a live pid counts
 * as ours: jobs recorded before the field existed, and macOS, where it is not read (a known limit).
 * One look: the liveness check's own /proc read gives the start time (Linux, where every backend
 * reads the same /proc field); `startOf` is asked only where /proc says nothing (Windows).
 */
export function checkWorkload(pid: number, recordedStart: string | null | undefined, startOf?: StartTimeOf): WorkloadCheck {
  const live = liveProcess(pid);
  if (live === undefined) return "gone";
  if (!recordedStart) return "ours";
  const now = live.start ?? startOf?.(pid) ?? null;
  return now === null || now === recordedStart ? "ours" : "reused";
}

/** The same, for the workload a state.json names (no pid: gone). */
export function checkJobWorkload(state: JobState, startOf?: StartTimeOf): WorkloadCheck {
  return state.pid ? checkWorkload(state.pid, state.pid_start, startOf) : "gone";
}

/** True while the job's own workload (not a process that inherited its pid) is alive. */
export function isWorkloadAlive(state: JobState): boolean {
  return checkJobWorkload(state) === "ours";
}

export function reusedPidReason(pid: number): string {
  return `the workload is gone; pid ${pid} now belongs to another process`;
}
