#!/usr/bin/env node
// Benchmarks agent-exec against a plain baseline measured in the same run, side by side.
// Run with `npm run bench` (builds first). Linux only: it reads /proc. Everything it starts or
// writes lives under one temp directory and is removed at the end, also on failure or Ctrl-C.
//
//   (a) `run -- true` until its JSON is printed        vs  node spawnSync('true')
//   (b) workload exit → `wait --forever` returns       vs  a node parent's 'exit' event
//   (c) 200 MB of stdout lines, run start → exited     vs  cat FILE > OUT
//   (c2) the same with an output pattern (contains, regex) vs (c) without one
//   (d) supervisor peak RSS (VmHWM)                    vs  an idle node process
//   (e) `kill` of a 50-process tree until all are gone vs  kill -TERM -PGID
// and the process-tree backends side by side (native addon vs koffi), in a second table:
//   (f) load cost: import + create the backend, then its first signalTree, in fresh node processes
//   (g) signalTree on a 50-process tree: until the call returns, and until no process is left
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli.js");
const TOTAL_BUDGET_MS = 300_000; // hard stop: clean up and fail rather than hang
const STARTUP_WARMUPS = 2;
const STARTUP_RUNS = 15;
const LATENCY_RUNS = 5;
const LATENCY_DELAY_MS = 1000;
const THROUGHPUT_RUNS = 3;
const DATA_RANDOM_BYTES = 150_000_000; // base64 → ~200 MB of 76-character lines
const TREE_SIZE = 50;
const BACKENDS = ["addon", "koffi"];
const LOAD_RUNS = 15;
const TREE_KILL_RUNS = 5;
const DIST = resolve(dirname(CLI));

