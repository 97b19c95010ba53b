import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { startServer } from "../../src/server/http.js";
import { failed, ok, processesWithArgv, sleep, usageError, useJobFixture } from "../helpers/jobs.js";
import { eventually, isWatching } from "../helpers/cli.js";
import { isAlive } from "../helpers/procs.js";

// Issue 11, items 1 and 10: durations over Node's 2^31-1 ms timer limit, and parsing.
// Sleep durations 3851-3859 belong to this file.
const fx = useJobFixture(["sleep 3851", "sleep 3852", "sleep 3853", "sleep 3854", "sleep 3855"]);

/** Changes meta.json as a hand edit would. */
function editMeta(id: string, change: Record<string, unknown>): void {
  writeFileSync(join(fx.jobDir(id), "meta.json"), JSON.stringify({ ...fx.readMeta(id), ...change }));
}

const THIRTY_DAYS = "2592000"; // seconds: 2.592e9 ms, over 2^31-1, which a bare Node timer fires after 1 ms

describe("30-day durations are 30 days, not 1 ms", () => {
  test("run --timeout 30d: the job is still running when run answers, and after", async () => {
    const r = ok(fx.x(["run", "--timeout", THIRTY_DAYS, "--until", "0.3", "--", "sleep", "3851"]), "run");
    expect(r.state).toBe("running");
    expect(fx.readMeta(r.job_id).timeout_ms).toBe(2_592_000_000);
    await sleep(100);
    expect(fx.readState(r.job_id).job.status).toBe("running");
    expect(processesWithArgv(["sleep", "3851"]).length).toBe(1);
  });

  test("--kill-after 30d: a workload that ignores the timeout's TERM is not SIGKILLed a moment later", async () => {
    const r = ok(fx.x(["run", "--timeout", "0.1", "--kill-after", THIRTY_DAYS, "--until", "0.5", "--", "sh", "-c", "trap '' TERM; sleep 3852"]), "run");
    expect(r.state).toBe("running");
    expect(processesWithArgv(["sleep", "3852"]).length).toBe(1);
    // Once nothing of the job is left, the pending KILL is for nobody: the supervisor records the
    // outcome and exits instead of waiting out the 30 days.
    const { pid, supervisor_pid } = fx.readState(r.job_id);
    process.kill(-pid, "SIGKILL");
    await eventually(() => !isAlive(supervisor_pid), 20_000);
    expect(fx.readState(r.job_id).job.status).toBe("killed");
  });

  test("--progress-every 30d does not rewrite state.json every millisecond", async () => {
    const r = ok(fx.x(["run", "--progress-every", THIRTY_DAYS, "--until", "0.2", "--", "sleep", "3853"]), "run");
    const before = fx.readState(r.job_id).updated_at;
    await sleep(150);
    expect(fx.readState(r.job_id).updated_at).toBe(before);
  });

  test("wait --until 30d waits for the job to end instead of returning at once", async () => {
    // The job ends only when the test says so, once `wait` watches it: a wait that took 30 days
    // for 1 ms would have answered `running` by then.
    const r = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", "until [ -e go ]; do sleep 0.05; done"]), "run");
    const waiting = fx.xAsync(["wait", r.job_id, "--until", THIRTY_DAYS]);
    await eventually(() => isWatching(waiting.pid));
    await sleep(100);
    writeFileSync(join(fx.work, "go"), "");
    expect(ok(await waiting, "wait").state).toBe("exited");
  });

  test("GET /wait/ID?until=30d keeps waiting; until=1e308 and other non-durations are 400", async () => {
    const { job_id } = ok(fx.x(["create", "--", "true"]), "create"); // never started: it stays `created`
    const server = await startServer({ root: fx.root, port: 0 });
    try {
      const url = (q: string) => `http://127.0.0.1:${server.port}/wait/${job_id}?${q}`;
      for (const bad of ["1e308", "2592000000000", "-1", "NaN", "Infinity", "0x10", ""]) {
        const res = await fetch(url(`until=${encodeURIComponent(bad)}`));
        expect(res.status, bad).toBe(400);
        expect((await res.json()).error, bad).toMatchObject({ code: "invalid_request", message: expect.stringContaining("until") });
      }
      const gone = new AbortController();
      const pending = fetch(url(`until=${THIRTY_DAYS}`), { signal: gone.signal }).then((res) => res.status);
      const outcome = await Promise.race([pending, sleep(300).then(() => "still waiting")]);
      gone.abort();
      await pending.catch(() => undefined);
      expect(outcome).toBe("still waiting");
    } finally {
      await server.close(0);
    }
  });

  test("POST /exec refuses a timeout or until beyond the ceiling, before any job exists", async () => {
    const server = await startServer({ root: fx.root, port: 0 });
    try {
      for (const body of [{ timeout: 1e308 }, { timeout_ms: 1e308 }, { until: 1e308 }, { timeout: -1 }, { until: "30" }]) {
        const res = await fetch(`http://127.0.0.1:${server.port}/exec`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ command: ["true"], ...body }),
        });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      expect(readdirSync(fx.root)).toEqual([]);
    } finally {
      await server.close(0);
    }
  });

  // One value per flag: what each flag's parser refuses is in test/unit/cli-args.test.ts ("seconds").
  test.each([
    ["--timeout", "1e308"],
    ["--kill-after", "-1"],
    ["--progress-every", "0x10"],
    ["--until", "Infinity"],
  ])("run %s %j is a usage error and defines no job", (flag, value) => {
    usageError(fx.x(["run", flag, value, "--", "true"]));
    expect(readdirSync(fx.root)).toEqual([]);
  });

  test("a hand-edited meta.json timeout beyond the ceiling fails the start instead of killing at once", async () => {
    const { job_id } = ok(fx.x(["create", "--", "sleep", "3854"]), "create");
    editMeta(job_id, { timeout_ms: 1e308 });
    const r = ok(fx.x(["start", job_id, "--until", "5"]), "start");
    expect(r.state).toBe("failed");
    expect(fx.readState(job_id).reason).toContain("timeout_ms");
    expect(processesWithArgv(["sleep", "3854"])).toEqual([]);
  });

  test("a hand-edited meta.json 30-day timeout is kept as 30 days", () => {
    const { job_id } = ok(fx.x(["create", "--", "sleep", "3855"]), "create");
    editMeta(job_id, { timeout_ms: 2_592_000_000 });
    expect(ok(fx.x(["start", job_id, "--until", "0.3"]), "start").state).toBe("running");
  });
});

