#!/usr/bin/env node
// Benchmarks agent-exec against plain baselines measured in the same run, side by side, and, with
// AGENT_EXEC_REF=/path/to/agent-exec, the Rust reference binary too (same figures, same run).
// Run with `npm run bench` (builds first) or `node scripts/bench.mjs [--quick] [--only a,b]`.
// Linux only: it reads /proc. Everything it starts or writes lives under one temp directory and
// is removed at the end, also on failure or Ctrl-C.
//
//   run       `run -- true` until its JSON               vs  node spawnSync('true'); and the sh -lc cost
//   startup   status, tail, list, kill start-up           vs  node -e 0
//   kill      `kill` of a 50-process tree until all gone  vs  node -e 0 (and kill -TERM -PGID)
//   memory    supervisor PSS and RSS, 20 jobs running     vs  20 idle node processes
//   throughput  stdout lines, run start → exited          vs  cat FILE > OUT
//   wait      workload exit → `wait --forever` returns    vs  a node parent's 'exit' event
//   jobs200   200 jobs at once: memory, all 200 waits returning
//   list      `list` (default limit) over 5,000 and 20,000 jobs, `gc --dry-run` over 20,000
//   backends  the process-tree backends side by side (native addon vs koffi): load, signalTree
import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const FIGURES = ["run", "startup", "kill", "memory", "throughput", "wait", "jobs200", "list", "backends"];
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  console.log(`usage: node scripts/bench.mjs [--quick] [--only ${FIGURES.join(",")}]
  --quick  fewer runs, 40 MB instead of 200 MB of output, 50 instead of 200 jobs at once, no backends table
  AGENT_EXEC_REF=/path/to/agent-exec  also measures that binary (the Rust reference) side by side`);
  process.exit(0);
}
const selected = flags.only ? flags.only.split(",").map((s) => s.trim()) : FIGURES.filter((f) => !(flags.quick && f === "backends"));
for (const name of selected) {
  if (!FIGURES.includes(name)) {
    console.error(`unknown figure ${name}; figures: ${FIGURES.join(", ")}`);
    process.exit(2);
  }
}

const Q = flags.quick;
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli.cjs");
const TOTAL_BUDGET_MS = Q ? 900_000 : 1_800_000; // hard stop: clean up and fail rather than hang
const WARMUPS = 2;
const STARTUP_RUNS = Q ? 7 : 15;
const LATENCY_RUNS = Q ? 3 : 5;
const LATENCY_DELAY_MS = 1000;
const THROUGHPUT_RUNS = Q ? 1 : 3;
const DATA_RANDOM_BYTES = Q ? 30_000_000 : 150_000_000; // base64 → ~40 / ~200 MB of 76-character lines
const TREE_SIZE = 50;
const KILL_RUNS = Q ? 2 : 5;
const MEMORY_JOBS = 20;
const MANY_JOBS = Q ? 50 : 200;
const LIST_SIZES = [5_000, 20_000];
const LIST_RUNS = Q ? 3 : 5;
const BACKENDS = ["addon", "koffi"];
const LOAD_RUNS = 15;
const TREE_KILL_RUNS = 5;
const DIST = resolve(dirname(CLI));
// Sleep durations that mark the processes this script started, to find and end them by argv.
const MARKS = { killOurs: "3900", killBase: "3901", memory: "3902", backendA: "3903", backendB: "3904", killRef: "3905" };

if (process.platform !== "linux") {
  console.error("bench.mjs reads /proc and needs Linux");
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`npm run build\` first (npm run bench does)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "agent-exec-bench-"));
const dataFile = join(work, "data.txt");

/** The implementations measured side by side: this checkout, and the reference when given. */
const IMPLS = [{ key: "ours", label: "agent-exec", argv: [process.execPath, CLI], root: join(work, "ours") }];
if (process.env.AGENT_EXEC_REF) {
  const ref = resolve(process.env.AGENT_EXEC_REF);
  if (!existsSync(ref)) {
    console.error(`AGENT_EXEC_REF=${ref} does not exist`);
    process.exit(2);
  }
  IMPLS.push({ key: "ref", label: "reference", argv: [ref], root: join(work, "ref") });
}
for (const impl of IMPLS) mkdirSync(impl.root);
const ours = IMPLS[0];

// ---------------------------------------------------------------- bookkeeping and cleanup

/** Process groups and pids the script itself started and must not leave behind. */
const ownGroups = new Set();
const ownPids = new Set();
let cleanedUp = false;

function tryKill(pid, signal = "SIGKILL") {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every job's group and supervisor under the roots and everything we started; removes the temp dir. */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const impl of IMPLS) {
    for (const id of safeReaddir(impl.root)) {
      const state = readJson(join(impl.root, id, "state.json"));
      if (state?.pid > 1 && isLive(state.pid)) {
        tryKill(-state.pid);
        tryKill(state.pid);
      }
      const supervisor = state?.supervisor_pid ?? state?.supervisor?.pid;
      if (supervisor > 1 && isLive(supervisor) && isSupervisorOf(supervisor, id)) tryKill(supervisor);
    }
  }
  for (const pgid of ownGroups) tryKill(-pgid);
  for (const pid of ownPids) tryKill(pid);
  for (const n of Object.values(MARKS)) for (const pid of pidsWithArgv(["sleep", n])) tryKill(pid);
  rmSync(work, { recursive: true, force: true });
}

process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\ninterrupted (${signal}): cleaning up`);
    cleanup();
    process.exit(130);
  });
}
const budget = setTimeout(() => {
  console.error(`\nbench exceeded its ${TOTAL_BUDGET_MS / 1000} s budget: the figures measured so far, then cleaning up`);
  printTable();
  printBackendTable();
  cleanup();
  process.exit(1);
}, TOTAL_BUDGET_MS);
budget.unref();

