import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { definedOnly } from "../defined.js";
import { project } from "../job/projection.js";
import { readJob } from "../job/read.js";
import { reportedRecord, type JobState } from "../job/state.js";
import { liveProcessesField, memo, procTable, type LiveProcesses } from "../observe/live-processes.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { DEFAULT_LIST_LIMIT, LIST_STATES, type ListState } from "../protocol/options.js";
import { candidatesNewestFirst, insertRow, settled } from "./list-selection.js";
import { matchesAllPatterns, tagPatternProblem } from "./tags.js";

export { DEFAULT_LIST_LIMIT, LIST_STATES, type ListState };
const SHORT_ID_MIN = 12;

export interface ListOptions {
  root?: string;
  state?: ListState;
  /** Rows at most (default 50; 0 = all). */
  limit?: number;
  /** Only jobs defined in this directory (default: the caller's cwd). */
  cwd?: string;
  /** Jobs from every directory. */
  all?: boolean;
  /** Only jobs matching every pattern: an exact tag or `prefix.*`. */
  tags?: string[];
}

export interface JobSummary {
  job_id: string;
  short_job_id: string;
  state: ListState;
  /** The command as defined (argv), and where it runs: to tell jobs apart. */
  command: string[];
  cwd: string;
  exit_code?: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  updated_at?: string;
  tags: string[];
  signal?: string;
  reason?: string;
  /** A finished job whose processes are still alive. */
  live_processes?: LiveProcesses;
}

export interface ListResult {
  root: string;
  jobs: JobSummary[];
  truncated: boolean;
  /** Directories under the root that could not be read as jobs. */
  skipped: number;
}

/** Jobs under the root, newest first, scoped to one working directory unless `all`. */
export async function list(options: ListOptions = {}): Promise<ListResult> {
  if (options.all && options.cwd) throw new AgentExecError("usage_error", "all and cwd cannot be used together", { fields: ["all", "cwd"] });
  const root = resolveRoot(options.root);
  const patterns = options.tags ?? [];
  for (const pattern of patterns) {
    const problem = tagPatternProblem(pattern);
    if (problem) throw new AgentExecError("usage_error", problem);
  }
  const scope = options.all ? undefined : canonical(options.cwd ?? process.cwd());
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  // Sorted newest first (list-selection.ts); with a limit, only the first limit + 1 are kept.
  const jobs: Omit<JobSummary, "short_job_id">[] = [];
  let matched = 0;
  let skipped = 0;
  const procs = memo(procTable); // read /proc once, and only when some finished job needs it
  const candidates = candidatesNewestFirst(root);
  for (let i = 0; i < candidates.length; i++) {
    const summary = await summarize(new JobDir(root, candidates[i]!.name), scope, procs);
    if (summary === "skipped") skipped++;
    else if (summary && (!options.state || summary.state === options.state) && matchesAllPatterns(summary.tags, patterns)) {
      matched++;
      insertRow(jobs, summary, limit > 0 ? limit + 1 : 0);
    }
    if (settled(jobs, limit, candidates[i + 1])) break;
  }
  const truncated = limit > 0 && matched > limit;
  const shown = truncated ? jobs.slice(0, limit) : jobs;
  return { root, jobs: withShortIds(shown), truncated, skipped };
}

async function summarize(dir: JobDir, scope: string | undefined, procs: () => ReturnType<typeof procTable>): Promise<Omit<JobSummary, "short_job_id"> | "skipped" | undefined> {
  let meta;
  try {
    meta = dir.readMeta();
  } catch {
    return "skipped";
  }
  if (scope !== undefined && meta.cwd !== scope) return undefined;
  const base = { job_id: dir.id, command: meta.command, cwd: meta.cwd, created_at: meta.created_at, tags: meta.tags ?? [] };
  let job;
  try {
    job = readJob(dir);
  } catch {
    return { ...base, state: "unknown" };
  }
  const state = reportedRecord(job);
  const view = project(state);
  const { exit_code, signal, started_at, finished_at, updated_at, reason } = view;
  const shown = definedOnly({ exit_code, signal, started_at, finished_at, updated_at, reason });
  return { ...base, state: rowState(job, view.state), ...shown, ...(await liveProcessesField(state, procs)) };
}

// A running job written by the reference (no supervisor recorded) whose workload is gone has no
// one who could have seen how it ended: 0.2.31's list calls it `unknown`. Ours always records a
// supervisor, and a lost one reads as `failed` with the reason, as status and wait say.
function rowState(job: JobState, reported: ListState): ListState {
  return job.status === "orphaned" && !job.record.supervisor_pid ? "unknown" : reported;
}

// The shortest prefix (at least 12 characters) that tells each listed job apart from the others.
// ULIDs begin with their timestamp, so a fixed 7-character prefix would be shared by every job
// started within the same half minute. Neighbours in sorted order share the longest prefixes.
// Compared in upper case, as lookup does (a root may also hold v0.2.3's lower-case hex ids).
function withShortIds(jobs: Omit<JobSummary, "short_job_id">[]): JobSummary[] {
  const sorted = jobs.map((job) => job.job_id.toUpperCase()).sort();
  const length = new Map<string, number>();
  sorted.forEach((id, i) => {
    const shared = Math.max(commonPrefix(id, sorted[i - 1]), commonPrefix(id, sorted[i + 1]));
    length.set(id, Math.min(id.length, Math.max(SHORT_ID_MIN, shared + 1)));
  });
  return jobs.map((job) => ({ ...job, short_job_id: job.job_id.slice(0, length.get(job.job_id.toUpperCase())) }) as JobSummary);
}

function commonPrefix(a: string, b: string | undefined): number {
  let i = 0;
  while (b !== undefined && i < a.length && a[i] === b[i]) i++;
  return i;
}

function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute; // a directory that no longer exists can still have jobs
  }
}

