import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectGarbage, type GcPolicy } from "../../src/commands/gc.js";
import { JobDir } from "../../src/store/job-dir.js";
import { dirBytes } from "../../src/store/remove-job.js";
import { newJobId } from "../../src/store/job-id.js";
import type { JobState, JobStatus } from "../../src/store/types.js";
import { fakeMeta } from "../helpers/records.js";

// gc's selection (collectGarbage) over a real jobs root of hand-made job directories: which jobs go
// for which reason, in which order, within which budgets. No process is started: the jobs have no
// pid, so none of them has live processes. test/integration/delete-gc.test.ts drives the CLI.

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T00:00:00.000Z");
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agent-exec-unit-gc-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const meta = (id: string) => fakeMeta(id, root, { command: ["true"], created_at: daysAgo(400) });

interface JobSpec {
  status?: JobStatus;
  /** finished_at, days before NOW; null for none. */
  finished?: number | null;
  /** updated_at, days before NOW (defaults to finished). */
  updated?: number;
  /** Bytes of log written into stdout.log. */
  bytes?: number;
  id?: string;
}

/** Makes a job directory as the store does; returns its id. */
function job(spec: JobSpec = {}): string {
  const id = spec.id ?? newJobId();
  const status = spec.status ?? "exited";
  const finished = spec.finished === undefined ? 40 : spec.finished;
  const state: JobState = {
    job: { id, status, started_at: daysAgo(401) },
    result: { exit_code: status === "exited" ? 0 : null, signal: null, duration_ms: 1 },
    updated_at: daysAgo(spec.updated ?? finished ?? 400),
  };
  if (finished !== null) state.finished_at = daysAgo(finished);
  const dir = JobDir.create(root, meta(id), state);
  if (spec.bytes) writeFileSync(dir.file("stdout.log"), "x".repeat(spec.bytes));
  return id;
}

const policy = (change: Partial<GcPolicy> = {}): GcPolicy => ({ olderThanMs: 30 * DAY, dryRun: false, ...change });
const gc = (change: Partial<GcPolicy> = {}) => collectGarbage(root, policy(change), NOW);
/** [job id, action, reason] per job, in the order gc reports them. */
const actions = (out: ReturnType<typeof gc>) => out.jobs.map((j) => [j.job_id, j.action, j.reason]);