// ---------------------------------------------------------------- /proc helpers

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "").split("\0");
  } catch {
    return [];
  }
}

/** Alive and not a zombie (PID 1 in a container may never reap orphans). */
function isLive(pid) {
  return procState(pid) !== undefined && procState(pid) !== "Z";
}

/** The one-letter state in /proc/<pid>/stat (R, S, Z, ...), or undefined once it is gone. */
function procState(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2];
  } catch {
    return undefined;
  }
}

function pidsWithArgv(argv) {
  const wanted = argv.join("\0");
  const pids = [];
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (cmdline(entry).join("\0") === wanted && isLive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** Ours runs `node …/main.js _supervise <id> --root R`, the reference `agent-exec _supervise …`. */
function isSupervisorOf(pid, jobId) {
  const argv = cmdline(pid);
  return argv.some((a) => a.includes("supervise")) && argv.some((a) => a.includes(jobId));
}

/** The supervisor pid of each job id, found in /proc (one pass for all of them). */
function supervisorsOf(jobIds) {
  const found = new Map();
  const wanted = new Set(jobIds);
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(entry);
    if (!argv.some((a) => a.includes("supervise"))) continue;
    const id = argv.find((a) => wanted.has(a)) ?? argv.map((a) => a.match(/[0-9A-HJKMNP-TV-Z]{26}/)?.[0]).find((a) => wanted.has(a));
    if (id && isLive(Number(entry))) found.set(id, Number(entry));
  }
  return found;
}

/** A field of /proc/<pid>/status (VmRSS, VmHWM) or smaps_rollup (Pss) in KiB; undefined once gone. */
function procKiB(pid, file, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/${file}`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
const pssKiB = (pid) => procKiB(pid, "smaps_rollup", "Pss");
const rssKiB = (pid) => procKiB(pid, "status", "VmRSS");
const memAvailableKiB = () => Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))[1]);

// ---------------------------------------------------------------- process helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, what, timeoutMs = 15_000, everyMs = 5) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items` with at most `limit` at a time; the results in order. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/**
 * Starts a process and resolves when it exits (killed after timeoutMs). Reports when the first
 * complete stdout line arrived (`lineAt`) and when it exited (`exitAt`), both performance.now(),
 * plus the wall clock at exit (`exitWall`, Date.now()) for comparisons with other processes.
 */
function exec(file, args, { timeoutMs = 60_000, detached = false, ...options } = {}) {
  return new Promise((resolvePromise, reject) => {
    const startAt = performance.now();
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], detached, ...options });
    if (child.pid) (detached ? ownGroups : ownPids).add(child.pid);
    let stdout = "";
    let stderr = "";
    let lineAt;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (lineAt === undefined && stdout.includes("\n")) lineAt = performance.now();
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      tryKill(detached ? -child.pid : child.pid);
      reject(new Error(`${file} ${args.join(" ")} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      const exitAt = performance.now();
      const exitWall = Date.now();
      child.once("close", () => {
        clearTimeout(timer);
        ownPids.delete(child.pid);
        resolvePromise({ code, signal, stdout, stderr, startAt, lineAt: lineAt ?? exitAt, exitAt, exitWall, pid: child.pid });
      });
    });
  });
}

/** One implementation's CLI with --root before the verb (both accept it there), checked: exit 0 and one ok envelope. */
async function cli(impl, args, options = {}) {
  const result = await exec(impl.argv[0], [...impl.argv.slice(1), "--root", impl.root, ...args], options);
  let json;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    // reported below
  }
  if (result.code !== 0 || !json?.ok) {
    throw new Error(`${impl.label} ${args.join(" ")} failed (exit ${result.code}): ${result.stdout}${result.stderr}`);
  }
  return { ...result, json };
}

const jobState = (json) => json.state ?? json.job?.state ?? json.status;

/** Waits until the supervisors of the given jobs have exited, so one measurement does not disturb the next. */
async function settle(ids) {
  await until(() => supervisorsOf(ids).size === 0, "supervisors to exit", 30_000, 20);
}

function removeJobs(impl, ids) {
  for (const id of ids) rmSync(join(impl.root, id), { recursive: true, force: true });
}

/** Ends running jobs by their recorded process groups (TERM), as a user's `kill` would, and waits for their supervisors. */
async function endJobs(impl, ids) {
  for (const id of ids) {
    const state = readJson(join(impl.root, id, "state.json"));
    if (state?.pid > 1) tryKill(-state.pid, "SIGTERM");
  }
  await settle(ids);
  removeJobs(impl, ids);
}

/** A node process that only waits, as the memory baselines. */
function idleNode() {
  const node = spawn(process.execPath, ["-e", "setTimeout(() => {}, 3600000)"], { stdio: "ignore" }); // ended by the caller
  ownPids.add(node.pid);
  return node.pid;
}

// ---------------------------------------------------------------- statistics and output

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

const rows = [];
/** One figure: `values` per implementation key; `base` is the same-run baseline (or undefined). */
function row(label, values, base, unit, note = "") {
  rows.push({ label, values, base, unit, note });
}
const fmt = (value, unit) => {
  if (!Number.isFinite(value)) return "—";
  if (unit === "MB/s") return `${value.toFixed(0)} MB/s`;
  if (unit === "MiB") return `${value.toFixed(1)} MiB`;
  if (unit === "s") return `${value.toFixed(2)} s`;
  return `${value.toFixed(value < 10 ? 2 : 0)} ms`;
};
const ratio = (v, b) => (Number.isFinite(v) && Number.isFinite(b) ? `${(v / b).toFixed(2)}x` : "—");

function printTable() {
  const header = ["figure", "baseline", ...IMPLS.flatMap((i) => [i.label, "ratio"]), "notes"];
  const body = rows.map((r) => [r.label, fmt(r.base, r.unit), ...IMPLS.flatMap((i) => [fmt(r.values[i.key], r.unit), ratio(r.values[i.key], r.base)]), r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const last = header.length - 1;
  const line = (cells) => cells.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  console.log("ratio = value / baseline of the same run (for MB/s, below 1 means slower than the baseline)");
}

const backendRows = [];

function printBackendTable() {
  if (backendRows.length === 0) return;
  const header = ["backends side by side", ...BACKENDS, "ratio", "notes"];
  const body = backendRows.map((r) => [r.label, ...BACKENDS.map((b) => fmt(r.values[b], "ms")), `${(r.values[BACKENDS[0]] / r.values[BACKENDS[1]]).toFixed(2)}x`, r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const last = header.length - 1;
  const line = (cells) => cells.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  console.log(`ratio = ${BACKENDS[0]} / ${BACKENDS[1]} (below 1: the ${BACKENDS[0]} is faster)`);
}

function log(message) {
  process.stderr.write(`  ${message}\n`);
}

/** Wall time of a process from spawn to exit, ms, checked for exit 0. */
async function timeProcess(file, args) {
  const r = await exec(file, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} failed: ${r.stderr}`);
  return r.exitAt - r.startAt;
}
const NODE_E0 = () => timeProcess(process.execPath, ["-e", "0"]);
const spawnSyncBaseline = (...argv) => timeProcess(process.execPath, ["-e", `require('child_process').spawnSync(${argv.map((a) => JSON.stringify(a)).join(", ")})`]);

/** Samples each named thing `runs` times after WARMUPS, interleaved so load changes hit all alike; medians and raw samples. */
async function interleaved(things, runs) {
  const samples = Object.fromEntries(Object.keys(things).map((k) => [k, []]));
  for (let i = 0; i < WARMUPS + runs; i++) {
    for (const [k, fn] of Object.entries(things)) {
      const ms = await fn();
      if (i >= WARMUPS) samples[k].push(ms);
    }
  }
  return { med: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])), samples };
}

