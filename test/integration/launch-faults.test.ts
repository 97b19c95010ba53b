import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { isAlive, processesMatching } from "../helpers/procs.js";

// Sleep durations 3901-3909 belong to this file. "_supervise" reaps any supervisor this file
// started that no job records any more (what a gc racing restart used to leave behind).
const fx = useJobFixture(["sleep 3901", "sleep 3902", "_supervise"]);

const SUPERVISOR_MAIN = resolve(import.meta.dirname, "../../dist/supervisor/main.js");
const TERMINAL = ["exited", "killed", "failed"];

/** Starts `run` in the background and sends it `signal` as soon as its job's state.json exists. */
async function interruptRun(signal: NodeJS.Signals, command: string[]) {
  const before = new Set(readdirSync(fx.root));
  const child = spawn(process.execPath, ["--", CLI, "--root", fx.root, "run", "--until", "30", "--", ...command], { cwd: fx.work });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) => child.on("close", (code, sig) => done({ code, signal: sig })));
  let id: string | undefined;
  for (;;) {
    id = readdirSync(fx.root).find((name) => !before.has(name) && existsSync(join(fx.root, name, "state.json")));
    if (id) break;
    await new Promise((r) => setImmediate(r));
  }
  child.kill(signal);
  return { id, ...(await exited), stdout };
}

/** A pid that certainly names no live process: one that has just exited and been reaped. */
function deadPid(): number {
  const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  const pid = Number(child.stdout.trim());
  expect(isAlive(pid)).toBe(false);
  return pid;
}