describe("gc selection: the retention window", () => {
  it("deletes terminal jobs that finished before the window and keeps newer ones as too_recent", () => {
    const old = job({ finished: 31 });
    const recent = job({ finished: 29 });
    const out = gc();
    expect(actions(out)).toEqual([
      [old, "deleted", "older_than"],
      [recent, "skipped", "too_recent"],
    ]);
    expect(out).toMatchObject({ deleted: 1, skipped: 1, out_of_scope: 1, failed: 0, scanned_dirs: 2, candidate_count: 1 });
    expect(readdirSync(root)).toEqual([recent]);
  });

  it("every terminal state is collected; created and running jobs are active_job whatever their age", () => {
    const exited = job({ status: "exited", finished: 50 });
    const killed = job({ status: "killed", finished: 50 });
    const failed = job({ status: "failed", finished: 50 });
    const created = job({ status: "created", finished: null, updated: 400 });
    const running = job({ status: "running", finished: null, updated: 400 });
    const out = gc();
    expect(out.jobs.filter((j) => j.action === "deleted").map((j) => j.job_id).sort()).toEqual([exited, killed, failed].sort());
    expect(out.jobs.filter((j) => j.reason === "active_job").map((j) => [j.job_id, j.state])).toEqual(
      [
        [created, "created"],
        [running, "running"],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(readdirSync(root).sort()).toEqual([created, running].sort());
  });

  it("a job without finished_at is judged by updated_at; one with neither is no_timestamp", () => {
    const byUpdate = job({ finished: null, updated: 31 });
    const none = newJobId();
    const dir = JobDir.create(root, meta(none), { ...stateOf("exited", none), updated_at: "" });
    expect(dir.path).toBe(join(root, none));
    const out = gc();
    expect(actions(out)).toContainEqual([byUpdate, "deleted", "older_than"]);
    expect(actions(out)).toContainEqual([none, "skipped", "no_timestamp"]);
    expect(existsSync(join(root, none))).toBe(true);
  });

  it("the window's edge: a job that finished exactly at the cutoff is kept", () => {
    const edge = job({ finished: 30 });
    expect(actions(gc())).toEqual([[edge, "skipped", "too_recent"]]);
  });
});

describe("gc selection: --max-jobs and --max-bytes", () => {
  it("--max-jobs keeps the newest, marking the oldest surplus max_jobs; ties go by id", () => {
    const ids = ["01J00000000000000000000004", "01J00000000000000000000001", "01J00000000000000000000003", "01J00000000000000000000002"];
    job({ id: ids[0], finished: 5 });
    job({ id: ids[1], finished: 3 });
    job({ id: ids[2], finished: 3 });
    job({ id: ids[3], finished: 1 });
    const out = gc({ maxJobs: 2, dryRun: true });
    expect(actions(out)).toEqual([
      [ids[0], "would_delete", "max_jobs"],
      [ids[1], "would_delete", "max_jobs"],
      [ids[2], "skipped", "too_recent"],
      [ids[3], "skipped", "too_recent"],
    ]);
  });

  it("a job both old and surplus has both reasons", () => {
    const old = job({ finished: 40 });
    job({ finished: 1 });
    expect(actions(gc({ maxJobs: 1, dryRun: true }))[0]).toEqual([old, "would_delete", "older_than+max_jobs"]);
  });

  // 0.2.31 (gc_supports_max_jobs_policy): of three jobs all past the window, --max-jobs 1 keeps one.
  it("the newest max_jobs are kept even when they are older than the window", () => {
    const [a, b, c] = [job({ finished: 60 }), job({ finished: 50 }), job({ finished: 40 })];
    expect(actions(gc({ maxJobs: 1, dryRun: true }))).toEqual([
      [a, "would_delete", "older_than+max_jobs"],
      [b, "would_delete", "older_than+max_jobs"],
      [c, "skipped", "newest_max_jobs"],
    ]);
  });

  it("--max-bytes deletes oldest first until the rest fits, not counting what other rules remove", () => {
    const older = job({ finished: 40, bytes: 5000 }); // removed by the window: does not count
    const a = job({ finished: 9, bytes: 1000 });
    const b = job({ finished: 8, bytes: 1000 });
    const c = job({ finished: 7, bytes: 1000 });
    const out = gc({ maxBytes: dirBytes(join(root, b)) + dirBytes(join(root, c)), dryRun: true });
    expect(actions(out)).toEqual([
      [older, "would_delete", "older_than"],
      [a, "would_delete", "max_bytes"],
      [b, "skipped", "too_recent"],
      [c, "skipped", "too_recent"],
    ]);
    const bytes = Object.fromEntries(out.jobs.map((j) => [j.job_id, j.bytes]));
    expect(bytes[older]).toBeGreaterThanOrEqual(5000);
    expect(out.freed_bytes).toBe(bytes[older]! + bytes[a]!);
  });

  it("--max-bytes that everything fits deletes nothing", () => {
    job({ finished: 2, bytes: 100 });
    job({ finished: 1, bytes: 100 });
    const out = gc({ maxBytes: 1_000_000 });
    expect(out).toMatchObject({ deleted: 0, candidate_count: 0 });
  });
});

describe("gc selection: dry run, budgets and odd directories", () => {
  it("--dry-run reports would_delete with the bytes it would free and removes nothing", () => {
    const old = job({ finished: 40, bytes: 300 });
    const out = gc({ dryRun: true });
    expect(out.jobs).toEqual([{ job_id: old, state: "exited", action: "would_delete", reason: "older_than", bytes: out.freed_bytes }]);
    expect(out.freed_bytes).toBeGreaterThanOrEqual(300);
    expect(out.deleted).toBe(0);
    expect(readdirSync(root)).toEqual([old]);
  });

  it("scanLimit stops examining directories; deleteLimit turns the surplus into delete_budget_exhausted", () => {
    const ids = [1, 2, 3, 4].map((n) => job({ id: `01J0000000000000000000000${n}`, finished: 50 - n }));
    const scanned = gc({ scanLimit: 3, dryRun: true });
    expect(scanned.scanned_dirs).toBe(3);
    expect(scanned.jobs.map((j) => j.job_id)).toEqual(ids.slice(0, 3));
    const budget = gc({ deleteLimit: 2 });
    expect(actions(budget)).toEqual([
      [ids[0], "deleted", "older_than"],
      [ids[1], "deleted", "older_than"],
      [ids[2], "skipped", "delete_budget_exhausted"],
      [ids[3], "skipped", "delete_budget_exhausted"],
    ]);
    expect(budget.candidate_count).toBe(4);
    expect(readdirSync(root).sort()).toEqual(ids.slice(2));
  });

  it("an unreadable state is state_unreadable while fresh; a half-made directory past the grace period goes as incomplete, outside the limits", () => {
    const fresh = newJobId();
    mkdirSync(join(root, fresh)); // no meta.json, no state.json, just made
    const stale = newJobId();
    mkdirSync(join(root, stale));
    const then = new Date(NOW - 2 * DAY);
    utimesSync(join(root, stale), then, then);
    const kept = job({ finished: 1 });
    const out = gc({ maxJobs: 1 });
    expect(actions(out)).toContainEqual([fresh, "skipped", "state_unreadable"]);
    expect(actions(out)).toContainEqual([stale, "deleted", "incomplete"]);
    expect(actions(out)).toContainEqual([kept, "skipped", "too_recent"]);
    expect(readdirSync(root).sort()).toEqual([fresh, kept].sort());
  });

  it("a job whose launch claim a live process holds (a restart under way) is skipped as launching, not deleted", () => {
    const id = job({ finished: 40 });
    writeFileSync(join(root, id, "launch.lock"), String(process.ppid)); // the test runner: alive, not us
    const out = gc();
    expect(actions(out)).toEqual([[id, "skipped", "launching"]]);
    expect(out).toMatchObject({ deleted: 0, failed: 1 });
    expect(existsSync(join(root, id))).toBe(true);
  });

  it("names that are not job ids are not looked at", () => {
    mkdirSync(join(root, "not-a-job"));
    writeFileSync(join(root, "notes.txt"), "x");
    const out = gc();
    expect(out).toMatchObject({ scanned_dirs: 0, jobs: [] });
    expect(readdirSync(root).sort()).toEqual(["not-a-job", "notes.txt"]);
  });
});

function stateOf(status: JobStatus, id: string): JobState {
  return {
    job: { id, status, started_at: daysAgo(401) },
    result: { exit_code: 0, signal: null, duration_ms: 1 },
    updated_at: daysAgo(400),
  };
}