// ---------------------------------------------------------------- run -- true, and the login shell

async function benchRun() {
  log(`run -- true: ${WARMUPS} warm-ups + ${STARTUP_RUNS} runs each, interleaved`);
  const ids = Object.fromEntries(IMPLS.map((i) => [i.key, []]));
  const runTrue = (impl, extra = []) => async () => {
    const r = await cli(impl, ["run", ...extra, "--", "true"], { timeoutMs: 30_000 });
    if (jobState(r.json) !== "exited" || r.json.exit_code !== 0) throw new Error(`${impl.label} run -- true ended ${r.stdout}`);
    ids[impl.key].push(r.json.job_id);
    return r.lineAt - r.startAt;
  };
  const things = { base: () => spawnSyncBaseline("true"), lc: () => spawnSyncBaseline("sh", ["-lc", "true"]), c: () => spawnSyncBaseline("sh", ["-c", "true"]) };
  for (const impl of IMPLS) things[impl.key] = runTrue(impl);
  things.oursPlainSh = runTrue(ours, ["--shell-wrapper", "sh -c"]);
  const { med, samples } = await interleaved(things, STARTUP_RUNS);
  for (const impl of IMPLS) {
    await settle(ids[impl.key]);
    removeJobs(impl, ids[impl.key]);
  }
  row("run -- true → JSON, median", values(med), med.base, "ms", `n=${STARTUP_RUNS}; ${IMPLS.map((i) => `${i.key} ${range(samples[i.key])}`).join(", ")} ms; base: node spawnSync('true')`);
  row("run --shell-wrapper 'sh -c' -- true → JSON", { ours: med.oursPlainSh }, med.base, "ms", `agent-exec only: without the default sh -lc login shell`);
  row("login shell: node spawnSync sh -lc true", { ours: med.lc }, med.c, "ms", `what -l costs: ${(med.lc - med.c).toFixed(1)} ms (base: spawnSync sh -c true)`);
}

