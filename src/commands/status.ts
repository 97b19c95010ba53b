import { readJobState } from "../observe/job-state.js";
import { liveProcessesField } from "../observe/live-processes.js";
import { outcomeOf, type Outcome } from "../observe/outcome.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { ContainmentKind, JobStatus } from "../store/types.js";

export interface JobRef {
  /** A job id or an unambiguous prefix of one, in any case. */
  jobId: string;
  root?: string;
}

export interface StatusResult extends Outcome {
  job_id: string;
  state: JobStatus;
  created_at: string;
  started_at?: string;
  /** How the job's processes are held together (cgroup, subreaper, process-group, job-object). */
  containment?: ContainmentKind;
}

export async function status(options: JobRef): Promise<StatusResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const meta = dir.readMeta();
  const state = readJobState(dir);
  return {
    job_id: dir.id,
    state: state.job.status,
    created_at: meta.created_at,
    ...(state.job.started_at ? { started_at: state.job.started_at } : {}),
    ...(state.containment ? { containment: state.containment.kind } : {}),
    ...outcomeOf(state),
    ...(await liveProcessesField(state)),
  };
}
