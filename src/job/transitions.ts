import type { ContainmentRecord, StateRecord, TreeUsage } from "../store/types.js";
import { now } from "../time.js";

// Every state.json record is built here; the writers only choose when. Who may write which
// (docs/ARCHITECTURE.md, "One writer for state.json at a time"):
//   created            the front end (run/create; restart starts over with it)
//   supervisorSpawned  the front end, right after spawning the supervisor, before the handshake
//   failedToStart      the front end (the supervisor died or hung before the handshake) or the
//                      supervisor (it could not start the workload)
//   started, progressed, finished   the supervisor
//   orphanEnded        `kill`, for a job whose supervisor is gone
// Readers never write: an orphan or an abandoned launch is only *reported* failed (state.ts).

/** The state of a job that is defined but not (or no longer) started. */
export function createdState(id: string, at = now()): StateRecord {
  return {
    job: { id, status: "created", started_at: null },
    result: { exit_code: null, signal: null, duration_ms: null },
    updated_at: at,
  };
}

/** Recorded before the secrets are sent, so readers can see a launch whose launcher died. */
export function supervisorSpawned(created: StateRecord, pid: number, start: string | null): StateRecord {
  return { ...created, supervisor_pid: pid, supervisor_start: start };
}

/** Nothing ran. `startedAt`: the supervisor's view, which counts the attempt as the start. */
export function failedToStart(record: StateRecord, reason: string, at = now(), startedAt?: string): StateRecord {
  const job = { ...record.job, status: "failed" as const, ...(startedAt === undefined ? {} : { started_at: startedAt }) };
  return { ...record, job, finished_at: at, updated_at: at, reason };
}

/** What the supervisor knows once the workload is spawned (read before it can be reaped). */
export interface Started {
  pid: number;
  pid_start: string | null;
  pgid?: number | null;
  sid?: number | null;
  windows_job_name: string | null;
  containment: ContainmentRecord;
}

/** `base`: the created record with this supervisor's identity. */
export function started(base: StateRecord, workload: Started, at = now()): StateRecord {
  const { pid, pid_start, windows_job_name, containment, ...groups } = workload;
  return {
    ...base,
    job: { id: base.job.id, status: "running", started_at: at },
    pid,
    pid_start,
    ...groups,
    updated_at: at,
    windows_job_name,
    containment,
  };
}

/** A progress tick: the running record, newer. */
export function progressed(running: StateRecord, at = now()): StateRecord {
  return { ...running, updated_at: at };
}

export interface Finished {
  exit_code: number | null;
  /** What ended it: the exit signal, or on Windows the signal this supervisor or `kill` sent. */
  signal: string | null;
  duration_ms: number;
  reason: string | null;
  tree_usage: TreeUsage | null;
  /** false: descendants still hold the output pipes (see StateRecord.logs_drained). */
  logs_drained?: boolean;
}

/** The root process exited: `killed` when a signal ended it, otherwise `exited`. */
export function finished(running: StateRecord, end: Finished, at = now()): StateRecord {
  return {
    ...running,
    job: { ...running.job, status: end.signal ? "killed" : "exited" },
    result: { exit_code: end.exit_code, signal: end.signal, duration_ms: end.duration_ms },
    finished_at: at,
    updated_at: at,
    reason: end.reason,
    windows_job_name: null,
    tree_usage: end.tree_usage,
    ...(end.logs_drained === false ? { logs_drained: false } : {}),
  };
}

/** The same terminal state once the supervisor stopped copying lingering descendants' output. */
export function drained(terminal: StateRecord): StateRecord {
  const { logs_drained: _, ...rest } = terminal;
  return rest;
}

/** `kill` ended an orphan (`signal` names what ended it) or found nothing left to signal (null: failed). */
export function orphanEnded(running: StateRecord, signal: string | null, reason: string, at = now()): StateRecord {
  return {
    ...running,
    job: { ...running.job, status: signal ? "killed" : "failed" },
    result: { ...running.result, signal },
    finished_at: at,
    updated_at: at,
    reason,
  };
}