/** The per-implementation entries of a medians object. */
const values = (med) => Object.fromEntries(IMPLS.map((i) => [i.key, med[i.key]]));

// ---------------------------------------------------------------- start-up of the reading verbs

async function benchStartup() {
  log(`status, tail, list, kill start-up: ${WARMUPS} warm-ups + ${STARTUP_RUNS} runs each, interleaved`);
  const jobs = {};
  for (const impl of IMPLS) jobs[impl.key] = (await cli(impl, ["run", "--", "echo", "hello"], { timeoutMs: 30_000 })).json.job_id;
  const verbs = { status: (id) => ["status", id], tail: (id) => ["tail", id], list: () => ["list"], kill: (id) => ["kill", id] };
  const things = { base: NODE_E0 };
  for (const [verb, args] of Object.entries(verbs)) {
    for (const impl of IMPLS) {
      things[`${verb}:${impl.key}`] = async () => {
        // `kill` of a job that has already ended: the verb's start-up, its lookup and its answer.
        const r = await exec(impl.argv[0], [...impl.argv.slice(1), "--root", impl.root, ...args(jobs[impl.key])], { timeoutMs: 30_000 });
        if (!r.stdout.startsWith("{")) throw new Error(`${impl.label} ${verb} printed no JSON: ${r.stdout}${r.stderr}`);
        return r.exitAt - r.startAt;
      };
    }
  }
  const { med } = await interleaved(things, STARTUP_RUNS);
  for (const verb of Object.keys(verbs)) {
    row(`${verb} start-up, median`, Object.fromEntries(IMPLS.map((i) => [i.key, med[`${verb}:${i.key}`]])), med.base, "ms", `n=${STARTUP_RUNS}; base: node -e 0${verb === "kill" ? "; on a job that has ended" : ""}`);
  }
  await settle(Object.values(jobs));
  for (const impl of IMPLS) removeJobs(impl, [jobs[impl.key]]);
}

// ---------------------------------------------------------------- (e) killing a wide tree

const TREE_SCRIPT = (n) => `for i in $(seq ${TREE_SIZE}); do sleep ${n} & done; wait`;
const treeOf = (marker, what) =>
  until(() => {
    const pids = pidsWithArgv(["sleep", marker]);
    return pids.length === TREE_SIZE ? pids : undefined;
  }, `${TREE_SIZE} sleep processes of ${what}`);

async function benchKill() {
  log(`kill of a ${TREE_SIZE}-process tree: ${KILL_RUNS} runs each`);
  const samples = Object.fromEntries(IMPLS.map((i) => [i.key, []]));
  const returned = Object.fromEntries(IMPLS.map((i) => [i.key, []]));
  const base = [];
  const group = [];
  for (let i = 0; i < KILL_RUNS; i++) {
    for (const impl of IMPLS) {
      const marker = impl.key === "ours" ? MARKS.killOurs : MARKS.killRef;
      const job = await cli(impl, ["run", "--no-wait", "--", TREE_SCRIPT(marker)], { timeoutMs: 30_000 });
      const sleepers = await treeOf(marker, impl.label);
      // /proc is polled while `kill` runs, so "none left" is when the tree vanished, not when kill returned.
      const t0 = performance.now();
      const killing = cli(impl, ["kill", job.json.job_id], { timeoutMs: 30_000 });
      await until(() => sleepers.every((pid) => !isLive(pid)), `${impl.label}: the job's sleeps to end`, 15_000, 1);
      samples[impl.key].push(performance.now() - t0);
      returned[impl.key].push((await killing).exitAt - t0);
      await settle([job.json.job_id]);
      removeJobs(impl, [job.json.job_id]);
    }
    base.push(await NODE_E0());

    const tree = spawn("sh", ["-c", TREE_SCRIPT(MARKS.killBase)], { detached: true, stdio: "ignore" });
    ownGroups.add(tree.pid);
    const baseSleepers = await treeOf(MARKS.killBase, "the baseline tree");
    const b0 = performance.now();
    tryKill(-tree.pid, "SIGTERM");
    await until(() => baseSleepers.every((pid) => !isLive(pid)), "the baseline sleeps to end", 15_000, 1);
    group.push(performance.now() - b0);
    ownGroups.delete(tree.pid);
  }
  const med = Object.fromEntries(IMPLS.map((i) => [i.key, median(samples[i.key])]));
  row(
    `kill ${TREE_SIZE}-process tree: CLI start → none left`,
    med,
    median(base),
    "ms",
    `n=${KILL_RUNS}; base: node -e 0 (goal ≤ base + 20 ms); kill(-pgid) alone ${median(group).toFixed(1)} ms; the CLI exited after ${IMPLS.map((i) => `${i.key} ${median(returned[i.key]).toFixed(0)}`).join(", ")} ms`,
  );
}

// ---------------------------------------------------------------- supervisor memory

