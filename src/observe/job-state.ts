import { isSameProcessAlive } from "../platform/process-info.js";
import { checkJobWorkload, reusedPidReason } from "../platform/process-identity.js";
import type { JobDir } from "../store/job-dir.js";
import { isTerminal, type JobState } from "../store/types.js";
import { abandonedReason } from "./abandoned.js";
import { watchUntil, type WatchOptions } from "./watch.js";

/**
 * Why a `running` job can no longer be trusted to finish: its supervisor is gone (killed with
 * SIGKILL, machine restarted) without writing an outcome. Null while the supervisor lives.
 */
export function staleReason(state: JobState): string | null {
  const supervisor = state.supervisor_pid;
  if (state.job.status !== "running" || !supervisor) return null;
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
 * The state as readers report it. A stale job, and a `created` job whose launch was abandoned,
 * read as `failed` with a reason; the file is left alone, because only `kill` (which also ends
 * the orphaned workload) may record an outcome for a stale job, and `start` may still launch an
 * abandoned one.
 */
export function readJobState(dir: JobDir): JobState {
  const state = dir.readState();
  if (!staleReason(state) && !abandonedReason(dir, state)) return state;
  // The supervisor writes its terminal state just before it exits, and a launcher its outcome
  // just before it releases the launch claim: look once more.
  const again = dir.readState();
  const reason = staleReason(again) ?? abandonedReason(dir, again);
  if (!reason) return again;
  return { ...again, job: { ...again.job, status: "failed" }, reason };
}

/** The job's state once it is terminal, or as it is when the watch gives up. */
export async function watchUntilTerminal(dir: JobDir, options: WatchOptions): Promise<JobState> {
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