if (process.platform !== "linux") {
  console.error("bench.mjs reads /proc and needs Linux");
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`npm run build\` first (npm run bench does)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "agent-exec-bench-"));
const root = join(work, "jobs");
const dataFile = join(work, "data.txt");
mkdirSync(root);

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

/** SIGKILLs every job's group and supervisor under the root and everything we started; removes the temp dir. */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const id of safeReaddir(root)) {
    const state = readJson(join(root, id, "state.json"));
    if (state?.pid > 1) {
      tryKill(-state.pid);
      tryKill(state.pid);
    }
    if (state?.supervisor_pid > 1 && isLive(state.supervisor_pid) && cmdline(state.supervisor_pid).includes("_supervise")) {
      tryKill(state.supervisor_pid);
    }
  }
  for (const pgid of ownGroups) tryKill(-pgid);
  for (const pid of ownPids) tryKill(pid);
  for (const n of ["3900", "3901", "3902", "3903", "3904"]) for (const pid of pidsWithArgv(["sleep", n])) tryKill(pid);
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
  console.error(`\nbench exceeded its ${TOTAL_BUDGET_MS / 1000} s budget: cleaning up`);
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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
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

function supervisorOf(jobId) {
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(entry);
    if (argv.includes("_supervise") && argv.includes(jobId) && isLive(Number(entry))) return Number(entry);
  }
  return undefined;
}

/** VmHWM (peak resident set) in KiB, or undefined once the process is gone. */
function vmHwmKiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

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
        resolvePromise({ code, signal, stdout, stderr, startAt, lineAt, exitAt, exitWall, pid: child.pid });
      });
    });
  });
}

/** The CLI, checked: exit 0 and one JSON envelope with ok: true. */
async function agentExec(args, options = {}) {
  const result = await exec(process.execPath, [CLI, ...args], options);
  let json;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    // reported below
  }
  if (result.code !== 0 || !json?.ok) {
    throw new Error(`agent-exec ${args.join(" ")} failed (exit ${result.code}): ${result.stdout}${result.stderr}`);
  }
  return { ...result, json };
}

/** Waits until the supervisors of the given jobs have exited, so one measurement does not disturb the next. */
async function settle(ids) {
  await until(() => ids.every((id) => !supervisorOf(id)), "supervisors to exit", 15_000, 20);
}

function removeJob(id) {
  rmSync(join(root, id), { recursive: true, force: true });
}

// ---------------------------------------------------------------- statistics and output

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const min = (xs) => Math.min(...xs);
const max = (xs) => Math.max(...xs);

const rows = [];
function row(label, ours, baseline, unit, note = "") {
  rows.push({ label, ours, baseline, unit, note });
}
const fmt = (value, unit) => {
  if (unit === "MB/s") return `${value.toFixed(0)} MB/s`;
  if (unit === "MiB") return `${value.toFixed(1)} MiB`;
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
};

function printTable() {
  const header = ["measurement", "agent-exec", "baseline", "ratio", "notes"];
  const body = rows.map((r) => [r.label, fmt(r.ours, r.unit), fmt(r.baseline, r.unit), `${(r.ours / r.baseline).toFixed(2)}x`, r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  console.log("ratio = agent-exec / baseline (for MB/s, below 1 means slower than the baseline)");
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

// ---------------------------------------------------------------- (a) startup

async function benchStartup() {
  log(`(a) run -- true: ${STARTUP_WARMUPS} warm-ups + ${STARTUP_RUNS} runs each`);
  const ours = [];
  const base = [];
  const ids = [];
  for (let i = 0; i < STARTUP_WARMUPS + STARTUP_RUNS; i++) {
    const r = await agentExec(["run", "--root", root, "--", "true"], { timeoutMs: 30_000 });
    if (r.json.state !== "exited" || r.json.exit_code !== 0) throw new Error(`run -- true ended ${r.stdout}`);
    ids.push(r.json.job_id);
    if (i >= STARTUP_WARMUPS) ours.push(r.lineAt - r.startAt);
    const b = await exec(process.execPath, ["-e", "require('child_process').spawnSync('true')"], { timeoutMs: 30_000 });
    if (b.code !== 0) throw new Error("baseline node -e failed");
    if (i >= STARTUP_WARMUPS) base.push(b.exitAt - b.startAt);
  }
  await settle(ids);
  ids.forEach(removeJob);
  row("(a) run -- true → JSON printed, median", median(ours), median(base), "ms", `n=${STARTUP_RUNS}; ours ${min(ours).toFixed(0)}–${max(ours).toFixed(0)} ms; base: node spawnSync('true')`);
}

// ---------------------------------------------------------------- (b) exit → wait latency

const WORKLOAD = (file) => `setTimeout(() => { require("fs").writeFileSync(${JSON.stringify(file)}, String(Date.now())) }, ${LATENCY_DELAY_MS})`;

async function benchWaitLatency() {
  log(`(b) workload exit → wait returns: ${LATENCY_RUNS} runs each`);
  const ours = [];
  const base = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const stamp = join(work, `stamp-${i}`);
    const started = await agentExec(["run", "--root", root, "--no-wait", "--", process.execPath, "-e", WORKLOAD(stamp)], { timeoutMs: 30_000 });
    const id = started.json.job_id;
    const waited = await agentExec(["wait", "--root", root, "--forever", id], { timeoutMs: 30_000 });
    if (waited.json.state !== "exited") throw new Error(`wait reported ${waited.stdout}`);
    const wrote = Number(readFileSync(stamp, "utf8"));
    ours.push(waited.exitWall - wrote);
    await settle([id]);
    removeJob(id);

    const baseStamp = join(work, `base-stamp-${i}`);
    const b = await exec(process.execPath, ["-e", WORKLOAD(baseStamp)], { timeoutMs: 30_000 });
    base.push(b.exitWall - Number(readFileSync(baseStamp, "utf8")));
  }
  row("(b) workload exit → `wait` returns, median", median(ours), median(base), "ms", `n=${LATENCY_RUNS}; ours ${min(ours)}–${max(ours)} ms; base: parent's 'exit' event`);
}

// ---------------------------------------------------------------- (c) throughput

async function makeData() {
  log(`generating ${DATA_RANDOM_BYTES / 1e6} MB of random bytes as base64 lines`);
  const r = await exec("sh", ["-c", `head -c ${DATA_RANDOM_BYTES} /dev/urandom | base64 > '${dataFile}'`], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`could not generate data: ${r.stderr}`);
  return statSync(dataFile).size;
}

