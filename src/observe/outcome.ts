import type { JobState, TreeUsage } from "../store/types.js";
import type { LiveProcesses } from "./live-processes.js";

/** Fields that exist once a job is terminal; absent (not null) while it runs, as in the reference. */
export interface Outcome {
  exit_code?: number;
  finished_at?: string;
  signal?: string;
  duration_ms?: number;
  reason?: string;
  /** The whole tree's CPU time (and peak memory where the OS gives it), recorded when the root exited. */
  tree_usage?: TreeUsage;
  /** A terminal job's processes that are still alive (the root exited, descendants did not); see liveProcessesField. */
  live_processes?: LiveProcesses;
}

export function outcomeOf(state: JobState): Outcome {
  const out: Outcome = {};
  if (state.result.exit_code !== null && state.result.exit_code !== undefined) out.exit_code = state.result.exit_code;
  if (state.job.status === "running" || state.job.status === "created") return out;
  if (state.finished_at) out.finished_at = state.finished_at;
  if (state.result.signal) out.signal = state.result.signal;
  if (state.result.duration_ms !== null && state.result.duration_ms !== undefined) out.duration_ms = state.result.duration_ms;
  if (state.reason) out.reason = state.reason;
  if (state.tree_usage) out.tree_usage = state.tree_usage;
  return out;
}
