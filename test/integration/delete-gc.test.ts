import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";

// Sleep durations 3771-3779 belong to this file.
const fx = useJobFixture(["sleep 3771", "sleep 3772", "sleep 3773"]);

const quick = () => ok(fx.x(["run", "--no-auto-gc", "--", "true"]), "run").job_id as string;

describe("delete", () => {
  test("one finished job by id or prefix; the path is gone", () => {
    const id = quick();
    const d = ok(fx.x(["delete", id.slice(0, 22)]), "delete");
    expect(d).toEqual({
      schema_version: "0.1", ok: true, type: "delete", root: fx.root, dry_run: false,
      deleted: 1, skipped: 0, out_of_scope: 0, failed: 0,
      jobs: [{ job_id: id, state: "exited", action: "deleted", reason: "explicit_delete" }],
    });
    expect(existsSync(fx.jobDir(id))).toBe(false);
    failed(fx.x(["delete", id]), "job_not_found");
  });

  test("rm is an alias; --dry-run deletes nothing; a created job may be deleted", () => {
    const id = ok(fx.x(["create", "--", "true"]), "create").job_id;
    expect(ok(fx.x(["rm", "--dry-run", id]), "delete").jobs[0]).toMatchObject({ action: "would_delete", state: "created" });
    expect(existsSync(fx.jobDir(id))).toBe(true);
    expect(ok(fx.x(["rm", id]), "delete").deleted).toBe(1);
  });

  test("a running job is invalid_state", () => {
    const id = ok(fx.x(["run", "--no-wait", "--", "sleep 3771"]), "run").job_id;
    failed(fx.x(["delete", id]), "invalid_state");
    expect(existsSync(fx.jobDir(id))).toBe(true);
  });

  test("--all: only finished jobs of the caller's directory", () => {
    const other = fx.scratch();
    const mine = quick();
    const running = ok(fx.x(["run", "--no-wait", "--", "sleep 3772"]), "run").job_id;
    const theirs = ok(cli(["--root", fx.root, "run", "--", "true"], { cwd: other }), "run").job_id;
    const dry = ok(fx.x(["delete", "--all", "--dry-run"]), "delete");
    expect(dry).toMatchObject({ dry_run: true, cwd_scope: fx.work, deleted: 0, skipped: 1, out_of_scope: 2, failed: 0 });
    expect(existsSync(fx.jobDir(mine))).toBe(true);
    const d = ok(fx.x(["delete", "--all"]), "delete");
    expect(d).toMatchObject({ deleted: 1, skipped: 1, out_of_scope: 2, failed: 0, cwd_scope: fx.work });
    expect(d.jobs).toEqual(
      expect.arrayContaining([
        { job_id: mine, state: "exited", action: "deleted", reason: "terminal_in_cwd" },
        { job_id: running, state: "running", action: "skipped", reason: "running" },
      ]),
    );
    expect(existsSync(fx.jobDir(mine))).toBe(false);
    expect(existsSync(fx.jobDir(theirs))).toBe(true);
    expect(existsSync(fx.jobDir(running))).toBe(true);
  });

  test("a finished job whose pid is still alive is skipped", () => {
    const id = ok(fx.x(["run", "--no-wait", "--", "sleep 3773"]), "run").job_id;
    const path = join(fx.jobDir(id), "state.json");
    const state = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...state, job: { ...state.job, status: "exited" }, supervisor_pid: null }));
    expect(ok(fx.x(["delete", id]), "delete")).toMatchObject({ deleted: 0, skipped: 1, jobs: [{ action: "skipped", reason: "pid_alive" }] });
    expect(ok(fx.x(["delete", "--all"]), "delete").jobs).toEqual([{ job_id: id, state: "exited", action: "skipped", reason: "pid_alive" }]);
    expect(existsSync(fx.jobDir(id))).toBe(true);
    writeFileSync(path, JSON.stringify({ ...state, job: { ...state.job, status: "running" } })); // let the fixture reap it
  });

  test("never follows symlinks out of the root", () => {
    const outside = fx.scratch();
    writeFileSync(join(outside, "keep.txt"), "precious");
    const id = quick();
    symlinkSync(outside, join(fx.jobDir(id), "link"));
    // A root entry that looks like a job but is a symlink to a directory outside the root.
    const fake = "0123456789ABCDEFGHJKMNPQRS";
    mkdirSync(join(outside, "job"));
    writeFileSync(join(outside, "job", "meta.json"), JSON.stringify({ command: ["x"], created_at: "2000-01-01T00:00:00Z", cwd: fx.work }));
    writeFileSync(join(outside, "job", "state.json"), JSON.stringify({ job: { id: fake, status: "exited" }, result: {}, updated_at: "2000-01-01T00:00:00Z" }));
    symlinkSync(join(outside, "job"), join(fx.root, fake));
    expect(ok(fx.x(["delete", "--all"]), "delete").deleted).toBe(1);
    expect(ok(fx.x(["gc", "--older-than", "1s"]), "gc").deleted).toBe(0);
    failed(fx.x(["delete", fake]), "job_not_found");
    expect(readFileSync(join(outside, "keep.txt"), "utf8")).toBe("precious");
    expect(existsSync(join(outside, "job", "meta.json"))).toBe(true);
  });

  test("usage errors: neither or both of id and --all, malformed ids", () => {
    usageError(fx.x(["delete"]));
    usageError(fx.x(["delete", "--all", "01ABC"]));
    usageError(fx.x(["delete", "--bogus"]));
    failed(fx.x(["delete", "../x"]), "invalid_job_id");
  });
});