/** MB/s of `run … -- cat dataFile` until `wait` says exited; `extra` are more run flags. */
async function ourThroughput(size, extra = []) {
  const t0 = performance.now();
  const started = await agentExec(["run", "--root", root, "--no-wait", ...extra, "--", "cat", dataFile], { timeoutMs: 60_000 });
  const id = started.json.job_id;
  const waited = await agentExec(["wait", "--root", root, "--forever", id], { timeoutMs: 90_000 });
  const seconds = (waited.exitAt - t0) / 1000;
  if (waited.json.state !== "exited" || waited.json.stdout_total_bytes !== size) {
    throw new Error(`the job did not copy all ${size} bytes: ${waited.stdout}`);
  }
  await settle([id]);
  const fullLogBytes = statSync(join(root, id, "full.log")).size;
  removeJob(id);
  return { mbps: size / 1e6 / seconds, fullLogBytes };
}

async function benchThroughput(size) {
  log(`(c) ${(size / 1e6).toFixed(0)} MB through stdout: ${THROUGHPUT_RUNS} runs each`);
  const ours = [];
  const base = [];
  let fullLogBytes = 0;
  for (let i = 0; i < THROUGHPUT_RUNS; i++) {
    const run = await ourThroughput(size);
    ours.push(run.mbps);
    fullLogBytes = run.fullLogBytes;

    const out = join(work, "cat-out.txt");
    const b = await exec("sh", ["-c", `cat '${dataFile}' > '${out}'`], { timeoutMs: 60_000 });
    if (b.code !== 0 || statSync(out).size !== size) throw new Error("baseline cat failed");
    base.push(size / 1e6 / ((b.exitAt - b.startAt) / 1000));
    rmSync(out);
  }
  row(
    "(c) 200 MB stdout lines: run → wait says exited",
    median(ours),
    median(base),
    "MB/s",
    `n=${THROUGHPUT_RUNS}; ours writes stdout.log + full.log (${(fullLogBytes / 1e6).toFixed(0)} MB); base: cat FILE > OUT`,
  );
  return median(ours);
}

// ---------------------------------------------------------------- (c2) output matching

/** The cost of an output pattern: every line is decoded and tested; none matches, so no sink runs. */
async function benchOutputMatch(size, plain) {
  for (const [label, flags] of [
    ["contains", ["--output-pattern", "no such text"]],
    ["regex", ["--output-pattern", "^zz[0-9]{3}zz$", "--output-match-type", "regex"]],
  ]) {
    log(`(c2) ${(size / 1e6).toFixed(0)} MB with a ${label} output pattern: ${THROUGHPUT_RUNS} runs`);
    const ours = [];
    for (let i = 0; i < THROUGHPUT_RUNS; i++) ours.push((await ourThroughput(size, flags)).mbps);
    row(`(c2) 200 MB stdout lines, ${label} output pattern`, median(ours), plain, "MB/s", `n=${THROUGHPUT_RUNS}; no line matches; base: (c) without a pattern, this run`);
  }
}

// ---------------------------------------------------------------- (d) supervisor memory

/** Polls a process's VmHWM until it exits (or `stopWhen` says so); returns the last (highest) value. */
async function trackPeak(pid, stopWhen = () => false) {
  let peak = 0;
  for (;;) {
    const hwm = vmHwmKiB(pid);
    if (hwm === undefined || !isLive(pid)) return peak;
    peak = Math.max(peak, hwm);
    if (stopWhen()) return peak;
    await sleep(10);
  }
}

