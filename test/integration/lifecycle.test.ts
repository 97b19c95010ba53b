import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { failed, ok, processesWithArgv, sleep, usageError, useJobFixture } from "../helpers/jobs.js";

// Sleep durations 3761-3769 belong to this file.
const fx = useJobFixture(["sleep 3761", "sleep 3762", "sleep 3769"]);

describe("create", () => {
  test("defines the job without a process; secrets.json, not meta, keeps the masked --env values for start", () => {
    const c = ok(fx.x(["create", "--tag", "ci", "--env", "SECRET=s3", "--mask", "SECRET", "--", "echo $SECRET"]), "create");
    expect(c).toMatchObject({ state: "created", tags: ["ci"], env_vars: ["SECRET=***"] });
    expect(c.stdout_log_path).toBe(join(fx.jobDir(c.job_id), "stdout.log"));
    const state = fx.readState(c.job_id);
    expect(state.job.status).toBe("created");
    expect(state.pid ?? null).toBeNull();
    const meta = fx.readMeta(c.job_id);
    expect(meta.env_vars).toEqual(["SECRET=***"]);
    expect(meta.env_vars_runtime).toBeUndefined();
    expect(JSON.parse(readFileSync(join(fx.jobDir(c.job_id), "secrets.json"), "utf8"))).toEqual({ env_vars: ["SECRET=s3"] });
    expect(ok(fx.x(["status", c.job_id]), "status").state).toBe("created");
  });

  test("run does not persist --env values", () => {
    const r = ok(fx.x(["run", "--env", "K=v", "--", "true"]), "run");
    expect(fx.readMeta(r.job_id).env_vars_runtime).toBeUndefined();
  });

  test("without a command it is a usage error and creates nothing", () => {
    usageError(fx.x(["create"]));
    expect(existsSync(fx.root) ? readdirSync(fx.root) : []).toEqual([]);
  });

  test.each([
    ["--timeout", "-1"],
    ["--tag", "x.*"],
    ["--stdin-max-bytes", "lots"],
    ["--inherit-env", "--no-inherit-env"],
  ])("create %s %s is a usage error", (a, b) => usageError(fx.x(["create", a, b, "--", "true"])));
});

describe("start", () => {
  test("launches a created job with its persisted env and env files re-read now, observed like run", () => {
    const envFile = join(fx.work, "vars.env");
    writeFileSync(envFile, "FROM_FILE=first\n");
    const c = ok(fx.x(["create", "--env", "A=1", "--env-file", envFile, "--", "echo $A $FROM_FILE"]), "create");
    writeFileSync(envFile, "FROM_FILE=second\n");
    const s = ok(fx.x(["start", c.job_id]), "start");
    expect(s).toMatchObject({ job_id: c.job_id, state: "exited", exit_code: 0, stdout: "1 second\n", tags: [] });
    expect(s).toHaveProperty("waited_ms");
  });

  test("only from created: a second start is invalid_state", () => {
    const c = ok(fx.x(["create", "--", "true"]), "create");
    ok(fx.x(["start", c.job_id]), "start");
    expect(failed(fx.x(["start", c.job_id]), "invalid_state").details).toMatchObject({ state: "exited" });
  });

  test("--no-wait answers once the workload runs; --until and --forever conflict", () => {
    const c = ok(fx.x(["create", "--", "sleep 3761"]), "create");
    usageError(fx.x(["start", "--until", "1", "--forever", c.job_id]));
    usageError(fx.x(["start", "--until", "soon", c.job_id]));
    const s = ok(fx.x(["start", "--wait", "false", c.job_id]), "start");
    expect(s.state).toBe("running");
    expect(s.waited_ms).toBe(0);
    ok(fx.x(["kill", c.job_id]), "kill");
  });

  test("unknown, malformed and missing ids", () => {
    failed(fx.x(["start", "0123456789ABCDEFGHJKMNPQRS"]), "job_not_found");
    failed(fx.x(["start", "../x"]), "invalid_job_id");
    usageError(fx.x(["start"]));
  });
});