async function benchMemory() {
  log(`memory: ${MEMORY_JOBS} sleep jobs at once, supervisors' PSS (smaps_rollup) and RSS`);
  const idle = Array.from({ length: MEMORY_JOBS }, idleNode);
  const pss = {};
  const rss = {};
  for (const impl of IMPLS) {
    const ids = [];
    for (let i = 0; i < MEMORY_JOBS; i++) ids.push((await cli(impl, ["run", "--no-wait", "--", "sleep", MARKS.memory], { timeoutMs: 30_000 })).json.job_id);
    const supervisors = await until(() => {
      const found = supervisorsOf(ids);
      return found.size === ids.length ? [...found.values()] : undefined;
    }, `${impl.label}: ${MEMORY_JOBS} supervisors`);
    await sleep(1000); // past start-up: what a supervisor holds while its job runs
    pss[impl.key] = mean(supervisors.map(pssKiB)) / 1024;
    rss[impl.key] = mean(supervisors.map(rssKiB)) / 1024;
    await endJobs(impl, ids);
  }
  const idlePss = mean(idle.map(pssKiB)) / 1024;
  const idleRss = mean(idle.map(rssKiB)) / 1024;
  for (const pid of idle) {
    tryKill(pid);
    ownPids.delete(pid);
  }
  row(`supervisor PSS, mean over ${MEMORY_JOBS} running jobs`, pss, idlePss, "MiB", `base: ${MEMORY_JOBS} idle node processes at once (goal ≤ 8 MiB)`);
  row("supervisor RSS, mean", rss, idleRss, "MiB", "base: an idle node's RSS (goal ≤ 1.1x)");
}

// ---------------------------------------------------------------- throughput

async function makeData() {
  log(`generating ${DATA_RANDOM_BYTES / 1e6} MB of random bytes as base64 lines`);
  const r = await exec("sh", ["-c", `head -c ${DATA_RANDOM_BYTES} /dev/urandom | base64 > '${dataFile}'`], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`could not generate data: ${r.stderr}`);
  return statSync(dataFile).size;
}

/** MB/s of `run … -- cat dataFile` until `wait` says exited; `extra` are more run flags. */
async function throughputOf(impl, size, extra = []) {
  const t0 = performance.now();
  const started = await cli(impl, ["run", "--no-wait", ...extra, "--", "cat", dataFile], { timeoutMs: 60_000 });
  const id = started.json.job_id;
  const waited = await cli(impl, ["wait", "--forever", id], { timeoutMs: 120_000 });
  const seconds = (waited.exitAt - t0) / 1000;
  if (jobState(waited.json) !== "exited") throw new Error(`${impl.label}: the job did not exit: ${waited.stdout}`);
  if (waited.json.stdout_total_bytes !== undefined && waited.json.stdout_total_bytes !== size) throw new Error(`${impl.label} copied ${waited.json.stdout_total_bytes} of ${size} bytes`);
  await settle([id]);
  const logged = statSync(join(impl.root, id, "stdout.log")).size;
  if (logged !== size) throw new Error(`${impl.label}: stdout.log has ${logged} of ${size} bytes`);
  const fullLog = join(impl.root, id, "full.log");
  const fullLogBytes = existsSync(fullLog) ? statSync(fullLog).size : 0;
  removeJobs(impl, [id]);
  return { mbps: size / 1e6 / seconds, fullLogBytes };
}

async function benchThroughput() {
  const size = await makeData();
  const mb = (size / 1e6).toFixed(0);
  log(`throughput: ${mb} MB through stdout, ${THROUGHPUT_RUNS} run(s) each`);
  const samples = Object.fromEntries(IMPLS.map((i) => [i.key, []]));
  const base = [];
  let fullLogBytes = 0;
  for (let i = 0; i < THROUGHPUT_RUNS; i++) {
    for (const impl of IMPLS) {
      const run = await throughputOf(impl, size);
      samples[impl.key].push(run.mbps);
      if (impl === ours) fullLogBytes = run.fullLogBytes;
    }
    const out = join(work, "cat-out.txt");
    const b = await exec("sh", ["-c", `cat '${dataFile}' > '${out}'`], { timeoutMs: 60_000 });
    if (b.code !== 0 || statSync(out).size !== size) throw new Error("baseline cat failed");
    base.push(size / 1e6 / ((b.exitAt - b.startAt) / 1000));
    rmSync(out);
  }
  const plain = median(samples.ours);
  row(`${mb} MB stdout lines: run → wait says exited`, Object.fromEntries(IMPLS.map((i) => [i.key, median(samples[i.key])])), median(base), "MB/s", `n=${THROUGHPUT_RUNS}; ours writes stdout.log + timestamped full.log (${(fullLogBytes / 1e6).toFixed(0)} MB); base: cat FILE > OUT`);
  if (Q) return;
  // The cost of an output pattern: every line is decoded and tested; none matches, so no sink runs.
  for (const [label, extra] of [
    ["contains", ["--output-pattern", "no such text"]],
    ["regex", ["--output-pattern", "^zz[0-9]{3}zz$", "--output-match-type", "regex"]],
  ]) {
    log(`throughput with a ${label} output pattern: ${THROUGHPUT_RUNS} runs`);
    const runs = [];
    for (let i = 0; i < THROUGHPUT_RUNS; i++) runs.push((await throughputOf(ours, size, extra)).mbps);
    row(`${mb} MB stdout lines, ${label} output pattern`, { ours: median(runs) }, plain, "MB/s", `agent-exec only; no line matches; base: ours without a pattern, this run`);
  }
}

