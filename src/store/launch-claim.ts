import { AgentExecError } from "../protocol/errors.js";
import { LAUNCH_LOCK } from "../job/files.js";
import { tryLock } from "./file-lock.js";
import type { JobDir } from "./job-dir.js";

/**
 * Claims the right to launch a job, so two `start`/`restart` calls (or a `start` racing the `run`
 * that created the job) can never give one job two supervisors. Deleting a job takes the same
 * claim (src/store/remove-job.ts), so a job is never removed while it is being launched. Returns
 * the release function.
 */
export function claimLaunch(dir: JobDir): () => void {
  let lock;
  try {
    lock = tryLock(dir.file(LAUNCH_LOCK));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new AgentExecError("job_not_found", `job not found: ${dir.id}`);
    throw error;
  }
  if (typeof lock === "function") return lock;
  throw new AgentExecError("invalid_state", `job ${dir.id} is being launched by process ${lock.heldBy}`, {
    retryable: true,
    details: { launching_pid: lock.heldBy },
  });
}
