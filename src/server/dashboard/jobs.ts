// GET /dashboard/jobs: one page of the root's jobs for the dashboard, newest first, with what a
// person scanning them wants (containment, tree usage) beside `list`'s summary (command, cwd, …).
// `list` does the filtering and the order; the page holds `limit` rows after `cursor`, the sort key
// of the last row of the previous page, so a page boundary stays put while new jobs arrive on top.
import type { IncomingMessage } from "node:http";
import { list, LIST_STATES, type JobSummary, type ListResult, type ListState } from "../../commands/list.js";
import { readJobState } from "../../job/read.js";
import { outcomeOf, project } from "../../job/projection.js";
import { AgentExecError } from "../../protocol/errors.js";
import { JobDir } from "../../store/job-dir.js";

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export interface DashboardJob extends JobSummary {
  containment?: string;
  duration_ms?: number;
  tree_usage?: object;
}

export interface DashboardPage {
  root: string;
  jobs: DashboardJob[];
  /** Jobs matching the filters, over every page. */
  total: number;
  /** Matching jobs by state, for the filter's counts. */
  states: Partial<Record<ListState, number>>;
  /** Pass as `cursor` for the next page; absent on the last. */
  next_cursor?: string;
  skipped: number;
}

export async function jobsPageHandler(root: string, req: IncomingMessage): Promise<DashboardPage> {
  const query = new URL(req.url ?? "/", "http://agent-exec.invalid").searchParams;
  const state = query.get("state") || undefined;
  if (state !== undefined && !(LIST_STATES as readonly string[]).includes(state)) {
    throw invalid(`state must be one of ${LIST_STATES.join(", ")}`);
  }
  const limitText = query.get("limit");
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalid(`limit must be a whole number 1-${MAX_PAGE}`);
  const cwd = query.get("cwd") || undefined;
  const tags = query.getAll("tag").filter((tag) => tag !== "");
  const all = await sharedList(root, tags, cwd);
  const states: Partial<Record<ListState, number>> = {};
  for (const job of all.jobs) states[job.state] = (states[job.state] ?? 0) + 1;
  const matching = state ? all.jobs.filter((job) => job.state === state) : all.jobs;
  const cursor = query.get("cursor");
  const start = cursor ? matching.findIndex((job) => sortKey(job) < cursor) : 0;
  const rows = start < 0 ? [] : matching.slice(start, start + limit);
  const last = rows.at(-1);
  const more = last !== undefined && start + rows.length < matching.length;
  return {
    root: all.root,
    jobs: rows.map((job) => withDetails(root, job)),
    total: matching.length,
    states,
    ...(more ? { next_cursor: sortKey(last) } : {}),
    skipped: all.skipped,
  };
}

// Every open page refreshes its list every few seconds and a scan reads two files per job, so
// requests with the same filters within LIST_REUSE_MS (and those arriving while one is under way)
// share one scan: ten tabs on a root of 1,000 jobs cost what one does.
const LIST_REUSE_MS = 1000;
const recentLists = new Map<string, { at: number; result: Promise<ListResult> }>();

function sharedList(root: string, tags: string[], cwd: string | undefined): Promise<ListResult> {
  const key = JSON.stringify([root, tags, cwd ?? null]);
  const now = Date.now();
  for (const [k, entry] of recentLists) if (now - entry.at >= LIST_REUSE_MS) recentLists.delete(k);
  const hit = recentLists.get(key);
  if (hit) return hit.result;
  const result = list({ root, limit: 0, tags, ...(cwd ? { cwd } : { all: true }) });
  const entry = { at: Infinity, result };
  recentLists.set(key, entry); // kept while under way; its age counts from when it is done
  result.then(() => (entry.at = Date.now()), () => recentLists.delete(key));
  return result;
}

/** `list`'s order as one string that sorts the other way: started_at, then the id (never-started jobs last). */
function sortKey(job: JobSummary): string {
  return `${job.started_at ?? ""}|${job.job_id}`;
}

function withDetails(root: string, job: JobSummary): DashboardJob {
  const dir = new JobDir(root, job.job_id);
  try {
    const view = project(readJobState(dir));
    const { duration_ms, tree_usage } = outcomeOf(view);
    return { ...job, ...(view.containment ? { containment: view.containment } : {}), duration_ms, tree_usage };
  } catch {
    return job; // changed or removed since `list` read it: the summary is still true of that moment
  }
}

function invalid(message: string): AgentExecError {
  return new AgentExecError("invalid_request", message);
}