async function benchMemory() {
  log("(d) supervisor peak RSS: a 200 MB output job and an idle sleep job at the same time");
  const idle = await agentExec(["run", "--root", root, "--no-wait", "--", "sleep", "3902"], { timeoutMs: 30_000 });
  const busy = await agentExec(["run", "--root", root, "--no-wait", "--", "cat", dataFile], { timeoutMs: 30_000 });
  const idleSupervisor = supervisorOf(idle.json.job_id);
  const busySupervisor = supervisorOf(busy.json.job_id);
  if (!idleSupervisor) throw new Error("could not find the idle job's _supervise process in /proc");
  const waiting = agentExec(["wait", "--root", root, "--forever", busy.json.job_id], { timeoutMs: 90_000 });
  // The busy supervisor may already be gone if the copy was very fast; then its peak is unknown.
  const busyPeak = busySupervisor ? await trackPeak(busySupervisor) : 0;
  await waiting;
  const idlePeak = vmHwmKiB(idleSupervisor);
  await agentExec(["kill", "--root", root, idle.json.job_id], { timeoutMs: 30_000 });
  await settle([idle.json.job_id, busy.json.job_id]);
  removeJob(idle.json.job_id);
  removeJob(busy.json.job_id);

  const node = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"], { stdio: "ignore" });
  ownPids.add(node.pid);
  await sleep(1000);
  const basePeak = vmHwmKiB(node.pid);
  tryKill(node.pid);
  ownPids.delete(node.pid);
  if (!basePeak || !idlePeak) throw new Error("could not read VmHWM");

  if (busyPeak) row("(d) supervisor VmHWM, 200 MB output job", busyPeak / 1024, basePeak / 1024, "MiB", "base: idle node -e setTimeout");
  row("(d) supervisor VmHWM, idle sleep job", idlePeak / 1024, basePeak / 1024, "MiB", "read while both jobs ran");
}

// ---------------------------------------------------------------- (e) killing a wide tree

const TREE_SCRIPT = (n) => `for i in $(seq ${TREE_SIZE}); do sleep ${n} & done; wait`;

async function benchKill() {
  log(`(e) ending a ${TREE_SIZE}-process tree`);
  const job = await agentExec(["run", "--root", root, "--no-wait", "--", TREE_SCRIPT(3900)], { timeoutMs: 30_000 });
  const sleepers = await until(() => {
    const pids = pidsWithArgv(["sleep", "3900"]);
    return pids.length === TREE_SIZE ? pids : undefined;
  }, `${TREE_SIZE} sleep processes of the job`);
  // /proc is polled while `kill` runs, so "none left" is when the tree vanished, not when kill returned.
  const t0 = performance.now();
  const killing = agentExec(["kill", "--root", root, job.json.job_id], { timeoutMs: 30_000 });
  await until(() => sleepers.every((pid) => !isLive(pid)), "the job's sleeps to end", 15_000, 1);
  const ours = performance.now() - t0;
  const killed = await killing;
  const killReturned = killed.exitAt - t0;
  if (killed.json.state !== "killed") throw new Error(`kill reported ${killed.stdout}`);
  await settle([job.json.job_id]);
  removeJob(job.json.job_id);

  const tree = spawn("sh", ["-c", TREE_SCRIPT(3901)], { detached: true, stdio: "ignore" });
  ownGroups.add(tree.pid);
  const baseSleepers = await until(() => {
    const pids = pidsWithArgv(["sleep", "3901"]);
    return pids.length === TREE_SIZE ? pids : undefined;
  }, `${TREE_SIZE} sleep processes of the baseline tree`);
  const b0 = performance.now();
  const b = await exec("sh", ["-c", `kill -TERM -${tree.pid}`], { timeoutMs: 30_000 });
  if (b.code !== 0) throw new Error(`kill -TERM -${tree.pid} failed: ${b.stderr}`);
  await until(() => baseSleepers.every((pid) => !isLive(pid)), "the baseline sleeps to end", 15_000, 1);
  const base = performance.now() - b0;
  ownGroups.delete(tree.pid);

  row(`(e) kill ${TREE_SIZE}-process tree → none left`, ours, base, "ms", `ours: \`kill\` CLI exited after ${killReturned.toFixed(0)} ms (it also waits for the recorded outcome); base: sh -c 'kill -TERM -PGID'`);
}

