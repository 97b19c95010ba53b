import type { StateRecord } from "../store/types.js";

// The job model: a job is in exactly one of these phases (pueue's TaskStatus is the model). The
// phase is read from state.json (StateRecord) plus what only a live look can tell: whether a
// running job's supervisor still lives, whether a created job's launcher died. Each variant
// carries what its phase guarantees, so code that switches on `status` cannot ask a created job
// for an exit code or forget that an orphan has no one to record its outcome.

export type TerminalStatus = "exited" | "killed" | "failed";

export type JobState =
  /** Defined; waiting for its supervisor (a launch under way) or for `start` (a `create`d job). */
  | { status: "created"; record: StateRecord; supervisorPid: number | null }
  /** The workload runs under a live supervisor, which alone writes what follows. */
  | { status: "running"; record: StateRecord; pid: number | null; supervisorPid: number | null }
  /** Recorded `running`, but the supervisor is gone: only `kill` may record its outcome. */
  | { status: "orphaned"; record: StateRecord; pid: number | null; reason: string }
  /** Nothing ran: the launch failed (recorded) or was abandoned (a created job whose launcher died). */
  | { status: "failed_before_start"; record: StateRecord; reason: string }
  /** The root process ended (or the job was ended without its supervisor): the outcome is final. */
  | { status: "terminal"; record: StateRecord; outcome: TerminalStatus; exitCode: number | null; signal: string | null };

/** What a live look found out beyond the record (src/job/read.ts): null when nothing is wrong. */
export interface Liveness {
  /** Why a `running` record's supervisor can no longer be trusted (staleReason). */
  lost?: string | null;
  /** Why a `created` record will never start on its own (abandonedReason). */
  abandoned?: string | null;
}

/** The phase of a record; pure, so every reader classifies alike. */
export function jobState(record: StateRecord, liveness: Liveness = {}): JobState {
  const status = record.job.status;
  switch (status) {
    case "created":
      if (liveness.abandoned) return { status: "failed_before_start", record, reason: liveness.abandoned };
      return { status: "created", record, supervisorPid: record.supervisor_pid ?? null };
    case "running":
      if (liveness.lost) return { status: "orphaned", record, pid: record.pid ?? null, reason: liveness.lost };
      return { status: "running", record, pid: record.pid ?? null, supervisorPid: record.supervisor_pid ?? null };
    case "failed":
      // No workload pid: the supervisor never started it (or the launcher gave up on the supervisor).
      if (!record.pid) return { status: "failed_before_start", record, reason: record.reason ?? "" };
      return terminal(record, status);
    case "exited":
    case "killed":
      return terminal(record, status);
    default:
      return unreachable(status);
  }
}

function terminal(record: StateRecord, outcome: TerminalStatus): JobState {
  return { status: "terminal", record, outcome, exitCode: record.result.exit_code, signal: record.result.signal };
}

/**
 * The record as readers report the job: an orphan, and a created job whose launch was abandoned,
 * read as `failed` with the reason. Never written back (see src/job/transitions.ts for who writes).
 */
export function reportedRecord(job: JobState): StateRecord {
  if (job.status === "orphaned" || (job.status === "failed_before_start" && job.record.job.status === "created")) {
    return { ...job.record, job: { ...job.record.job, status: "failed" }, reason: job.reason };
  }
  return job.record;
}

function unreachable(status: never): never {
  throw new Error(`unknown job status ${String(status)}`);
}
