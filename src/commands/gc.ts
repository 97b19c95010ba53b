import { incompleteSince } from "../observe/abandoned.js";
import { readJobState } from "../job/read.js";
import { hasLiveProcesses } from "./end-processes.js";
import { mayHaveLiveProcesses, memo, procTable } from "../observe/live-processes.js";
import { JobDir, listJobIds } from "../store/job-dir.js";
import { STORED_ID } from "../store/job-id.js";
import { dirBytes, removeJobDir, stateSnapshot } from "../store/remove-job.js";
import { resolveRoot } from "../store/root.js";
import { isTerminal, type StateRecord } from "../store/types.js";
import { durationOrThrow } from "./duration.js";
import { DEFAULT_GC_OLDER_THAN } from "../protocol/options.js";

export { DEFAULT_GC_OLDER_THAN };

export interface GcOptions {
  root?: string;
  /** Retention window such as "30d" (default). */
  olderThan?: string;
  /** Keep the newest this many finished jobs, whatever their age, and delete the others. */
  maxJobs?: number;
  /** Keep the terminal jobs' total size under this many bytes, deleting oldest first. */
  maxBytes?: number;
  dryRun?: boolean;
  /** Add `jobs`, each directory's action and reason (0.2.31 answers with the counts only). */
  details?: boolean;
}

export interface GcPolicy {
  olderThanMs: number;
  maxJobs?: number;
  maxBytes?: number;
  dryRun: boolean;
  /** Auto-gc bounds: directories examined and deletions made at most. */
  scanLimit?: number;
  deleteLimit?: number;
}

export interface GcJobResult {
  job_id: string;
  state: string;
  action: "deleted" | "would_delete" | "skipped";
  reason: string;
  bytes: number;
}

export interface GcOutcome {
  deleted: number;
  skipped: number;
  out_of_scope: number;
  failed: number;
  freed_bytes: number;
  scanned_dirs: number;
  candidate_count: number;
  jobs: GcJobResult[];
}

export interface GcResult extends Omit<GcOutcome, "jobs"> {
  /** Only with `details`. */
  jobs?: GcJobResult[];
  root: string;
  dry_run: boolean;
  older_than: string;
  older_than_source: "flag" | "default";
}

/** Deletes terminal jobs that are older than the window or beyond the count/size limits. */
export async function gc(options: GcOptions = {}): Promise<GcResult> {
  const root = resolveRoot(options.root);
  const olderThan = options.olderThan ?? DEFAULT_GC_OLDER_THAN;
  const policy: GcPolicy = {
    olderThanMs: durationOrThrow(olderThan, "older_than"),
    maxJobs: options.maxJobs,
    maxBytes: options.maxBytes,
    dryRun: options.dryRun ?? false,
  };
  const { jobs, ...counts } = collectGarbage(root, policy);
  return {
    root,
    dry_run: policy.dryRun,
    older_than: olderThan,
    older_than_source: options.olderThan === undefined ? "default" : "flag",
    ...counts,
    ...(options.details ? { jobs } : {}),
  };
}

interface Candidate {
  id: string;
  state: string;
  /** finished_at, else updated_at: when the job stopped changing. */
  at: string;
  bytes: number;
  reasons: string[];
  /** state.json when the job was judged: removal re-checks it under the launch claim. */
  seen: string;
  /** Why a job a rule would delete is kept (skip reason), when not simply too recent. */
  kept?: string;
}

