#!/usr/bin/env node
// Memory of running supervisors (issue 13 item 4), apart from bench.mjs so that it can call this.
//   node scripts/bench-memory.mjs [--jobs 20] [--json]
// Starts --jobs `sleep` jobs under a temporary root with the built CLI, reads each supervisor's
// /proc/<pid>/smaps_rollup (Pss, Rss) and /proc/<pid>/status (VmHWM, Threads), measures an idle
// `node -e "setInterval(()=>{},1e6)"` the same way in the same run, prints medians, and ends only
// what it started (the jobs by id through `kill`, then the recorded supervisor pids).
// BENCH_SUPERVISOR_FLAGS="--max-semi-space-size=1 ..." puts node flags in front of the supervisor's
// script for one run (a preload that wraps child_process.spawn in the CLI), to try flags without
// rebuilding; it changes nothing in the product.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { jobs: { type: "string", default: "20" }, json: { type: "boolean", default: false } } });
const JOBS = Number(values.jobs);
if (!Number.isInteger(JOBS) || JOBS < 1 || JOBS > 500) throw new Error("--jobs must be 1..500");
const CLI = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
const SETTLE_MS = 1500; // let lazy work after the handshake (first log pump reads, timers) happen

const flags = (process.env.BENCH_SUPERVISOR_FLAGS ?? "").split(/\s+/).filter(Boolean);
const preload = flags.length === 0 ? [] : ["--import", `data:text/javascript,${encodeURIComponent(flagPreload(flags))}`];

/** Source of a preload that adds `flags` to the CLI's spawn of the supervisor (bundle/supervisor.cjs). */
function flagPreload(extra) {
  return `import cp from "node:child_process"; import { syncBuiltinESMExports } from "node:module";
const spawn = cp.spawn;
cp.spawn = (file, args, options) => spawn(file, Array.isArray(args) && /supervisor(\\.cjs|[\\\\/]main\\.js)$/.test(args[0] ?? "") ? [...${JSON.stringify(extra)}, ...args] : args, options);
syncBuiltinESMExports();`;
}

/** Pss/Rss/VmHWM in KiB and the thread count of a live pid. */
export function memoryOf(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { pss: field(rollup, "Pss"), rss: field(rollup, "Rss"), hwm: field(status, "VmHWM"), threads: field(status, "Threads") };
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), as state.json records it. */
function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kib) => Math.round((kib / 1024) * 10) / 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const root = mkdtempSync(join(tmpdir(), "agent-exec-bench-memory-"));
const env = { ...process.env, AGENT_EXEC_ROOT: root };
const jobs = []; // { id, supervisor }
let idle;
try {
  // The idle baseline runs alongside the supervisors so the shared pages of the node binary are
  // divided among the same set of processes (PSS) in both figures.
  idle = spawn(process.execPath, ["-e", "setInterval(()=>{},1e6)"], { stdio: "ignore" });
  for (let i = 0; i < JOBS; i++) {
    const out = spawnSync(process.execPath, [...preload, CLI, "run", "--wait", "false", "--", "sleep", "120"], { env, encoding: "utf8" });
    const answer = JSON.parse(out.stdout);
    if (!answer.ok) throw new Error(`run failed: ${out.stdout}`);
    const state = JSON.parse(readFileSync(join(root, answer.job_id, "state.json"), "utf8"));
    jobs.push({ id: answer.job_id, supervisor: state.supervisor_pid, start: state.supervisor_start });
  }
  await sleep(SETTLE_MS);
  const sup = jobs.map((job) => memoryOf(job.supervisor));
  const base = memoryOf(idle.pid);
  const figure = (key) => ({ median: mib(median(sup.map((m) => m[key]))), idle: mib(base[key]) });
  const result = {
    jobs: JOBS,
    flags: flags.join(" "),
    pss: figure("pss"),
    rss: figure("rss"),
    hwm: figure("hwm"),
    threads: { median: median(sup.map((m) => m.threads)), idle: base.threads },
    rss_ratio: Math.round((median(sup.map((m) => m.rss)) / base.rss) * 100) / 100,
    loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`supervisors: ${JOBS} sleep jobs${result.flags ? `, flags ${result.flags}` : ""}; load average ${result.loadavg}`);
    console.log(`  PSS     ${result.pss.median} MiB (idle node ${result.pss.idle} MiB)`);
    console.log(`  RSS     ${result.rss.median} MiB (idle node ${result.rss.idle} MiB) = ${result.rss_ratio} x idle node`);
    console.log(`  VmHWM   ${result.hwm.median} MiB (idle node ${result.hwm.idle} MiB)`);
    console.log(`  threads ${result.threads.median} (idle node ${result.threads.idle})`);
  }
} finally {
  for (const job of jobs) spawnSync(process.execPath, [CLI, "kill", job.id], { env, stdio: "ignore" });
  await sleep(500);
  // A supervisor still there after its job was killed, and still the same process (start time).
  for (const job of jobs) if (startTimeOf(job.supervisor) === job.start) process.kill(job.supervisor, "SIGKILL");
  idle?.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
}