// ---------------------------------------------------------------- exit → wait latency

const WORKLOAD = (file) => `setTimeout(() => { require("fs").writeFileSync(${JSON.stringify(file)}, String(Date.now())) }, ${LATENCY_DELAY_MS})`;

async function benchWaitLatency() {
  log(`workload exit → wait returns: ${LATENCY_RUNS} runs each`);
  const samples = Object.fromEntries(IMPLS.map((i) => [i.key, []]));
  const base = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    for (const impl of IMPLS) {
      const stamp = join(work, `stamp-${impl.key}-${i}`);
      const started = await cli(impl, ["run", "--no-wait", "--", process.execPath, "-e", WORKLOAD(stamp)], { timeoutMs: 30_000 });
      const id = started.json.job_id;
      const waited = await cli(impl, ["wait", "--forever", id], { timeoutMs: 30_000 });
      if (jobState(waited.json) !== "exited") throw new Error(`${impl.label} wait reported ${waited.stdout}`);
      samples[impl.key].push(waited.exitWall - Number(readFileSync(stamp, "utf8")));
      await settle([id]);
      removeJobs(impl, [id]);
    }
    const baseStamp = join(work, `base-stamp-${i}`);
    const b = await exec(process.execPath, ["-e", WORKLOAD(baseStamp)], { timeoutMs: 30_000 });
    base.push(b.exitWall - Number(readFileSync(baseStamp, "utf8")));
  }
  row("workload exit → `wait` returns, median", Object.fromEntries(IMPLS.map((i) => [i.key, median(samples[i.key])])), median(base), "ms", `n=${LATENCY_RUNS}; ${IMPLS.map((i) => `${i.key} ${range(samples[i.key])}`).join(", ")} ms; base: parent's 'exit' event (goal ≤ 10 ms)`);
}

// ---------------------------------------------------------------- many jobs at once

/**
 * MANY_JOBS jobs that each block reading one FIFO, so they all run at once without using CPU and
 * all end together when the FIFO's writer closes; a `wait` is started for every one beforehand.
 */
async function benchManyJobs() {
  log(`${MANY_JOBS} jobs at once: start them, memory, then ${MANY_JOBS} waits at once`);
  const values = { total: {}, available: {}, started: {}, waited: {} };
  for (const impl of IMPLS) {
    const gate = join(work, `gate-${impl.key}`);
    if (spawnSync("mkfifo", [gate]).status !== 0) throw new Error("mkfifo failed");
    const before = memAvailableKiB();
    const t0 = performance.now();
    const ids = await pool(Array.from({ length: MANY_JOBS }), 8, async () => (await cli(impl, ["run", "--no-wait", "--", "cat", gate], { timeoutMs: 60_000 })).json.job_id);
    values.started[impl.key] = (performance.now() - t0) / 1000;
    const supervisors = await until(() => {
      const found = supervisorsOf(ids);
      return found.size === ids.length ? [...found.values()] : undefined;
    }, `${impl.label}: ${MANY_JOBS} supervisors`, 60_000, 100);
    await sleep(1000);
    values.total[impl.key] = supervisors.reduce((sum, pid) => sum + (pssKiB(pid) ?? 0), 0) / 1024;
    values.available[impl.key] = (before - memAvailableKiB()) / 1024;

    const waits = ids.map((id) => cli(impl, ["wait", "--forever", id], { timeoutMs: 180_000 }));
    // Every wait is started and idle (sleeping in /proc) before the jobs are let go.
    await sleep(500);
    await until(() => [...ownPids].filter((pid) => cmdline(pid).includes("wait")).every((pid) => procState(pid) === "S"), "the waits to settle", 120_000, 200);
    const opened = performance.now();
    let done = false;
    const all = Promise.all(waits).finally(() => (done = true));
    while (!done) {
      openGate(gate); // a reader that opened the FIFO late gets its EOF from the next round
      await Promise.race([all, sleep(1000)]);
    }
    const results = await all;
    values.waited[impl.key] = performance.now() - opened;
    const notExited = results.filter((r) => jobState(r.json) !== "exited").length;
    if (notExited > 0) throw new Error(`${impl.label}: ${notExited} of ${MANY_JOBS} waits did not report exited`);
    await settle(ids);
    removeJobs(impl, ids);
  }
  row(`${MANY_JOBS} jobs: supervisors' total PSS`, values.total, undefined, "MiB", "summed over /proc/<pid>/smaps_rollup while all run");
  row(`${MANY_JOBS} jobs: MemAvailable drop`, values.available, undefined, "MiB", "supervisors + workloads + page cache; noisy on a shared machine");
  row(`${MANY_JOBS} jobs: time to start them`, values.started, undefined, "s", "run --no-wait, 8 at a time");
  row(`${MANY_JOBS} jobs end at once → all ${MANY_JOBS} waits returned`, values.waited, undefined, "ms", `${MANY_JOBS} wait --forever processes started before; all report exited`);
}

