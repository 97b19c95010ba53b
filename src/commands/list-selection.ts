import { idTimeMs, LATE_START_MS, lateStarts } from "../job/late-starts.js";
import { listJobDirs } from "../store/job-dir.js";

// Which job directories `list` reads, and in what order, so that it reads only as many as it
// prints. Rows sort by started_at, newest first (never-started jobs last, by id). A job's
// started_at is at most LATE_START_MS after its ULID's time unless the job is marked as a late
// start (src/job/late-starts.ts): that is an upper bound of its sort key known from its name.
// Directories are read in the order of that bound, and reading stops once the last row to print
// is certain to sort before every directory not yet read. The rows, their order and `truncated`
// are what reading every directory gives; only `skipped` counts just the directories read.

// Timestamps are compared as the sort compares them, as strings: a second's margin keeps a
// writer's other precision ("…:05Z", "…:05.123456+00:00") from mattering.
const MARGIN_MS = 1000;

export interface Candidate {
  name: string;
  /** Latest possible started_at in ms; Infinity for a marked job or a name that is no ULID. */
  bound: number;
}

/** The root's directories, the one that may sort first first. */
export function candidatesNewestFirst(root: string): Candidate[] {
  const late = lateStarts(root);
  const candidates = listJobDirs(root).map((name) => {
    const created = late.has(name) ? undefined : idTimeMs(name);
    return { name, bound: created === undefined ? Infinity : created + LATE_START_MS };
  });
  return candidates.sort((a, b) => b.bound - a.bound || compare(b.name, a.name));
}

export interface Row {
  job_id: string;
  started_at?: string;
}

/** The list's order: newest start first; jobs never started sort last; ids (ULIDs, time-ordered) break ties. */
export function newestFirst(a: Row, b: Row): number {
  return compare(b.started_at ?? "", a.started_at ?? "") || compare(b.job_id, a.job_id);
}

/**
 * Whether the `limit` rows found so far (sorted with newestFirst, more than `limit` of them) are
 * the first `limit` of all: the last one to print started more than the margin after `next`
 * could have. With a row that never started it cannot tell, and reading goes on.
 */
export function settled(sorted: Row[], limit: number, next: Candidate | undefined): boolean {
  if (next === undefined) return true;
  if (limit <= 0 || sorted.length <= limit) return false;
  const last = sorted[limit - 1]!.started_at;
  const started = last ? Date.parse(last) : NaN;
  return started > next.bound + MARGIN_MS; // false for NaN: an unreadable time reads on
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Adds `row` to `rows` (sorted with newestFirst) in its place, keeping at most `cap` rows (0: all). */
export function insertRow<T extends Row>(rows: T[], row: T, cap: number): void {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (newestFirst(rows[mid]!, row) <= 0) low = mid + 1;
    else high = mid;
  }
  rows.splice(low, 0, row);
  if (cap > 0 && rows.length > cap) rows.pop();
}
