import { definedOnly } from "../defined.js";
import { readJobState } from "../job/read.js";
import { liveProcessesField } from "../observe/live-processes.js";
import { outcomeOf, project, type Outcome } from "../job/projection.js";
import { logSize } from "../observe/excerpt.js";
import { endCursor } from "../observe/output.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { ContainmentKind, JobStatus, StateRecord } from "../store/types.js";
import { AgentExecError } from "../protocol/errors.js";

export interface JobRef {
  /** A job id or an unambiguous prefix of one, in any case. */
  jobId: string;
  root?: string;
}

export interface StatusResult extends Outcome {
  job_id: string;
  state: JobStatus;
  /** The command as defined (argv), and where it runs: to tell jobs apart. */
  command: string[];
  cwd: string;
  created_at: string;
  started_at?: string;
  /** How the job's processes are held together (cgroup, subreaper, process-group, job-object). */
  containment?: ContainmentKind;
  /**
   * `tail --since` this: the end of both logs now, so what it returns is what came after. Absent
   * when a log is not a file agent-exec opens (a planted link: unsafe_job_file), so that status
   * still reports such a job's state.
   */
  cursor?: string;
}

export async function status(options: JobRef): Promise<StatusResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const meta = dir.readMeta();
  const state = readJobState(dir);
  const view = project(state);
  return {
    job_id: dir.id,
    state: view.state,
    command: meta.command,
    cwd: meta.cwd,
    created_at: meta.created_at,
    ...definedOnly({ started_at: view.started_at, containment: view.containment }),
    ...outcomeOf(view),
    ...(await liveProcessesField(state)),
    ...cursorField(dir, state),
  };
}

function cursorField(dir: JobDir, state: StateRecord): { cursor?: string } {
  try {
    return { cursor: endCursor(dir, state, logSize) };
  } catch (error) {
    if (error instanceof AgentExecError && error.code === "unsafe_job_file") return {};
    throw error;
  }
}
