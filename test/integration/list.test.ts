import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { ok, usageError, useJobFixture } from "../helpers/jobs.js";

// Sleep durations 3751-3759 belong to this file.
const fx = useJobFixture(["sleep 3751", "sleep 3752", "sleep 3753"]);

const ids = (list: any) => list.jobs.map((job: any) => job.job_id);

describe("list", () => {
  test("newest first, with state, times and tags", () => {
    const first = ok(fx.x(["run", "--tag", "older", "--", "true"]), "run").job_id;
    const second = ok(fx.x(["run", "--tag", "newer", "--", "sh", "-c", "exit 2"]), "run").job_id;
    const l = ok(fx.x(["list"]), "list");
    expect(l.root).toBe(fx.root);
    expect(ids(l)).toEqual([second, first]);
    expect(l.jobs[0]).toMatchObject({ job_id: second, state: "exited", exit_code: 2, tags: ["newer"] });
    expect(l.jobs[1]).toMatchObject({ job_id: first, state: "exited", exit_code: 0, tags: ["older"] });
    for (const job of l.jobs) for (const key of ["created_at", "started_at", "finished_at", "updated_at"]) expect(job).toHaveProperty(key);
    expect(l.truncated).toBe(false);
    expect(l.skipped).toBe(0);
  });

  test("scoped to the caller's directory unless --all or --cwd", () => {
    const dirA = fx.scratch();
    const dirB = fx.scratch();
    const jobA = ok(cli(["--root", fx.root, "run", "--", "true"], { cwd: dirA }), "run").job_id;
    const jobB = ok(cli(["--root", fx.root, "run", "--", "true"], { cwd: dirB }), "run").job_id;
    expect(ids(ok(cli(["--root", fx.root, "list"], { cwd: dirA }), "list"))).toEqual([jobA]);
    expect(ids(ok(cli(["--root", fx.root, "list"], { cwd: dirB }), "list"))).toEqual([jobB]);
    expect(ids(ok(cli(["--root", fx.root, "list", "--all"], { cwd: dirA }), "list"))).toEqual([jobB, jobA]);
    expect(ids(ok(cli(["--root", fx.root, "list", "--cwd", dirA], { cwd: dirB }), "list"))).toEqual([jobA]);
    expect(ids(ok(fx.x(["list"]), "list"))).toEqual([]);
  });

  test("--all with --cwd is a usage error", () => {
    usageError(fx.x(["list", "--all", "--cwd", fx.work]));
  });

  test("--state filters; ps shows running jobs only", () => {
    const done = ok(fx.x(["run", "--", "true"]), "run").job_id;
    const running = ok(fx.x(["run", "--no-wait", "--", "sleep", "3751"]), "run").job_id;
    expect(ids(ok(fx.x(["list", "--state", "running"]), "list"))).toEqual([running]);
    expect(ids(ok(fx.x(["list", "--state", "exited"]), "list"))).toEqual([done]);
    const ps = ok(fx.x(["ps"]), "list");
    expect(ids(ps)).toEqual([running]);
    expect(ps.jobs[0].state).toBe("running");
  });

  test("--state bogus is a usage error", () => {
    usageError(fx.x(["list", "--state", "bogus"]));
  });

  test("--limit 1 truncates; --limit 0 shows all", () => {
    for (let i = 0; i < 3; i++) ok(fx.x(["run", "--", "true"]), "run");
    const one = ok(fx.x(["list", "--limit", "1"]), "list");
    expect(one.jobs).toHaveLength(1);
    expect(one.truncated).toBe(true);
    const all = ok(fx.x(["list", "--limit", "0"]), "list");
    expect(all.jobs).toHaveLength(3);
    expect(all.truncated).toBe(false);
    expect(all.jobs[0].job_id).toBe(one.jobs[0].job_id);
  });

  test("a directory without meta.json is skipped; a corrupt state.json shows as unknown", () => {
    const { job_id } = ok(fx.x(["run", "--", "true"]), "run");
    writeFileSync(join(fx.root, job_id, "state.json"), "{ not json");
    mkdirSync(join(fx.root, "not-a-job"));
    mkdirSync(join(fx.root, "01JAAAAAAAAAAAAAAAAAAAAAAA")); // a job id, but no meta.json
    const l = ok(fx.x(["list", "--all"]), "list");
    expect(l.skipped).toBe(2);
    expect(l.jobs).toHaveLength(1);
    expect(l.jobs[0]).toMatchObject({ job_id, state: "unknown" });
    // the unknown state is filterable
    expect(ids(ok(fx.x(["list", "--all", "--state", "unknown"]), "list"))).toEqual([job_id]);
  });

  test("a running job written by the reference whose workload is gone is unknown, and not in ps", () => {
    // 0.2.31's own state.json: no supervisor_pid, a pid that has exited (this test's own child).
    const dead = spawnSync("sh", ["-c", "exit 0"]).pid!;
    const id = "stale-running-dead-pid";
    const dir = join(fx.root, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ job: { id }, schema_version: "0.1", command: ["sleep", "999"], created_at: "2026-01-01T00:00:00Z", root: fx.root, env_keys: [], cwd: fx.work, tags: [], inherit_env: true }));
    writeFileSync(join(dir, "state.json"), JSON.stringify({ job: { id, status: "running", started_at: "2026-01-01T00:00:01Z" }, result: { exit_code: null, signal: null, duration_ms: null }, pid: dead, updated_at: "2026-01-01T00:00:02Z" }));
    const row = ok(fx.x(["list", "--all"]), "list").jobs.find((j: any) => j.job_id === id);
    expect(row).toMatchObject({ state: "unknown" });
    expect(row.reason).toContain("no supervisor recorded");
    expect(ids(ok(fx.x(["ps", "--all"]), "list"))).not.toContain(id);
    expect(ids(ok(fx.x(["list", "--all", "--state", "unknown"]), "list"))).toEqual([id]);
    // status keeps its own vocabulary: failed, with the same reason.
    expect(ok(fx.x(["status", id]), "status")).toMatchObject({ state: "failed", reason: row.reason });
  });

  test("a missing root is an empty list", () => {
    const missing = join(fx.scratch(), "does", "not", "exist");
    const l = ok(cli(["--root", missing, "list", "--all"], { cwd: fx.work }), "list");
    expect(l.jobs).toEqual([]);
    expect(l.truncated).toBe(false);
    expect(l.skipped).toBe(0);
  });

  test("short_job_id is a unique prefix of at least 12 characters that resolves to the job", () => {
    const made = [1, 2, 3].map(() => ok(fx.x(["run", "--no-wait", "--", "true"]), "run").job_id);
    const l = ok(fx.x(["list"]), "list");
    expect(ids(l).sort()).toEqual([...made].sort());
    const shorts = l.jobs.map((job: any) => job.short_job_id);
    expect(new Set(shorts).size).toBe(shorts.length);
    for (const job of l.jobs) {
      expect(job.short_job_id.length).toBeGreaterThanOrEqual(12);
      expect(job.job_id.startsWith(job.short_job_id)).toBe(true);
      const others = l.jobs.filter((o: any) => o.job_id !== job.job_id);
      for (const other of others) expect(other.job_id.startsWith(job.short_job_id)).toBe(false);
      expect(ok(fx.x(["status", job.short_job_id]), "status").job_id).toBe(job.job_id);
    }
  });

  // Beyond the brief: docs/CONTRACT-NOTES.md says list rows add `signal` and `reason` when set.
  test("a killed job's row carries its signal (docs/CONTRACT-NOTES.md)", () => {
    const { job_id } = ok(fx.x(["run", "--", "sh", "-c", "kill -TERM $$"]), "run");
    const l = ok(fx.x(["list"]), "list");
    expect(l.jobs[0]).toMatchObject({ job_id, state: "killed", signal: "SIGTERM" });
  });
});
