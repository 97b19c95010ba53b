import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { processesMatching } from "../helpers/procs.js";

// Sleep durations 3704-3708 belong to this file.
const fx = useJobFixture(["sleep 3704", "sleep 3705", "sleep 3706", "sleep 3707", "sleep 3708"]);

const SUBREAPER = resolve(import.meta.dirname, "../helpers/subreaper.mjs");
const TERMINAL = ["exited", "killed", "failed"];

describe("supervisor", () => {
  // The supervisor is its own bundle (dist/bundle/supervisor.cjs): it must find the addon where the
  // CLI does, not fall back to koffi (a bundling slip once sent it there, 0.7 MiB more per job).
  test("loads the process-tree backend doctor reports", async () => {
    const backend = ok(fx.x(["doctor"]), "doctor").backend.name as string;
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3707"]), "run");
    const supervisor = fx.readState(job_id).supervisor_pid as number;
    const file = backend === "addon" ? "agent_exec.node" : "koffi.node";
    await eventually(() => readFileSync(`/proc/${supervisor}/maps`, "utf8").includes(file));
    if (backend === "addon") expect(readFileSync(`/proc/${supervisor}/maps`, "utf8")).not.toContain("koffi.node");
  });

  // Node parses NODE_EXTRA_CA_CERTS's bundle before the first line runs (~70 ms of every start with
  // a system bundle) and obeys NODE_OPTIONS (a --require hook, an inspector port): a supervisor
  // starts without both, and what it runs still gets the user's values.
  test("starts without NODE_EXTRA_CA_CERTS and NODE_OPTIONS; its workload and sinks get them", async () => {
    const ca = join(fx.work, "extra-ca.pem");
    writeFileSync(ca, `${rootCertificates[0]}\n`);
    const env = { NODE_EXTRA_CA_CERTS: ca, NODE_OPTIONS: "--max-old-space-size=200" };
    const sinkOut = join(fx.work, "sink-env.txt");
    const show = "printenv NODE_EXTRA_CA_CERTS NODE_OPTIONS";
    const { job_id } = ok(fx.x(["run", "--no-wait", "--notify-command", `${show} > '${sinkOut}'`, "--", "sh", "-c", `${show}; sleep 3708`], { env }), "run");
    const supervisor = fx.readState(job_id).supervisor_pid as number;
    const started = readFileSync(`/proc/${supervisor}/environ`, "utf8").split("\0");
    expect(started.filter((v) => /^NODE_(?:EXTRA_CA_CERTS|OPTIONS)=/.test(v))).toEqual([]);
    const expected = `${ca}\n--max-old-space-size=200\n`;
    await eventually(() => readFileSync(join(fx.jobDir(job_id), "stdout.log"), "utf8") === expected);
    const sleeps = await eventually(() => {
      const pids = processesWithArgv(["sleep", "3708"]);
      return pids.length > 0 && pids;
    });
    for (const pid of sleeps) process.kill(pid, "SIGKILL");
    await eventually(() => existsSync(sinkOut) && readFileSync(sinkOut, "utf8") === expected, 20_000);
  });

  // The bin spawns a `run`'s supervisor from its small bundle before it reads the CLI's (src/launch/ahead.ts),
  // and the CLI then hands the job to that one supervisor.
  test("run spawns one supervisor, for its job, before the CLI's bundle is read", () => {
    const dir = fx.scratch();
    const events = join(dir, "events.json");
    const preload = join(dir, "trace.cjs");
    writeFileSync(
      preload,
      `const fs = require("fs"), cp = require("child_process"), seen = [];
const read = fs.readFileSync, spawn = cp.spawn;
fs.readFileSync = function (file, ...rest) { if (String(file).endsWith("bundle/cli.cjs")) seen.push("read cli.cjs"); return read.call(this, file, ...rest); };
cp.spawn = function (file, args, ...rest) { if (Array.isArray(args) && args.includes("_supervise")) seen.push("spawn " + args[args.indexOf("_supervise") + 1]); return spawn.call(this, file, args, ...rest); };
process.on("exit", () => fs.writeFileSync(${JSON.stringify(events)}, JSON.stringify(seen)));`,
    );
    const { job_id } = ok(fx.x(["run", "--", "true"], { env: { NODE_OPTIONS: `--require ${preload}` } }), "run");
    expect(JSON.parse(readFileSync(events, "utf8"))).toEqual([`spawn ${job_id}`, "read cli.cjs"]);
  });

  test("a grandchild holding the pipes does not keep the job running", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sh", "-c", "sleep 3704 &"]), "run");
    const s = await fx.settledStatus(job_id);
    expect(s.state).toBe("exited");
    expect(s.exit_code).toBe(0);
    // the grandchild really was still there, holding stdout
    const pids = processesWithArgv(["sleep", "3704"]);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, "SIGKILL");
    await eventually(() => processesMatching("sleep 3704").length === 0, 20_000);
  });

  test("a SIGKILLed supervisor is reported as failed; kill ends the orphan; nothing hangs", async () => {
    const { job_id } = ok(fx.x(["run", "--no-wait", "--", "sleep", "3705"]), "run");
    const supervisor = fx.readState(job_id).supervisor_pid as number;
    expect(Number.isInteger(supervisor)).toBe(true);
    await eventually(() => processesWithArgv(["sleep", "3705"]).length > 0);
    process.kill(supervisor, "SIGKILL");
    // gone for good: not even a zombie waiting for init to reap it
    await eventually(() => !existsSync(`/proc/${supervisor}`));

    const s = ok(fx.x(["status", job_id], { timeoutMs: 20_000 }), "status");
    expect(s.state).toBe("failed");
    expect(s.reason).toMatch(/supervisor/);

    const l = ok(fx.x(["list", "--all"], { timeoutMs: 20_000 }), "list");
    expect(l.jobs.find((job: any) => job.job_id === job_id)?.state).toBe("failed");

    const w = ok(fx.x(["wait", job_id, "--until", "20"], { timeoutMs: 30_000 }), "wait");
    expect(w.state).toBe("failed");
    expect(w.reason).toMatch(/supervisor/);

    // the workload outlived its supervisor
    expect(processesWithArgv(["sleep", "3705"]).length).toBeGreaterThan(0);
    const k = ok(fx.x(["kill", job_id], { timeoutMs: 20_000 }), "kill");
    expect(TERMINAL).toContain(k.state);
    await eventually(() => processesMatching("sleep 3705").length === 0, 20_000);

    const after = ok(fx.x(["status", job_id], { timeoutMs: 20_000 }), "status");
    expect(TERMINAL).toContain(after.state);
    expect(fx.readState(job_id).job.status).toBe(after.state);
  });

  test("a dead supervisor that nobody has reaped yet (a zombie) already counts as lost", async () => {
    // Under a container PID 1 that does not reap (or until init gets round to it), a SIGKILLed
    // supervisor stays a zombie: it can never write an outcome, so readers must treat it as gone.
    // The subreaper helper holds the zombie for as long as the test needs it.
    const holder = spawn(process.execPath, [SUBREAPER, process.execPath, CLI, "--root", fx.root, "run", "--no-wait", "--", "sleep", "3706"], {
      cwd: fx.work,
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = new Promise((done) => holder.once("exit", done));
    try {
      let out = "";
      holder.stdout.on("data", (d) => (out += d));
      const job_id = (await eventually(() => out.includes("\n") && JSON.parse(out).job_id, 20_000)) as string;
      const supervisor = fx.readState(job_id).supervisor_pid as number;
      await eventually(() => processesWithArgv(["sleep", "3706"]).length > 0);
      process.kill(supervisor, "SIGKILL");
      await eventually(() => processState(supervisor) === "Z");

      const s = ok(fx.x(["status", job_id], { timeoutMs: 20_000 }), "status");
      expect(processState(supervisor), "the supervisor is still an unreaped zombie").toBe("Z");
      expect(s.state).toBe("failed");
      expect(s.reason).toMatch(/supervisor/);
    } finally {
      holder.stdin.end();
      await exited;
    }
  });

  test("40 parallel runs all reach exited", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => fx.xAsync(["run", "--no-wait", "--", "true"])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const idList = results.map((r) => r.json.job_id as string);
    expect(new Set(idList).size).toBe(40);
    const statusOf = (id: string) => JSON.parse(readFileSync(join(fx.root, id, "state.json"), "utf8")).job.status;
    await eventually(() => idList.every((id) => statusOf(id) === "exited"), 45_000).catch(() => undefined);
    expect(idList.map((id) => [id, statusOf(id)]).filter(([, state]) => state !== "exited")).toEqual([]);
    const l = ok(fx.x(["list", "--limit", "0"]), "list");
    expect(l.jobs).toHaveLength(40);
    const states = l.jobs.map((job: any) => job.state);
    expect(states.filter((s: string) => s !== "exited"), JSON.stringify(l.jobs.filter((j: any) => j.state !== "exited"))).toEqual([]);
    for (const job of l.jobs) expect(job.exit_code).toBe(0);
  }, 120_000); // 80 node processes on 2 cores: allow for a machine that is busy with other work too
});

/** The one-letter state of a process from /proc (R, S, Z, …), or "gone". */
function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return "gone";
  }
}