// ---------------------------------------------------------------- (f) backend load cost

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
  log(`(f) backend load cost: ${LOAD_RUNS} fresh node processes per backend, interleaved`);
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
  const spread = (m) => BACKENDS.map((b) => `${b} ${min(m[b]).toFixed(2)}–${max(m[b]).toFixed(2)}`).join(", ");
  backendRows.push({ label: "(f) load: import + create, median", values: med(load), note: `n=${LOAD_RUNS}; ${spread(load)} ms` });
  backendRows.push({ label: "(f) first signalTree (gone pid), median", values: med(first), note: "koffi binds libc here" });
  const total = Object.fromEntries(BACKENDS.map((b) => [b, median(load[b].map((x, i) => x + first[b][i]))]));
  backendRows.push({ label: "(f) load + first signalTree, median", values: total, note: "what a `kill` pays once" });
}

// ---------------------------------------------------------------- (g) signalTree on a wide tree

async function benchBackendTreeKill() {
  log(`(g) signalTree on a ${TREE_SIZE}-process tree: ${TREE_KILL_RUNS} runs per backend, interleaved`);
  const { loadBackend } = await import(pathToFileURL(join(DIST, "platform/process-tree.js")).href);
  const { resolveSignal } = await import(pathToFileURL(join(DIST, "platform/signals.js")).href);
  const term = resolveSignal("TERM");
  const backends = Object.fromEntries(await Promise.all(BACKENDS.map(async (b) => [b, await loadBackend(b)])));
  const returned = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  const none = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  for (let i = 0; i < TREE_KILL_RUNS; i++) {
    for (const [k, name] of BACKENDS.entries()) {
      const marker = String(3903 + k);
      const tree = spawn("sh", ["-c", TREE_SCRIPT(marker)], { detached: true, stdio: "ignore" });
      ownGroups.add(tree.pid);
      const exited = new Promise((r) => tree.once("exit", r));
      const sleepers = await until(() => {
        const pids = pidsWithArgv(["sleep", marker]);
        return pids.length === TREE_SIZE ? pids : undefined;
      }, `${TREE_SIZE} sleep processes for ${name}`);
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
  backendRows.push({ label: `(g) signalTree, ${TREE_SIZE}-process tree: call returns`, values: med(returned), note: `n=${TREE_KILL_RUNS}; one kill(-pgid) either way` });
  backendRows.push({ label: `(g) signalTree, ${TREE_SIZE}-process tree: none left`, values: med(none), note: "polled in /proc every 1 ms" });
}

// ---------------------------------------------------------------- main

const cpuList = cpus();
console.log("agent-exec benchmark");
console.log(`node ${process.version} on ${process.platform}-${process.arch}, kernel ${release()}`);
console.log(`${cpuList.length} CPU(s): ${cpuList[0]?.model ?? "unknown"}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free); load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`agent-exec ${JSON.parse(readFileSync(resolve(dirname(CLI), "../package.json"), "utf8")).version} from ${CLI}; temp dir ${work}`);
const doctor = await agentExec(["doctor", "--root", root]);
console.log(`process-tree backend for (a)–(e): ${doctor.json.backend.name} (${doctor.json.backend.version}); AGENT_EXEC_BACKEND=${process.env.AGENT_EXEC_BACKEND ?? "(unset)"}`);
console.log("");

const t = performance.now();
let failed = false;
try {
  await benchStartup();
  await benchWaitLatency();
  const size = await makeData();
  const plain = await benchThroughput(size);
  await benchOutputMatch(size, plain);
  await benchMemory();
  await benchKill();
  await benchBackendLoad();
  await benchBackendTreeKill();
} catch (error) {
  failed = true;
  console.error(`\nbenchmark failed: ${error?.stack ?? error}`);
}
console.log("");
printTable();
console.log("");
printBackendTable();
console.log(`\ntotal ${((performance.now() - t) / 1000).toFixed(1)} s`);
cleanup();
const leftovers = ["3900", "3901", "3903", "3904"].flatMap((n) => pidsWithArgv(["sleep", n]));
if (leftovers.length > 0) {
  console.error(`left processes behind: ${leftovers.join(", ")}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