/** Opens the FIFO's write end without blocking (ENXIO: nobody reads yet) and closes it: every reader sees EOF. */
function openGate(gate) {
  try {
    closeSync(openSync(gate, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch (error) {
    if (error.code !== "ENXIO") throw error;
  }
}

// ---------------------------------------------------------------- list and gc over many jobs

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID for time `ms`: 10 characters of time, 16 random. */
function ulid(ms) {
  let time = "";
  for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let random = "";
  for (let i = 0; i < 16; i++) random += CROCKFORD[Math.floor(Math.random() * 32)];
  return time + random;
}

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;

/**
 * Adds finished jobs up to `count` to impl's root by copying a template job that impl ran itself
 * (so each store has its own format), with new ids and times 40 days ago (older than gc's default).
 * Job directories are written directly: making 20,000 through the CLI would take over an hour.
 */
function growFixture(impl, template, count) {
  const files = safeReaddir(join(impl.root, template)).map((name) => [name, readFileSync(join(impl.root, template, name), "utf8")]);
  const have = safeReaddir(impl.root).length;
  const epoch = Date.now() - 40 * 86_400_000;
  for (let i = have; i < count; i++) {
    const ms = epoch - i * 1000;
    const id = ulid(ms);
    const iso = new Date(ms).toISOString();
    mkdirSync(join(impl.root, id), { mode: 0o700 });
    for (const [name, text] of files) writeFileSync(join(impl.root, id, name), text.replaceAll(template, id).replace(ISO_TIME, iso), { mode: 0o600 });
  }
}

async function benchList() {
  const samples = {};
  for (const impl of IMPLS) {
    const template = (await cli(impl, ["run", "--", "true"], { timeoutMs: 30_000 })).json.job_id;
    await settle([template]);
    for (const size of LIST_SIZES) {
      log(`${impl.label}: list over ${size} jobs (writing the fixture), ${LIST_RUNS} runs`);
      growFixture(impl, template, size);
      samples[`list${size}:${impl.key}`] = [];
      for (let i = 0; i < LIST_RUNS + 1; i++) {
        const r = await cli(impl, ["list"], { timeoutMs: 120_000 });
        if (!Array.isArray(r.json.jobs) || r.json.jobs.length === 0) throw new Error(`${impl.label} list returned no jobs: ${r.stdout.slice(0, 300)}`);
        if (i > 0) samples[`list${size}:${impl.key}`].push(r.exitAt - r.startAt); // the first one warms the page cache
      }
    }
    log(`${impl.label}: gc --dry-run over ${LIST_SIZES.at(-1)} jobs`);
    samples[`gc:${impl.key}`] = [];
    for (let i = 0; i < Math.max(1, LIST_RUNS - 2); i++) {
      const r = await cli(impl, ["gc", "--dry-run"], { timeoutMs: 300_000 });
      samples[`gc:${impl.key}`].push(r.exitAt - r.startAt);
    }
    rmSync(impl.root, { recursive: true, force: true });
    mkdirSync(impl.root);
  }
  const base = median(await Promise.all([NODE_E0(), NODE_E0(), NODE_E0()]));
  const pick = (name) => Object.fromEntries(IMPLS.map((i) => [i.key, median(samples[`${name}:${i.key}`])]));
  for (const size of LIST_SIZES) row(`list (default limit) over ${size.toLocaleString("en")} jobs`, pick(`list${size}`), base, "ms", `n=${LIST_RUNS}; base: node -e 0${size === 20_000 ? " (goal ≤ 500 ms)" : ""}`);
  row(`gc --dry-run over ${LIST_SIZES.at(-1).toLocaleString("en")} jobs`, pick("gc"), base, "ms", "every job older than gc's default 30d; base: node -e 0");
}

// ---------------------------------------------------------------- backend load cost

// In a fresh node: import process-tree.js and signals.js (not timed: every backend needs them), then
// time loadBackend(name) (the backend module's import + create) and its first signalTree on a pid
// that is gone (koffi binds libc on first use, so that cost shows up there).
const LOAD_PROBE = `
const dist = process.argv[1];
const { loadBackend } = await import(dist + "/platform/process-tree.js");
const { resolveSignal } = await import(dist + "/platform/signals.js");
const term = resolveSignal("TERM");
const t0 = performance.now();
const backend = await loadBackend(process.argv[2]);
const t1 = performance.now();
const delivered = backend.signalTree({ pid: Number(process.argv[3]) }, term);
const t2 = performance.now();
console.log(JSON.stringify({ name: backend.name, load: t1 - t0, first: t2 - t1, delivered }));
`;

async function benchBackendLoad() {
  log(`backend load cost: ${LOAD_RUNS} fresh node processes per backend, interleaved`);
  const gone = await exec("true", []);
  const load = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  const first = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  for (let i = 0; i < LOAD_RUNS + 1; i++) {
    for (const name of BACKENDS) {
      const r = await exec(process.execPath, ["--input-type=module", "-e", LOAD_PROBE, DIST, name, String(gone.pid)], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`loading the ${name} backend failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout);
      if (out.name !== name || out.delivered !== false) throw new Error(`the ${name} probe reported ${r.stdout}`);
      if (i === 0) continue; // warm-up: page cache
      load[name].push(out.load);
      first[name].push(out.first);
    }
  }
  const med = (m) => Object.fromEntries(BACKENDS.map((b) => [b, median(m[b])]));
  const spread = (m) => BACKENDS.map((b) => `${b} ${Math.min(...m[b]).toFixed(2)}–${Math.max(...m[b]).toFixed(2)}`).join(", ");
  backendRows.push({ label: "load: import + create, median", values: med(load), note: `n=${LOAD_RUNS}; ${spread(load)} ms` });
  backendRows.push({ label: "first signalTree (gone pid), median", values: med(first), note: "koffi binds libc here" });
  const total = Object.fromEntries(BACKENDS.map((b) => [b, median(load[b].map((x, i) => x + first[b][i]))]));
  backendRows.push({ label: "load + first signalTree, median", values: total, note: "what a `kill` pays once" });
}

// ---------------------------------------------------------------- signalTree on a wide tree

async function benchBackendTreeKill() {
  log(`signalTree on a ${TREE_SIZE}-process tree: ${TREE_KILL_RUNS} runs per backend, interleaved`);
  const { loadBackend } = await import(pathToFileURL(join(DIST, "platform/process-tree.js")).href);
  const { resolveSignal } = await import(pathToFileURL(join(DIST, "platform/signals.js")).href);
  const term = resolveSignal("TERM");
  const backends = Object.fromEntries(await Promise.all(BACKENDS.map(async (b) => [b, await loadBackend(b)])));
  const returned = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  const none = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  for (let i = 0; i < TREE_KILL_RUNS; i++) {
    for (const [k, name] of BACKENDS.entries()) {
      const marker = k === 0 ? MARKS.backendA : MARKS.backendB;
      const tree = spawn("sh", ["-c", TREE_SCRIPT(marker)], { detached: true, stdio: "ignore" });
      ownGroups.add(tree.pid);
      const exited = new Promise((r) => tree.once("exit", r));
      const sleepers = await treeOf(marker, name);
      const t0 = performance.now();
      if (backends[name].signalTree({ pid: tree.pid }, term) !== true) throw new Error(`${name}: signalTree did not deliver`);
      returned[name].push(performance.now() - t0);
      await until(() => sleepers.every((pid) => !isLive(pid)), `${name}: the sleeps to end`, 15_000, 1);
      none[name].push(performance.now() - t0);
      await exited;
      ownGroups.delete(tree.pid);
    }
  }
  const med = (m) => Object.fromEntries(BACKENDS.map((b) => [b, median(m[b])]));
  backendRows.push({ label: `signalTree, ${TREE_SIZE}-process tree: call returns`, values: med(returned), note: `n=${TREE_KILL_RUNS}; one kill(-pgid) either way` });
  backendRows.push({ label: `signalTree, ${TREE_SIZE}-process tree: none left`, values: med(none), note: "polled in /proc every 1 ms" });
}

// ---------------------------------------------------------------- main

const cpuList = cpus();
console.log(`agent-exec benchmark${Q ? " (--quick)" : ""}: ${selected.join(", ")}`);
console.log(`node ${process.version} on ${process.platform}-${process.arch}, kernel ${release()}`);
console.log(`${cpuList.length} CPU(s): ${cpuList[0]?.model ?? "unknown"}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free); load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`agent-exec ${JSON.parse(readFileSync(resolve(dirname(CLI), "../package.json"), "utf8")).version} from ${CLI}; temp dir ${work}`);
const doctor = await cli(ours, ["doctor"]);
console.log(`process-tree backend: ${doctor.json.backend.name} (${doctor.json.backend.version}); AGENT_EXEC_BACKEND=${process.env.AGENT_EXEC_BACKEND ?? "(unset)"}`);
for (const impl of IMPLS.slice(1)) console.log(`${impl.label}: ${impl.argv[0]} (${(await exec(impl.argv[0], ["--version"])).stdout.trim() || basename(impl.argv[0])})`);
console.log("");

const BENCHES = {
  run: benchRun,
  startup: benchStartup,
  kill: benchKill,
  memory: benchMemory,
  throughput: benchThroughput,
  wait: benchWaitLatency,
  jobs200: benchManyJobs,
  list: benchList,
  backends: async () => {
    await benchBackendLoad();
    await benchBackendTreeKill();
  },
};

const t = performance.now();
let failed = false;
for (const name of selected) {
  try {
    await BENCHES[name]();
  } catch (error) {
    failed = true;
    console.error(`\n${name} failed: ${error?.stack ?? error}`);
  }
}
console.log("");
printTable();
console.log("");
printBackendTable();
console.log(`\ntotal ${((performance.now() - t) / 1000).toFixed(1)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
cleanup();
const leftovers = Object.values(MARKS).flatMap((n) => pidsWithArgv(["sleep", n]));
if (leftovers.length > 0) {
  console.error(`left processes behind: ${leftovers.join(", ")}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