describe("parsing", () => {
  // The words normalizeWait leaves to waitValue to refuse: test/unit/cli-args.test.ts.
  test.each([["30"], ["5s"], ["no"]])("run --wait %s -- echo hi is a usage error, not the command", (value) => {
    usageError(fx.x(["run", "--wait", value, "--", "echo", "hi"]));
    expect(readdirSync(fx.root)).toEqual([]);
  });

  test("--wait true|false and a bare --wait still work", () => {
    expect(ok(fx.x(["run", "--wait", "false", "--", "true"]), "run").waited_ms).toBe(0);
    expect(ok(fx.x(["run", "--wait=TRUE", "--", "true"]), "run").state).toBe("exited");
    expect(ok(fx.x(["run", "--wait", "--", "echo", "hi"]), "run").stdout).toBe("hi\n");
    usageError(fx.x(["run", "--wait=echo", "--", "true"]));
  });

  // As 0.2.31: --wait is a flag, so the next word is the command (or, for start, the job id).
  test("run --wait echo hi runs echo hi; start --wait ID and start ID --wait both start the job", () => {
    const r = ok(fx.x(["run", "--until", "5", "--wait", "echo", "hi"]), "run");
    expect([r.state, r.stdout]).toEqual(["exited", "hi\n"]);
    expect(fx.readMeta(r.job_id).command).toEqual(["echo", "hi"]);
    for (const late of [false, true]) {
      const { job_id } = ok(fx.x(["create", "--", "true"]), "create");
      expect(ok(fx.x(late ? ["start", job_id, "--wait"] : ["start", "--wait", job_id]), "start").state).toBe("exited");
    }
    const { job_id } = ok(fx.x(["create", "--", "true"]), "create");
    expect(ok(fx.x(["start", "--wait", "false", job_id]), "start").waited_ms).toBe(0);
  });

  // "abc", "-1" and the other ports port() refuses: test/unit/cli-args.test.ts.
  test.each([
    [["--port", "99999"], "--port"],
    [["--bind", "127.0.0.1:99999"], "--bind"],
  ])("serve %j is a usage error (exit 2) naming %s", (args, flag) => {
    const r = fx.x(["serve", ...args]);
    usageError(r);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toContain("19263");
  });
});

describe("config.toml: unknown sections and keys", () => {
  const config = (text: string) => {
    const file = join(fx.scratch(), "config.toml");
    writeFileSync(file, text);
    return file;
  };

  // The front door; every unknown key and bad value: test/unit/validation.test.ts (parseConfig).
  test.each([
    ['[shel]\nunix = ["bash", "-c"]\n', "[shel]"],
  ])("%j is config_error naming %s and the file; no job is created", (text, key) => {
    const file = config(text);
    const error = failed(fx.x(["run", "--config", file, "--", "true"]), "config_error");
    expect(error.message).toContain(key);
    expect(error.message).toContain(file);
    expect(readdirSync(fx.root)).toEqual([]);
  });

  test("every section of the reference's config.toml is accepted, [compression] included", () => {
    const file = config('[shell]\nunix = ["sh", "-c"]\n[gc]\nauto = false\nolder_than = "36500d"\n[compression]\ndefault = "route"\n');
    expect(ok(fx.x(["run", "--config", file, "--", "echo", "ok"]), "run").stdout).toBe("ok\n");
  });
});

describe("io_error retryable only when a retry can succeed", () => {
  test("a root under a file (ENOTDIR) is io_error, not retryable, with its errno", () => {
    const file = join(fx.scratch(), "file");
    writeFileSync(file, "");
    const error = failed(fx.x(["--root", join(file, "jobs"), "run", "--", "true"]), "io_error");
    expect(error).toMatchObject({ retryable: false, details: { errno: "ENOTDIR" } });
  });
});
