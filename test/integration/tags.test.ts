import { describe, expect, test } from "vitest";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";

const fx = useJobFixture();
const ids = (list: any) => list.jobs.map((job: any) => job.job_id).sort();

describe("tags", () => {
  test("run and create store validated, de-duplicated tags and report them", () => {
    const r = ok(fx.x(["run", "--tag", "ci", "--tag", "project.build", "--tag", "ci", "--", "true"]), "run");
    expect(r.tags).toEqual(["ci", "project.build"]);
    const c = ok(fx.x(["create", "--tag", "b", "--tag", "a", "--", "true"]), "create");
    expect(c.tags).toEqual(["b", "a"]);
    expect(fx.readMeta(c.job_id).tags).toEqual(["b", "a"]);
    usageError(fx.x(["run", "--tag", "bad tag", "--", "true"]));
    usageError(fx.x(["create", "--tag", "x.*", "--", "true"]));
    usageError(fx.x(["run", "--tag", "", "--", "true"]));
  });

  test("tag set replaces and clears", () => {
    const id = ok(fx.x(["run", "--tag", "old", "--", "true"]), "run").job_id;
    expect(ok(fx.x(["tag", "set", id, "--tag", "x", "--tag", "y", "--tag", "x"]), "tag_set")).toMatchObject({ job_id: id, tags: ["x", "y"] });
    expect(fx.readMeta(id).tags).toEqual(["x", "y"]);
    expect(ok(fx.x(["list"]), "list").jobs[0].tags).toEqual(["x", "y"]);
    expect(ok(fx.x(["tag", "set", id.slice(0, 20)]), "tag_set").tags).toEqual([]);
    expect(fx.readMeta(id).tags).toEqual([]);
  });

  test("tag set: bad tags, ids and a missing id", () => {
    const id = ok(fx.x(["run", "--", "true"]), "run").job_id;
    usageError(fx.x(["tag", "set", id, "--tag", "a.*"]));
    usageError(fx.x(["tag", "set", id, "--tag", "a..b"]));
    usageError(fx.x(["tag", "set"]));
    usageError(fx.x(["tag", "nope", id]));
    failed(fx.x(["tag", "set", "0123456789ABCDEFGHJKMNPQRS", "--tag", "a"]), "job_not_found");
    failed(fx.x(["tag", "set", "../etc", "--tag", "a"]), "invalid_job_id");
  });

  test("list --tag: exact, prefix.* and AND semantics", () => {
    const build = ok(fx.x(["run", "--tag", "project.build", "--tag", "ci", "--", "true"]), "run").job_id;
    const test_ = ok(fx.x(["run", "--tag", "project.test", "--", "true"]), "run").job_id;
    const root = ok(fx.x(["run", "--tag", "project", "--", "true"]), "run").job_id;
    ok(fx.x(["run", "--tag", "projects", "--", "true"]), "run");
    expect(ids(ok(fx.x(["list", "--tag", "ci"]), "list"))).toEqual([build]);
    expect(ids(ok(fx.x(["list", "--tag", "project.*"]), "list"))).toEqual([build, test_, root].sort());
    expect(ids(ok(fx.x(["list", "--tag", "project.*", "--tag", "ci"]), "list"))).toEqual([build]);
    expect(ids(ok(fx.x(["list", "--tag", "project.build.*"]), "list"))).toEqual([build]);
    expect(ids(ok(fx.x(["list", "--tag", "nothing"]), "list"))).toEqual([]);
    expect(ids(ok(fx.x(["ps", "--tag", "ci"]), "list"))).toEqual([]);
  });

  test("list --tag: invalid patterns are usage errors", () => {
    for (const pattern of ["*", "a.**", "bad!", "", ".*", "a..b.*"]) usageError(fx.x(["list", "--tag", pattern]));
  });
});
