import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeTime } from "ulid";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { ok, useJobFixture } from "../helpers/jobs.js";

// `list` reads only as many job directories as it prints (src/commands/list-selection.ts). Its
// answer must be the one a read of every directory gives: each case here compares `list` with
// the order computed from every state.json and meta.json of a root of 150 jobs.

const fx = useJobFixture();
const ids = (list: any) => list.jobs.map((job: any) => job.job_id);
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const COUNT = 150;

/** A ULID for time `ms` with `n` as its random part. */
function ulidAt(ms: number, n: number): string {
  return encodeTime(ms, 10) + encodeTime(n, 16);
}

/** Copies job `template` to a new id made at `ms`, every timestamp in it set to `iso` (default: ms). */
function copyJob(template: string, id: string, ms: number, change: (name: string, text: string) => string = (_, t) => t, iso = new Date(ms).toISOString()): void {
  mkdirSync(join(fx.root, id), { mode: 0o700 });
  for (const name of readdirSync(join(fx.root, template))) {
    const text = readFileSync(join(fx.root, template, name), "utf8").replaceAll(template, id).replace(ISO_TIME, iso);
    writeFileSync(join(fx.root, id, name), change(name, text), { mode: 0o600 });
  }
}

/** What list prints, computed from every directory: started_at newest first, never-started last, then by id. */
function expected(filter: (meta: any, state: any) => boolean, limit = 50): string[] {
  const rows = readdirSync(fx.root)
    .filter((name) => /^[0-9A-Z]{26}$/.test(name))
    .map((name) => ({ name, meta: JSON.parse(readFileSync(join(fx.root, name, "meta.json"), "utf8")), state: JSON.parse(readFileSync(join(fx.root, name, "state.json"), "utf8")) }))
    .filter((row) => filter(row.meta, row.state))
    .map((row) => ({ id: row.name, started: row.state.job.started_at ?? "" }))
    .sort((a, b) => (a.started < b.started ? 1 : a.started > b.started ? -1 : a.id < b.id ? 1 : -1));
  return (limit > 0 ? rows.slice(0, limit) : rows).map((row) => row.id);
}

describe("list reads only what it prints", () => {
  test("newest first across 150 jobs, with limits, tags, states and directories, as reading them all gives", async () => {
    const template = ok(fx.x(["run", "--", "true"]), "run").job_id;
    await fx.finishedSupervisor(template); // until then the directory also holds its wake.sock
    const other = fx.scratch();
    const now = Date.now();
    // Made 1 s apart, newest first; every third tagged "third", every fifth from another
    // directory, every seventh failed. Three started out of their ids' order, and marked so
    // (the supervisor marks such a start: the next test).
    for (let i = 0; i < COUNT; i++) {
      const ms = now - 600_000 - i * 1000;
      const id = ulidAt(ms, i);
      const late = i === 41 || i === 92 || i === 143;
      copyJob(template, id, ms, (name, text) => {
        if (name === "meta.json") {
          const meta = JSON.parse(text);
          if (i % 3 === 0) meta.tags = ["third"];
          if (i % 5 === 0) meta.cwd = other;
          return JSON.stringify(meta);
        }
        if (name === "state.json" && i % 7 === 0) return text.replace('"status": "exited"', '"status": "failed"');
        return text;
      }, late ? new Date(now - 1000 * i).toISOString() : undefined);
      if (late) {
        mkdirSync(join(fx.root, ".late-starts"), { recursive: true });
        writeFileSync(join(fx.root, ".late-starts", id), "");
      }
    }
    const here = (meta: any) => meta.cwd === fx.work;
    const cases: [string[], (meta: any, state: any) => boolean, number][] = [
      [["list"], here, 50],
      [["list", "--limit", "5"], here, 5],
      [["list", "--limit", "1"], here, 1],
      [["list", "--limit", "0"], here, 0],
      [["list", "--all"], () => true, 50],
      [["list", "--all", "--limit", "120"], () => true, 120],
      [["list", "--tag", "third"], (meta) => here(meta) && meta.tags.includes("third"), 50],
      [["list", "--all", "--state", "failed", "--limit", "3"], (_, state) => state.job.status === "failed", 3],
      [["list", "--cwd", other, "--limit", "10"], (meta) => meta.cwd === other, 10],
    ];
    for (const [args, filter, limit] of cases) {
      const l = ok(fx.x(args), "list");
      const want = expected(filter, limit);
      expect(ids(l), args.join(" ")).toEqual(want);
      expect(l.truncated, args.join(" ")).toBe(limit > 0 && expected(filter, 0).length > limit);
    }
    // After the template, the late starts are the newest rows though their ids are among the oldest.
    expect(ids(ok(fx.x(["list", "--all", "--limit", "4"]), "list")).slice(1)).toEqual([41, 92, 143].map((i) => ulidAt(now - 600_000 - i * 1000, i)));
  });

  test("a job started long after it was made lists first: the supervisor marks it", async () => {
    const template = ok(fx.x(["run", "--", "true"]), "run").job_id;
    await fx.finishedSupervisor(template); // until then the directory also holds its wake.sock
    for (let i = 0; i < 60; i++) copyJob(template, ulidAt(Date.now() - 120_000 + i * 1000, i), Date.now() - 120_000 + i * 1000);
    const made = ok(fx.x(["create", "--", "true"]), "create").job_id;
    // The same definition under an id made an hour ago, then started now.
    const old = ulidAt(Date.now() - 3_600_000, 1);
    copyJob(made, old, Date.now() - 3_600_000);
    ok(fx.x(["start", old]), "start");
    await eventually(() => ok(fx.x(["status", old]), "status").state === "exited");
    expect(readdirSync(join(fx.root, ".late-starts"))).toEqual([old]);
    const l = ok(fx.x(["list"]), "list");
    expect(ids(l)[0]).toBe(old);
    expect(ids(l)).toEqual(expected((meta) => meta.cwd === fx.work));
    expect(l.skipped).toBe(0); // the marks' directory is not a job
  });
});