describe("restart", () => {
  test("reruns a finished job under the same id with fresh logs", async () => {
    const marker = join(fx.work, "count");
    const r = ok(fx.x(["run", "--", `echo run >> ${marker}; wc -l < ${marker}`]), "run");
    expect(r.stdout.trim()).toBe("1");
    const again = ok(fx.x(["restart", r.job_id]), "restart");
    expect(again).toMatchObject({ job_id: r.job_id, state: "exited", exit_code: 0 });
    expect(again.stdout.trim()).toBe("2");
    expect(readFileSync(join(fx.jobDir(r.job_id), "stdout.log"), "utf8").trim()).toBe("2");
    expect(readFileSync(join(fx.jobDir(r.job_id), "full.log"), "utf8").match(/STDOUT/g)?.length).toBe(1);
  });

  test("ends a running tree first, with --signal", async () => {
    const r = ok(fx.x(["run", "--no-wait", "--", "sleep 3762"]), "run");
    const firstPid = fx.readState(r.job_id).pid;
    const again = ok(fx.x(["restart", "--signal", "KILL", "--no-wait", r.job_id]), "restart");
    expect(again.state).toBe("running");
    expect(fx.readState(r.job_id).pid).not.toBe(firstPid);
    ok(fx.x(["kill", r.job_id]), "kill");
    expect((await fx.settledStatus(r.job_id)).state).toBe("killed");
  });

  test("a run job keeps its unmasked --env values; masked ones were never stored", () => {
    const plain = ok(fx.x(["run", "--env", "K=v", "--", "echo $K"]), "run").job_id;
    expect(ok(fx.x(["restart", plain]), "restart").stdout).toBe("v\n");
    const masked = ok(fx.x(["run", "--env", "S=x", "--mask", "S", "--", "true"]), "run").job_id;
    failed(fx.x(["restart", masked]), "invalid_state");
  });

  test("a created job is simply started; bad input", () => {
    const c = ok(fx.x(["create", "--", "echo hi"]), "create");
    expect(ok(fx.x(["restart", c.job_id]), "restart").stdout).toBe("hi\n");
    failed(fx.x(["restart", "0123456789ABCDEFGHJKMNPQRS"]), "job_not_found");
    usageError(fx.x(["restart"]));
    usageError(fx.x(["restart", "--max-bytes", "-5", c.job_id]));
  });
});

describe("auto-gc after run/start", () => {
  test("deletes old finished jobs; --no-auto-gc and the override flags", () => {
    const old = ok(fx.x(["run", "--", "true"]), "run").job_id;
    fx.age(old, 40);
    ok(fx.x(["run", "--no-auto-gc", "--", "true"]), "run");
    expect(existsSync(fx.jobDir(old))).toBe(true);
    ok(fx.x(["run", "--auto-gc-older-than", "50d", "--", "true"]), "run");
    expect(existsSync(fx.jobDir(old))).toBe(true);
    const c = ok(fx.x(["create", "--", "true"]), "create");
    ok(fx.x(["start", c.job_id]), "start");
    expect(existsSync(fx.jobDir(old))).toBe(false);
  });

  test("--auto-gc-max-jobs keeps only the newest finished jobs", () => {
    const first = ok(fx.x(["run", "--no-auto-gc", "--", "true"]), "run").job_id;
    ok(fx.x(["run", "--no-auto-gc", "--", "true"]), "run");
    const last = ok(fx.x(["run", "--auto-gc-max-jobs", "2", "--", "true"]), "run").job_id;
    expect(existsSync(fx.jobDir(first))).toBe(false);
    expect(existsSync(fx.jobDir(last))).toBe(true);
  });

  test.each([["--auto-gc-older-than", "30"], ["--auto-gc-max-jobs", "-1"], ["--auto-gc-max-bytes", "big"]])("%s %s is a usage error", (flag, value) => {
    usageError(fx.x(["run", flag, value, "--", "true"]));
  });

  test("a failing auto-gc never fails the launch", () => {
    // (An invalid gc.older_than is config_error before the job: test/integration/durations.test.ts.)
    mkdirSync(join(fx.root, ".gc.lock"), { recursive: true }); // a lock auto-gc can neither take nor read
    const r = ok(fx.x(["run", "--", "true"]), "run");
    expect(r.state).toBe("exited");
    expect(statSync(fx.jobDir(r.job_id)).isDirectory()).toBe(true);
  });

});

describe("concurrent launches", () => {
  test("six simultaneous starts of one created job launch it once; the others get invalid_state", async () => {
    const c = ok(fx.x(["create", "--", "sleep", "3769"]), "create");
    const results = await Promise.all(Array.from({ length: 6 }, () => fx.xAsync(["start", "--no-wait", c.job_id])));
    const started = results.filter((r) => r.json?.ok === true);
    const refused = results.filter((r) => r.json?.ok === false);
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.json.error.code).toBe("invalid_state");
    await eventually(() => processesWithArgv(["sleep", "3769"]).length === 1); // after the login shell's exec
    await sleep(300);
    expect(processesWithArgv(["sleep", "3769"])).toHaveLength(1);
    expect(existsSync(join(fx.jobDir(c.job_id), "launch.lock"))).toBe(false);
    ok(fx.x(["kill", c.job_id]), "kill");
  });

  test("a claim left by a process that died does not block a start", () => {
    const c = ok(fx.x(["create", "--", "true"]), "create");
    writeFileSync(join(fx.jobDir(c.job_id), "launch.lock"), "999999999");
    expect(ok(fx.x(["start", c.job_id]), "start").state).toBe("exited");
  });
});
