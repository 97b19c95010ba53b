import { isSameProcessAlive } from "../platform/process-info.js";
import { checkJobWorkload, reusedPidReason } from "../platform/process-identity.js";
import type { JobDir } from "../store/job-dir.js";
import { isTerminal, LINGER_DRAIN_MS, type StateRecord } from "../store/types.js";
import { abandonedReason } from "../observe/abandoned.js";
import { watchUntil, type WatchOptions } from "../observe/watch.js";
import { jobState, reportedRecord, type JobState } from "./state.js";

/**
 * Why a `running` job can no longer be trusted to finish: its supervisor is gone (killed with
 * SIGKILL, machine restarted) without writing an outcome, or, with no supervisor recorded, its
 * workload is. Null while the supervisor (else the workload) lives.
 */
export function staleReason(state: StateRecord): string | null {
  if (state.job.status !== "running") return null;
  const supervisor = state.supervisor_pid;
  if (!supervisor) {
    // A state.json written by the reference names no supervisor (ours always does, from
    // `running` on): the workload's own pid is all there is to judge it by. With no pid either,
    // nothing can be judged, so the job keeps its word (and gc keeps it).
    if (!state.pid) return null;
    const check = checkJobWorkload(state);
    if (check === "ours") return null;
    const workload = check === "reused" ? reusedPidReason(state.pid) : `the workload (pid ${state.pid}) is gone`;
    return `no supervisor recorded and ${workload}; its exit status is unknown`;
  }
  if (isSameProcessAlive(supervisor, state.supervisor_start)) return null;
  const check = checkJobWorkload(state);
  const workload =
    check === "ours"
      ? `the workload (pid ${state.pid}) may still be running: 'kill' ends it`
      : check === "reused"
        ? `${reusedPidReason(state.pid!)}; its exit status is unknown`
        : "the workload is gone and its exit status is unknown";
  return `supervisor lost: pid ${supervisor} exited without recording an outcome; ${workload}`;
}

/**
 * The job in its phase (src/job/state.ts): the record plus a live look at its supervisor or
 * launcher. An orphan or an abandoned launch is looked at twice, because the supervisor writes its
 * terminal state just before it exits, and a launcher its outcome just before it releases the
 * launch claim.
 */
export function readJob(dir: JobDir): JobState {
  const liveness = (record: StateRecord) => ({ lost: staleReason(record), abandoned: abandonedReason(dir, record) });
  const first = dir.readState();
  const seen = liveness(first);
  if (!seen.lost && !seen.abandoned) return jobState(first);
  const again = dir.readState();
  return jobState(again, liveness(again));
}

/**
 * The state as readers report it: an orphan, and a `created` job whose launch was abandoned,
 * read as `failed` with a reason; the file is left alone, because only `kill` (which also ends
 * the orphaned workload) may record an outcome for a stale job, and `start` may still launch an
 * abandoned one.
 */
export function readJobState(dir: JobDir): StateRecord {
  return reportedRecord(readJob(dir));
}

/** The job's state once it is terminal, or as it is when the watch gives up. */
export async function watchUntilTerminal(dir: JobDir, options: WatchOptions): Promise<StateRecord> {
  const terminal = await watchUntil(
    dir.path,
    () => {
      const state = readJobState(dir);
      return isTerminal(state.job.status) ? state : undefined;
    },
    options,
  );
  return terminal ?? readJobState(dir);
}

/**
 * A terminal state written while descendants still held the output pipes (`logs_drained: false`),
 * once the supervisor has stopped copying their output, as 0.2.31's `wait` does. Bounded by the
 * supervisor's own LINGER_DRAIN_MS after `finished_at` (plus a second), so a supervisor that died
 * meanwhile cannot hold the answer.
 */
export async function watchUntilDrained(dir: JobDir, terminal: StateRecord, options: Omit<WatchOptions, "timeoutMs">): Promise<StateRecord> {
  if (terminal.logs_drained !== false) return terminal;
  const finishedMs = Date.parse(terminal.finished_at ?? terminal.updated_at);
  const timeoutMs = Math.max(0, Math.min(finishedMs + LINGER_DRAIN_MS + 1000 - Date.now(), LINGER_DRAIN_MS + 1000));
  const seen = await watchUntil(
    dir.path,
    () => {
      const state = readJobState(dir);
      return state.logs_drained === false && state.job.started_at === terminal.job.started_at ? undefined : state;
    },
    { ...options, timeoutMs },
  );
  return seen ?? readJobState(dir);
}