describe("an interrupted launch", () => {
  test("run killed right after state.json appears: no job stays created, wait returns, gc collects", async () => {
    const outcomes: string[] = [];
    for (let trial = 0; trial < 6; trial++) {
      const { id } = await interruptRun("SIGKILL", ["true"]);
      // wait --forever must come back: the launcher is gone, so the job ends one way or another
      const w = ok(fx.x(["wait", id, "--forever"], { timeoutMs: 30_000 }), "wait");
      expect(TERMINAL).toContain(w.state);
      outcomes.push(w.reason ?? w.state);
      const s = ok(fx.x(["status", id]), "status");
      expect(s.state).not.toBe("created");
    }
    // Every one of them is collectable; none is skipped as an active job.
    await eventually(() => processesMatching("_supervise").length === 0, 20_000);
    const gc = ok(fx.x(["gc", "--older-than", "0s", "--details"]), "gc");
    expect(gc.jobs.filter((j: any) => j.action === "skipped")).toEqual([]);
    expect(gc.deleted).toBe(6);
    expect(readdirSync(fx.root).filter((n) => !n.startsWith("."))).toEqual([]);
    console.log(`SIGKILL of run before the handshake, 6 trials: ${JSON.stringify(outcomes)}`);
  }, 240_000); // trials in a loop, each several CLI calls: a loaded machine makes them slow

  test.each(["SIGTERM", "SIGINT"] as const)("run receiving %s still prints its JSON with the job id; the job runs on", async (signal) => {
    // during the launch: the handshake completes and the answer follows
    const early = await interruptRun(signal, ["sleep", "3901"]);
    expect(early.code, early.stdout).toBe(0);
    const answer = JSON.parse(early.stdout);
    expect(answer).toMatchObject({ ok: true, type: "run", job_id: early.id, state: "running" });
    // the job keeps running after its launcher answered
    const pid = fx.readState(early.id).pid;
    expect(isAlive(pid)).toBe(true);
    // the recorded pid is the login shell until it has exec'ed the command
    await eventually(() => processesWithArgv(["sleep", "3901"]).includes(pid));

    // while watching a running job
    const child = spawn(process.execPath, ["--", CLI, "--root", fx.root, "run", "--until", "30", "--", "sleep", "3902"], { cwd: fx.work });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const code = new Promise((done) => child.on("close", done));
    await eventually(() => processesWithArgv(["sleep", "3902"]).length > 0, 20_000);
    child.kill(signal);
    expect(await code).toBe(0);
    const late = JSON.parse(stdout);
    expect(late).toMatchObject({ ok: true, type: "run", state: "running" });
    expect(isAlive(fx.readState(late.job_id).pid)).toBe(true);

    for (const id of [early.id, late.job_id]) expect(TERMINAL).toContain(ok(fx.x(["kill", id, "--signal", "KILL"]), "kill").state);
  }, 180_000);

  test.each([
    ["no secrets", ""],
    ["truncated secrets", '{"env":{"PATH":"/usr/bi'],
  ])("a supervisor that gets %s records failed and runs nothing", async (_what, input) => {
    const marker = join(fx.work, "ran");
    const { job_id } = ok(fx.x(["create", "--", "touch", marker]), "create");
    // The supervisor as a launcher starts it, with what a launcher killed mid-handover leaves on its stdin.
    const supervisor = spawnSync(process.execPath, [SUPERVISOR_MAIN, "_supervise", job_id, "--root", fx.root], { input, timeout: 20_000 });
    expect(supervisor.status).toBe(0);
    const s = ok(fx.x(["status", job_id]), "status");
    expect(s.state).toBe("failed");
    expect(s.reason).toMatch(/launch interrupted/);
    expect(fx.readState(job_id).job.status).toBe("failed"); // recorded, not just reported
    expect(existsSync(marker)).toBe(false);
  });

  test("a created job whose launcher died reads as abandoned, wait returns, gc collects it, start launches it", () => {
    const abandoned = ok(fx.x(["create", "--", "true"]), "create").job_id;
    const waiting = ok(fx.x(["create", "--", "true"]), "create").job_id;
    const again = ok(fx.x(["create", "--", "sh", "-c", "echo again"]), "create").job_id;
    // what a launcher killed before it spawned the supervisor leaves: its claim, naming a dead pid
    for (const id of [abandoned, again]) writeFileSync(join(fx.jobDir(id), "launch.lock"), String(deadPid()));

    const s = ok(fx.x(["status", abandoned]), "status");
    expect(s.state).toBe("failed");
    expect(s.reason).toMatch(/launch abandoned/);
    expect(ok(fx.x(["wait", abandoned, "--forever"], { timeoutMs: 20_000 }), "wait").state).toBe("failed");
    // a job `create` defined and nobody started is not abandoned, however long it waits
    expect(ok(fx.x(["status", waiting]), "status").state).toBe("created");

    // the dead launcher's claim is taken over: the job can still be started
    const started = ok(fx.x(["start", again]), "start");
    expect(started).toMatchObject({ state: "exited", exit_code: 0, stdout: "again\n" });

    const gc = ok(fx.x(["gc", "--older-than", "0s", "--details"]), "gc");
    const byId = Object.fromEntries(gc.jobs.map((j: any) => [j.job_id, j]));
    expect(byId[abandoned]).toMatchObject({ action: "deleted" });
    expect(byId[waiting]).toMatchObject({ action: "skipped", reason: "active_job" });
    expect(existsSync(fx.jobDir(abandoned))).toBe(false);
  });

  test("a half-made job directory is removed by gc once older than the grace period, never while fresh", () => {
    const old = ok(fx.x(["create", "--", "true"]), "create").job_id;
    const fresh = ok(fx.x(["create", "--", "true"]), "create").job_id;
    // what a launcher killed between mkdir and meta.json leaves
    for (const id of [old, fresh]) {
      for (const name of readdirSync(fx.jobDir(id))) rmSync(join(fx.jobDir(id), name));
    }
    const past = new Date(Date.now() - 10 * 60_000);
    utimesSync(fx.jobDir(old), past, past);

    const gc = ok(fx.x(["gc", "--details"]), "gc"); // the default 30-day window: a half-made directory is not a job to keep
    const byId = Object.fromEntries(gc.jobs.map((j: any) => [j.job_id, j]));
    expect(byId[old]).toMatchObject({ action: "deleted", reason: "incomplete" });
    expect(byId[fresh]).toMatchObject({ action: "skipped", reason: "state_unreadable" });
    expect(existsSync(fx.jobDir(old))).toBe(false);
    expect(existsSync(fx.jobDir(fresh))).toBe(true);

    // one that a live process is making right now is never removed, however old its mtime
    writeFileSync(join(fx.jobDir(fresh), "launch.lock"), String(process.pid));
    utimesSync(fx.jobDir(fresh), past, past);
    const busy = ok(fx.x(["gc", "--details"]), "gc");
    expect(busy.jobs.find((j: any) => j.job_id === fresh)).toMatchObject({ action: "skipped" });
    expect(existsSync(fx.jobDir(fresh))).toBe(true);
  });
});

