import { realpathSync } from "node:fs";
import { readJobState } from "../job/read.js";
import { hasLiveProcesses } from "./end-processes.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir, listJobIds } from "../store/job-dir.js";
import { removeJobDir, stateSnapshot } from "../store/remove-job.js";
import { resolveRoot } from "../store/root.js";
import { isTerminal } from "../store/types.js";

export interface DeleteOptions {
  root?: string;
  /** One job (id or prefix); exclusive with `all`. */
  jobId?: string;
  /** Every finished job defined in the caller's current directory. */
  all?: boolean;
  dryRun?: boolean;
}

export interface DeleteJobResult {
  job_id: string;
  state: string;
  action: "deleted" | "would_delete" | "skipped";
  reason: string;
}

export interface DeleteResult {
  root: string;
  dry_run: boolean;
  /** The directory `--all` was scoped to; absent for a single id. */
  cwd_scope?: string;
  deleted: number;
  skipped: number;
  out_of_scope: number;
  failed: number;
  jobs: DeleteJobResult[];
}

/** Deletes one job's directory, or with `all` every finished job of the current directory. */
export async function deleteJobs(options: DeleteOptions): Promise<DeleteResult> {
  if ((options.jobId === undefined) === !options.all) {
    throw new AgentExecError("usage_error", "give either a job id or --all");
  }
  const root = resolveRoot(options.root);
  const dryRun = options.dryRun ?? false;
  const counters = { deleted: 0, skipped: 0, out_of_scope: 0, failed: 0 };
  if (options.jobId !== undefined) {
    const result: DeleteResult = { root, dry_run: dryRun, ...counters, jobs: [] };
    deleteOne(JobDir.open(root, options.jobId), result);
    return result;
  }
  const scope = realpathSync(process.cwd());
  const result: DeleteResult = { root, dry_run: dryRun, cwd_scope: scope, ...counters, jobs: [] };
  for (const id of listJobIds(root)) deleteInScope(new JobDir(root, id), scope, result);
  return result;
}

function deleteOne(dir: JobDir, result: DeleteResult): void {
  const seen = stateSnapshot(dir.root, dir.id);
  let state;
  try {
    state = readJobState(dir);
  } catch {
    state = undefined; // a damaged job can still be deleted by id
  }
  const status = state?.job.status ?? "unknown";
  if (status === "running") {
    throw new AgentExecError("invalid_state", `job ${dir.id} is running; kill it before deleting it`, { details: { state: status } });
  }
  if (state && isTerminal(state.job.status) && hasLiveProcesses(state)) {
    skip(result, dir.id, status, "pid_alive");
    return;
  }
  remove(dir, status, "explicit_delete", result, seen);
}

function deleteInScope(dir: JobDir, scope: string, result: DeleteResult): void {
  let cwd: string | undefined;
  try {
    cwd = dir.readMeta().cwd;
  } catch {
    cwd = undefined;
  }
  if (cwd !== scope) {
    result.out_of_scope++; // not listed, so the response stays bounded by the caller's own jobs
    return;
  }
  const seen = stateSnapshot(dir.root, dir.id);
  let state;
  try {
    state = readJobState(dir);
  } catch {
    skip(result, dir.id, "unknown", "state_unreadable");
    return;
  }
  const status = state.job.status;
  const unremovable = !isTerminal(status) ? status : hasLiveProcesses(state) ? "pid_alive" : undefined;
  if (unremovable) {
    skip(result, dir.id, status, unremovable);
    return;
  }
  remove(dir, status, "terminal_in_cwd", result, seen);
}

/** `seen`: state.json as the decision saw it (see removeJobDir). */
function remove(dir: JobDir, state: string, reason: string, result: DeleteResult, seen: string): void {
  if (result.dry_run) {
    result.jobs.push({ job_id: dir.id, state, action: "would_delete", reason });
    return;
  }
  const removal = removeJobDir(dir.root, dir.id, seen);
  if (removal.removed) {
    result.deleted++;
    result.jobs.push({ job_id: dir.id, state, action: "deleted", reason });
    return;
  }
  result.skipped++;
  result.failed++;
  result.jobs.push({ job_id: dir.id, state, action: "skipped", reason: removal.reason });
}

/** Not eligible: counted in `skipped` and `out_of_scope` (skipped = out_of_scope + failed, as in the reference). */
function skip(result: DeleteResult, job_id: string, state: string, reason: string): void {
  result.skipped++;
  result.out_of_scope++;
  result.jobs.push({ job_id, state, action: "skipped", reason });
}
