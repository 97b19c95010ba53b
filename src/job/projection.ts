import { definedOnly } from "../defined.js";
import type { ContainmentKind, JobStatus, StateRecord, TreeUsage } from "../store/types.js";
import type { LiveProcesses } from "../observe/live-processes.js";

// The one projection from a state record to output. run/start/restart, status, wait, kill, list
// and job.finished all take their state fields from project(); each lays them out in its own
// documented order (and kill names the signal terminated_signal), so the JSON they print is the
// reference's. The rules live here alone:
// - a field is absent, never null, when the state does not give it;
// - exit_code as soon as one is recorded; finished_at, signal, duration_ms, reason and tree_usage
//   only once the job is terminal (as in the reference: absent while it runs);
// - started_at when the workload started; containment as its kind.

export interface Projection {
  state: JobStatus;
  started_at?: string;
  containment?: ContainmentKind;
  exit_code?: number;
  finished_at?: string;
  signal?: string;
  duration_ms?: number;
  reason?: string;
  /** The whole tree's CPU time (and peak memory where the OS gives it), recorded when the root exited. */
  tree_usage?: TreeUsage;
  updated_at: string;
}

export function project(record: StateRecord): Projection {
  const { job, result } = record;
  const terminal = job.status !== "created" && job.status !== "running";
  return definedOnly({
    state: job.status,
    started_at: job.started_at || undefined,
    containment: record.containment?.kind,
    exit_code: result.exit_code ?? undefined,
    finished_at: (terminal && record.finished_at) || undefined,
    signal: (terminal && result.signal) || undefined,
    duration_ms: terminal ? (result.duration_ms ?? undefined) : undefined,
    reason: (terminal && record.reason) || undefined,
    tree_usage: (terminal && record.tree_usage) || undefined,
    updated_at: record.updated_at,
  }) as Projection;
}

/** Fields that exist once a job is terminal (exit_code once recorded); absent while it runs. */
export type Outcome = Pick<Projection, "exit_code" | "finished_at" | "signal" | "duration_ms" | "reason" | "tree_usage"> & {
  /** A terminal job's processes that are still alive (the root exited, descendants did not); see liveProcessesField. */
  live_processes?: LiveProcesses;
};

/** The outcome part of run/status/wait, in their order. */
export function outcomeOf(view: Projection): Outcome {
  const { exit_code, finished_at, signal, duration_ms, reason, tree_usage } = view;
  return definedOnly({ exit_code, finished_at, signal, duration_ms, reason, tree_usage });
}