describe("gc", () => {
  test("deletes finished jobs older than 30 days by default and reports the reference's fields", () => {
    const old = quick();
    const recent = quick();
    fx.age(old, 31);
    const g = ok(fx.x(["gc", "--details"]), "gc");
    expect(g).toMatchObject({
      root: fx.root, dry_run: false, older_than: "30d", older_than_source: "default",
      deleted: 1, skipped: 1, out_of_scope: 1, failed: 0, scanned_dirs: 2, candidate_count: 1,
    });
    expect(g.freed_bytes).toBeGreaterThan(0);
    expect(g.jobs).toEqual(
      expect.arrayContaining([
        { job_id: old, state: "exited", action: "deleted", reason: "older_than", bytes: g.freed_bytes },
        expect.objectContaining({ job_id: recent, action: "skipped", reason: "too_recent" }),
      ]),
    );
    expect(existsSync(fx.jobDir(old))).toBe(false);
    expect(existsSync(fx.jobDir(recent))).toBe(true);
  });

  test("--older-than units, --dry-run, and active jobs are never touched", () => {
    const id = quick();
    fx.age(id, 2);
    const running = ok(fx.x(["run", "--no-wait", "--", "sleep 3771"]), "run").job_id;
    const dry = ok(fx.x(["gc", "--older-than", "1d", "--dry-run", "--details"]), "gc");
    expect(dry).toMatchObject({ dry_run: true, older_than: "1d", older_than_source: "flag", deleted: 0, candidate_count: 1 });
    expect(dry.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ job_id: id, action: "would_delete" })]));
    expect(dry.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ job_id: running, action: "skipped", reason: "active_job" })]));
    expect(existsSync(fx.jobDir(id))).toBe(true);
    expect(ok(fx.x(["gc", "--older-than", "24h"]), "gc").deleted).toBe(1);
    expect(existsSync(fx.jobDir(running))).toBe(true);
  });

  test("--older-than takes s, m, h and d", () => {
    fx.age(quick(), 2);
    expect(ok(fx.x(["gc", "--dry-run", "--older-than", "3d"]), "gc").candidate_count).toBe(0);
    for (const window of ["47h", "2800m", "170000s"]) expect(ok(fx.x(["gc", "--dry-run", "--older-than", window]), "gc").candidate_count).toBe(1);
  });

  test("--max-jobs keeps the newest; --max-bytes deletes oldest first", () => {
    const [a, b, c] = [quick(), quick(), quick()];
    const byJobs = ok(fx.x(["gc", "--max-jobs", "2", "--dry-run", "--details"]), "gc");
    expect(byJobs.jobs.filter((j: any) => j.action === "would_delete").map((j: any) => j.job_id)).toEqual([a]);
    expect(byJobs.jobs.find((j: any) => j.job_id === a).reason).toBe("max_jobs");
    const oneJob = byJobs.jobs.find((j: any) => j.job_id === b).bytes;
    const bySize = ok(fx.x(["gc", "--max-bytes", String(oneJob + 10)]), "gc");
    expect(bySize.deleted).toBe(2);
    expect(existsSync(fx.jobDir(a)) || existsSync(fx.jobDir(b))).toBe(false);
    expect(existsSync(fx.jobDir(c))).toBe(true);
  });

  test.each([["--max-jobs", "-1"], ["--max-jobs", "x"], ["--max-bytes", "1.5"]])(
    "%s %s is a usage error",
    (flag, value) => usageError(fx.x(["gc", flag, value])),
  );

  // As in 0.2.31, a malformed retention window is a JSON error (exit 1), not a usage error.
  test.each(["30", "1w", "-1d", "bogus"])("--older-than %s is a JSON invalid_argument error naming the formats", (value) => {
    const e = failed(fx.x(["gc", "--older-than", value]), "invalid_argument");
    expect(e.message).toBe(`--older-than ${JSON.stringify(value)}: expected a duration such as 30d, 24h, 60m or 3600s, at most 36500d`);
  });

  test("an empty or missing root is fine", () => {
    const g = ok(fx.x(["gc", "--details"]), "gc");
    expect(g).toMatchObject({ deleted: 0, scanned_dirs: 0, jobs: [] });
  });

  // 0.2.31's own tests write jobs under names such as `old-job-01`: a directory whose meta.json
  // names it is a job, one that does not (or has none) is never touched, however old.
  test("a job under another well-formed name is collected by gc and auto-gc; a directory that is no job is not", () => {
    const renamed = (from: string, name: string, metaId = name) => {
      cpSync(fx.jobDir(from), join(fx.root, name), { recursive: true });
      for (const [file, id] of [["meta.json", metaId], ["state.json", name]]) {
        const path = join(fx.root, name, file);
        const json = JSON.parse(readFileSync(path, "utf8"));
        writeFileSync(path, JSON.stringify({ ...json, job: { ...json.job, id } }));
      }
      fx.age(name, 40);
    };
    const id = quick();
    renamed(id, "old-job-01");
    renamed(id, "old-job-02");
    renamed(id, "someone-elses", "01M8TH1NMXTXCJX3WFC24G1KMK");
    mkdirSync(join(fx.root, "backup"));
    expect(ok(fx.x(["status", "old-job-01"]), "status").state).toBe("exited");
    const g = ok(fx.x(["gc", "--details", "--dry-run"]), "gc");
    expect(g.jobs.map((j: any) => j.job_id).sort()).toEqual(["old-job-01", "old-job-02", id].sort());
    ok(fx.x(["run", "--", "true"]), "run"); // auto-gc
    expect(["old-job-01", "old-job-02", "someone-elses", "backup"].map((n) => existsSync(join(fx.root, n)))).toEqual([false, false, true, true]);
  });

  // 0.2.31's tests pin that gc answers with counts only; the per-job list is opt-in.
  test("without --details the answer has the counts and no jobs array", () => {
    fx.age(quick(), 31);
    const g = ok(fx.x(["gc"]), "gc");
    expect(g).toMatchObject({ deleted: 1, candidate_count: 1 });
    expect(g).not.toHaveProperty("jobs");
  });
});