describe("deletion racing restart", () => {
  /** A copy of finished job `id` under a new id, finished a day earlier: gc's food. */
  const copyFinishedJob = (id: string, n: number) => {
    const copy = `01ZZZZZZZZZZZZZZZZZZZ${String(n).padStart(5, "0")}`;
    cpSync(fx.jobDir(id), fx.jobDir(copy), { recursive: true });
    for (let f = 0; f < 30; f++) writeFileSync(join(fx.jobDir(copy), `extra-${f}`), "x"); // slower to scan and delete
    const at = new Date(Date.now() - 86_400_000).toISOString();
    const state = { ...fx.readState(id), job: { ...fx.readState(id).job, id: copy }, finished_at: at, updated_at: at };
    writeFileSync(join(fx.jobDir(copy), "state.json"), JSON.stringify(state));
  };

  /** Live supervisors this file started for `id` (their argv names the job). */
  const supervisorsOf = (id: string) => processesMatching(`_supervise ${id}`);

  test("gc never deletes a job restart has launched: no untracked supervisor remains", async () => {
    let id = ok(fx.x(["run", "--no-wait", "--", "sleep", "3903"]), "run").job_id;
    ok(fx.x(["kill", id, "--signal", "KILL"]), "kill");
    const tally = { restarted: 0, deleted: 0 };
    for (let trial = 0; trial < 8; trial++) {
      await fx.finishedSupervisor(id);
      // Older finished jobs for gc to delete first (oldest first): between reading this job's
      // state and deleting it, gc then spends as long as restart needs to launch it.
      for (let n = 0; n < 100; n++) copyFinishedJob(id, trial * 100 + n);
      const delay = (trial % 4) * 50; // restart lands at different points of gc's pass
      const [gc, restart] = await Promise.all([
        fx.xAsync(["gc", "--older-than", "0s", "--details"]),
        new Promise((r) => setTimeout(r, delay)).then(() => fx.xAsync(["restart", id, "--no-wait", "--no-auto-gc"])),
      ]);
      const deleted = gc.json?.jobs?.some((j: any) => j.job_id === id && j.action === "deleted");
      if (deleted) {
        tally.deleted++;
        // the job is gone: so is any process it could have had
        expect(restart.json?.ok, `restart answered ${restart.stdout}`).not.toBe(true);
        await eventually(() => supervisorsOf(id).length === 0, 10_000);
        id = ok(fx.x(["run", "--no-wait", "--", "sleep", "3903"]), "run").job_id;
      } else {
        expect(restart.json?.ok, `restart: ${restart.stdout} ${restart.stderr}`).toBe(true);
        expect(existsSync(fx.jobDir(id)), "restart answered running, but gc deleted the job").toBe(true);
        tally.restarted++;
        const state = fx.readState(id);
        expect(state.job.status).toBe("running");
        expect(supervisorsOf(id)).toEqual([state.supervisor_pid]);
      }
      // a workload whose job no longer exists would be untracked: every one belongs to a live job
      for (const pid of processesWithArgv(["sleep", "3903"])) expect(fx.readState(id).pid, `untracked workload ${pid}`).toBe(pid);
      ok(fx.x(["kill", id, "--signal", "KILL"]), "kill");
    }
    await fx.finishedSupervisor(id);
    // every live supervisor this file started belongs to a job that still records it
    for (const pid of processesMatching("_supervise")) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const job = cmdline[cmdline.indexOf("_supervise") + 1]!;
      expect(existsSync(fx.jobDir(job)), `supervisor ${pid} of deleted job ${job}`).toBe(true);
    }
    console.log(`restart vs gc, 8 trials: ${JSON.stringify(tally)}`);
  }, 300_000);

  test("delete takes the launch claim: a job being launched is not deleted", () => {
    const { job_id } = ok(fx.x(["create", "--", "true"]), "create");
    mkdirSync(fx.root, { recursive: true });
    writeFileSync(join(fx.jobDir(job_id), "launch.lock"), String(process.pid)); // a live launcher
    const d = ok(fx.x(["delete", job_id]), "delete");
    expect(d.jobs).toMatchObject([{ job_id, action: "skipped", reason: "launching" }]);
    expect(existsSync(fx.jobDir(job_id))).toBe(true);
  });
});
