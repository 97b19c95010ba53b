#!/usr/bin/env node
// Benchmarks the dashboard's endpoints on a real `agent-exec serve` (build first: npm run build).
//   (a) a busy job's log copy throughput (bytes of stdout.log / the job's duration) with 50
//       concurrent /dashboard/stream viewers vs none, alternating runs; the ratio of the medians
//   (b) /dashboard/jobs with 1,000 jobs in the root: the first page (a fresh scan), the last page
//       by cursor right after it (sharing that scan), and `GET /jobs?limit=0` (every row) beside it
// Everything lives under one temp directory, removed at the end (also on failure or Ctrl-C).
// Usage: node scripts/bench-dashboard.mjs [--mb 60] [--viewers 50] [--runs 3] [--jobs 1000]
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ulid } from "ulid";

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli.cjs");
const { values } = parseArgs({
  options: { mb: { type: "string", default: "60" }, viewers: { type: "string", default: "50" }, runs: { type: "string", default: "3" }, jobs: { type: "string", default: "1000" } },
});
const MB = Number(values.mb);
const VIEWERS = Number(values.viewers);
const RUNS = Number(values.runs);
const JOBS = Number(values.jobs);
const PAGE_RUNS = 10;

const base = mkdtempSync(join(tmpdir(), "agent-exec-bench-dashboard-"));
const root = join(base, "jobs");
const children = [];
const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(base, { recursive: true, force: true });
};
process.once("SIGINT", () => {
  cleanup();
  process.exit(130);
});

const cli = (args) => {
  const r = spawnSync(process.execPath, [CLI, "--root", root, ...args], { cwd: base, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`agent-exec ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
};
/** The same without blocking this process, whose viewers must keep reading meanwhile. */
const cliAsync = (args) =>
  new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, "--root", root, ...args], { cwd: base, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.once("exit", (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`agent-exec ${args.join(" ")}: ${out}`))));
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startServer() {
  const child = spawn(process.execPath, [CLI, "--root", root, "serve", "--port", "0"], { cwd: base, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, AGENT_EXEC_SERVE_TOKEN: "", AGENT_EXEC_TOKEN: "" } });
  children.push(child);
  const line = await new Promise((ok) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) ok(out.split("\n")[0]);
    });
  });
  return JSON.parse(line).url;
}

/** One viewer: reads the stream to its end, discarding it; resolves with the bytes of events read. */
async function viewer(url, id, signal) {
  const res = await fetch(`${url}/dashboard/stream/${id}?stdout=0&stderr=0`, { signal });
  let bytes = 0;
  for await (const chunk of res.body) bytes += chunk.length;
  return bytes;
}

async function busyRun(url, viewers) {
  // Lines of log text as fast as the workload can write them; the supervisor copies each to two logs.
  const job = cli(["run", "--until", "0", "--", "sh", "-c", `yes 'bench line: the quick brown fox jumps over the lazy dog 0123456789' | head -c ${MB * 1_000_000}`]);
  const stop = new AbortController();
  const reading = Array.from({ length: viewers }, () => viewer(url, job.job_id, stop.signal).catch(() => 0));
  const done = await cliAsync(["wait", "--forever", job.job_id]);
  const streamed = await Promise.all(reading);
  const state = JSON.parse(readFileSync(join(root, job.job_id, "state.json"), "utf8"));
  if (done.state !== "exited") throw new Error(`busy job ended ${done.state}`);
  const seconds = state.result.duration_ms / 1000;
  return { mbPerS: MB / seconds, streamedMb: streamed.reduce((a, b) => a + b, 0) / 1e6 };
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function getJson(url) {
  // Once more on a socket error: a pooled connection the server closed while idle (keep-alive race).
  const res = await fetch(url).catch(() => fetch(url));
  const body = await res.json();
  if (!body.ok) throw new Error(JSON.stringify(body));
  return body;
}

try {
  console.log(`# bench-dashboard: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}, node ${process.version}`);
  const url = await startServer();

  // (a) alternate none / VIEWERS so drifting machine load hits both alike
  const alone = [];
  const watched = [];
  let streamedMb = 0;
  for (let i = 0; i < RUNS; i++) { // --runs 0 skips (a)
    alone.push((await busyRun(url, 0)).mbPerS);
    const w = await busyRun(url, VIEWERS);
    watched.push(w.mbPerS);
    streamedMb = w.streamedMb;
  }
  if (RUNS > 0) {
    const ratio = median(watched) / median(alone);
    console.log(`(a) busy job, ${MB} MB of stdout, ${RUNS} runs each:`);
    console.log(`    no viewers:        ${alone.map((x) => x.toFixed(1)).join(", ")} MB/s (median ${median(alone).toFixed(1)})`);
    console.log(`    ${VIEWERS} stream viewers: ${watched.map((x) => x.toFixed(1)).join(", ")} MB/s (median ${median(watched).toFixed(1)}); they received ${streamedMb.toFixed(1)} MB of events in the last run`);
    console.log(`    throughput ratio (viewers / none): ${ratio.toFixed(2)}`);
  }

  // (b) 1,000 jobs: copies of one finished job under fresh ids (what list reads: meta.json, state.json)
  const template = cli(["run", "--tag", "bench", "--", "echo", "hello"]).job_id;
  const existing = readdirSync(root).length;
  for (let i = existing; i < JOBS; i++) {
    const id = ulid();
    cpSync(join(root, template), join(root, id), { recursive: true });
    for (const file of ["meta.json", "state.json"]) {
      const path = join(root, id, file);
      writeFileSync(path, readFileSync(path, "utf8").replaceAll(template, id));
    }
  }
  const jobs = readdirSync(root).length;
  const first = [];
  const last = [];
  const everything = [];
  let lastCursor;
  {
    let cursor;
    do {
      const page = await getJson(`${url}/dashboard/jobs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      lastCursor = cursor;
      cursor = page.next_cursor;
    } while (cursor);
  }
  for (let i = 0; i < PAGE_RUNS; i++) {
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s in which requests share a scan
    first.push(await timed(() => getJson(`${url}/dashboard/jobs?limit=100`)));
    last.push(await timed(() => getJson(`${url}/dashboard/jobs?limit=100&cursor=${encodeURIComponent(lastCursor)}`)));
    everything.push(await timed(() => getJson(`${url}/jobs?limit=0`)));
  }
  console.log(`(b) ${jobs} jobs in the root, ${PAGE_RUNS} requests each (median):`);
  console.log(`    /dashboard/jobs first page of 100 (a fresh scan):        ${median(first).toFixed(0)} ms`);
  console.log(`    /dashboard/jobs last page of 100 (right after: shared): ${median(last).toFixed(0)} ms`);
  console.log(`    /jobs?limit=0 (list, all ${jobs} rows):                  ${median(everything).toFixed(0)} ms`);
} finally {
  cleanup();
}