export function collectGarbage(root: string, policy: GcPolicy, nowMs = Date.now()): GcOutcome {
  const out: GcOutcome = { deleted: 0, skipped: 0, out_of_scope: 0, failed: 0, freed_bytes: 0, scanned_dirs: 0, candidate_count: 0, jobs: [] };
  const skip = (job_id: string, state: string, reason: string, bytes = 0) => {
    out.skipped++;
    out.out_of_scope++;
    out.jobs.push({ job_id, state, action: "skipped", reason, bytes });
  };
  const cutoff = new Date(nowMs - policy.olderThanMs).toISOString();
  const candidates: Candidate[] = [];
  // Half-made directories are removed whatever the policy, and count against none of its limits.
  const incomplete: Candidate[] = [];
  const procs = memo(procTable); // one /proc scan for every job looked at, not one per job
  // A dry run changes nothing: it leaves an empty cgroup for the real run to remove.
  const alive = (state: StateRecord) => (policy.dryRun ? mayHaveLiveProcesses(state, procs) : hasLiveProcesses(state, procs));
  for (const id of listJobIds(root)) {
    if (policy.scanLimit !== undefined && out.scanned_dirs >= policy.scanLimit) break;
    out.scanned_dirs++;
    const dir = new JobDir(root, id);
    const seen = stateSnapshot(root, id);
    let state;
    try {
      state = readJobState(dir);
    } catch {
      // Only our own ids: a half-made directory under another name may be anyone's.
      const since = STORED_ID.test(id) ? incompleteSince(dir, nowMs) : undefined;
      if (since) incomplete.push({ id, state: "unknown", at: since, bytes: dirBytes(dir.path), reasons: ["incomplete"], seen });
      else skip(id, "unknown", "state_unreadable");
      continue;
    }
    const status = state.job.status;
    if (!isTerminal(status)) {
      skip(id, status, "active_job");
      continue;
    }
    if (alive(state)) {
      skip(id, status, "pid_alive"); // a descendant of a finished job may still write to its logs
      continue;
    }
    const at = state.finished_at ?? state.updated_at;
    if (!at) {
      skip(id, status, "no_timestamp");
      continue;
    }
    candidates.push({ id, state: status, at, bytes: dirBytes(dir.path), reasons: at < cutoff ? ["older_than"] : [], seen });
  }

  candidates.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1)); // oldest first
  if (policy.maxJobs !== undefined) {
    // The newest max_jobs are kept whatever their age (0.2.31: they lose older_than); the rest go.
    const cut = Math.max(0, candidates.length - policy.maxJobs);
    for (const c of candidates.slice(0, cut)) c.reasons.push("max_jobs");
    for (const c of candidates.slice(cut)) {
      if (c.reasons.length > 0) c.kept = "newest_max_jobs";
      c.reasons = [];
    }
  }
  if (policy.maxBytes !== undefined) {
    // What the other rules already remove no longer counts against the size limit.
    let total = candidates.filter((c) => c.reasons.length === 0).reduce((sum, c) => sum + c.bytes, 0);
    for (const c of candidates) {
      if (total <= policy.maxBytes) break;
      if (c.reasons.length > 0) continue;
      c.reasons.push("max_bytes");
      total -= c.bytes;
    }
  }

  let deletions = 0;
  for (const c of [...candidates, ...incomplete]) {
    if (c.reasons.length === 0) {
      skip(c.id, c.state, c.kept ?? "too_recent", c.bytes);
      continue;
    }
    out.candidate_count++;
    if (policy.deleteLimit !== undefined && deletions >= policy.deleteLimit) {
      skip(c.id, c.state, "delete_budget_exhausted", c.bytes);
      continue;
    }
    const reason = c.reasons.join("+");
    if (policy.dryRun) {
      out.freed_bytes += c.bytes;
      out.jobs.push({ job_id: c.id, state: c.state, action: "would_delete", reason, bytes: c.bytes });
      continue;
    }
    deletions++;
    const removal = removeJobDir(root, c.id, c.seen);
    if (removal.removed) {
      out.deleted++;
      out.freed_bytes += c.bytes;
      out.jobs.push({ job_id: c.id, state: c.state, action: "deleted", reason, bytes: c.bytes });
    } else {
      out.skipped++;
      out.failed++;
      out.jobs.push({ job_id: c.id, state: c.state, action: "skipped", reason: removal.reason, bytes: c.bytes });
    }
  }
  return out;
}
