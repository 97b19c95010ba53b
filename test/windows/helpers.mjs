// Shared helpers for the Windows leg (test/windows/*.test.mjs). These files run under the Windows
// node.exe (natively, or under Wine via scripts/windows-leg.mjs) with node's built-in test runner;
// vitest does not collect them. Only node:* built-ins and koffi are used.
//
// Every helper that starts a process uses pipes, never the test process's own stdio.
//
// What a pass under Wine shows: the CLI's Windows code paths (cmd.exe wrapping, cross-spawn's
// PATH/PATHEXT and cmd escaping, CRLF handling, named Job Objects opened from another process,
// QueryInformationJobObject, TerminateProcess, Toolhelp32, MoveFileEx rename rules) behave as the
// tests require with Wine's implementation of those APIs. What only a real Windows runner shows:
// libuv's own job with silent breakaway, conhost.exe, antivirus/indexer handles on state.json,
// access rules between sessions and integrity levels, and timing under a real scheduler.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const IS_WINDOWS = process.platform === "win32";
/** For `test(name, { skip: SKIP }, fn)`: these tests only mean something under a Windows node.exe. */
export const SKIP = !IS_WINDOWS && "Windows only (runs under Wine via scripts/windows-leg.mjs)";

/** A file: URL as a local path (C:\x on Windows), without node:url. */
function urlToPath(url) {
  const path = decodeURIComponent(url.pathname);
  return IS_WINDOWS ? path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\") : path;
}

export const REPO = urlToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");
export const DIST = join(REPO, "dist");
export const CLI = join(DIST, "cli.cjs");
export const NODE = process.execPath;

// Generous upper bounds for things that must happen *eventually*; a slow Wine run may need them.
// They only turn a hang into a failure; no test asserts how fast anything is.
export const EVENTUALLY_MS = 60_000;
/** How long heartbeat files must stay unchanged before a tree counts as ended. */
export const QUIET_MS = 1_500;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- temp dirs --------------------------------------------------------------------------------

/**
 * A fresh directory for one test file: `root` (the jobs root, always passed as --root) and `work`
 * (scripts and heartbeat files). Under Wine os.tmpdir() is inside the project's prefix.
 * Call cleanup() from after().
 */
export function makeSandbox(label) {
  const base = mkdtempSync(join(tmpdir(), `agent-exec-win-${label}-`));
  const root = join(base, "jobs");
  const work = join(base, "work");
  mkdirSync(root);
  mkdirSync(work);
  let n = 0;
  return {
    base,
    root,
    work,
    /** A new, empty subdirectory of work/ (one per test, so heartbeat files never mix). */
    subdir(name) {
      const dir = join(work, `${String(++n).padStart(2, "0")}-${name}`);
      mkdirSync(dir);
      return dir;
    },
    async cleanup() {
      if (process.env.AGENT_EXEC_WIN_KEEP === "1") {
        process.stderr.write(`note: kept ${base} (AGENT_EXEC_WIN_KEEP=1)\n`);
        return;
      }
      // End what a failed test may have left running (on Windows there is no `wineserver -k`),
      // then remove the files; a process that is still exiting may hold one: retry, then give up.
      // Only a process created before its pid file was written is the one that wrote it: Wine
      // hands a freed pid to the next process, and in a full leg that may be another test file's
      // supervisor (seen as "supervisor lost" in leftovers.test).
      const tree = await processTreeOfDist();
      for (const sub of existsSync(work) ? readdirSync(work) : []) {
        for (const [file, pid] of Object.entries(recordedPids(join(work, sub)))) {
          if (!isAlive(pid) || !createdBy(tree.processStartTime(pid), statSync(join(work, sub, file)).mtimeMs)) continue;
          try {
            process.kill(pid);
          } catch {
            // gone meanwhile
          }
        }
      }
      try {
        rmSync(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (error) {
        process.stderr.write(`note: could not remove ${base}: ${error.message}\n`);
      }
    },
  };
}

// --- the CLI ----------------------------------------------------------------------------------

function collect(child, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${what} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      let json;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** Runs `node.exe dist/cli.cjs ...args` with pipes; resolves { code, stdout, stderr, json }. */
export function cli(args, { env, timeoutMs = 120_000 } = {}) {
  const child = spawn(NODE, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], windowsHide: true, env });
  return collect(child, timeoutMs, `agent-exec ${args.join(" ")}`);
}

/** Like cli(), but asserts exit code 0 and an ok envelope, and returns the envelope. */
export async function cliOk(args, options) {
  const result = await cli(args, options);
  assert.equal(result.code, 0, `agent-exec ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.ok(result.json, `agent-exec ${args.join(" ")} printed no JSON: ${result.stdout}`);
  assert.equal(result.json.ok, true, `not ok: ${result.stdout}`);
  return result.json;
}

/**
 * A failed job's supervisor.log, if any, added to an envelope (as `supervisor_log`) so that an
 * assertion message that prints the envelope also says why the supervisor gave up.
 */
export function withSupervisorLog(root, envelope) {
  if (envelope?.state !== "failed" || !envelope.job_id) return envelope;
  try {
    return { ...envelope, supervisor_log: readFileSync(join(root, envelope.job_id, "supervisor.log"), "utf8") };
  } catch {
    return envelope;
  }
}

/** `run --root <root> [flags] -- ...command`; returns the run envelope. */
export async function runJob(root, command, flags = [], options) {
  return withSupervisorLog(root, await cliOk(["run", "--root", root, ...flags, "--", ...command], options));
}

/** `kill --root <root> [flags] <id>`; returns the kill envelope. */
export async function killJob(root, id, flags = [], options) {
  return withSupervisorLog(root, await cliOk(["kill", "--root", root, ...flags, id], options));
}

/** `run --no-wait`: returns as soon as the supervisor has started the workload; asserts it did. */
export async function startJob(root, command, flags = [], options) {
  const started = await runJob(root, command, ["--no-wait", ...flags], options);
  assert.equal(started.state, "running", `run --no-wait did not start the job: ${JSON.stringify(started)}`);
  return started;
}

/**
 * A node.exe that has already loaded dist/ (the CLI, every verb's module, and the koffi backend)
 * and waits for one line on stdin: the CLI arguments as a JSON array. It then runs cli.cjs with
 * them. A cold node.exe takes seconds to load the CLI under Wine; this one starts working within
 * milliseconds of being told to, which is what "kill right after run returns" needs.
 */
export async function warmCli() {
  const code = `
    const dist = ${JSON.stringify(new URL("../../dist/", import.meta.url).href)};
    const cliUrl = new URL("cli.cjs", dist);
    // cli.cjs compiles its one-file bundle (scripts/bundle.mjs) and runs it at once: compile the
    // same source under the same name now, so that its compile is a hit in V8's in-process cache.
    const { readFileSync } = await import("node:fs");
    const { Script } = await import("node:vm");
    const { default: nodeModule } = await import("node:module");
    const { fileURLToPath } = await import("node:url");
    const bundle = fileURLToPath(new URL("bundle/cli.cjs", dist));
    new Script(nodeModule.wrap(readFileSync(bundle, "utf8").replace(/^#!.*/, "")), { filename: bundle });
    await (await import(new URL("platform/process-tree.js", dist).href)).processTree();
    process.stdout.write("ready\\n");
    let line = "";
    process.stdin.setEncoding("utf8");
    for await (const chunk of process.stdin) { line += chunk; if (line.includes("\\n")) break; }
    process.stdin.pause();
    process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...JSON.parse(line)];
    globalThis.__warmStart = performance.now();
    await import(cliUrl.href);
  `;
  const child = spawn(NODE, ["--input-type=module", "-e", code], { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const closed = new Promise((resolve) => child.once("close", (code) => resolve(code)));
  const deadline = Date.now() + EVENTUALLY_MS;
  while (!stdout.startsWith("ready\n")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`warm CLI did not get ready: ${stdout}\n${stderr}`);
    }
    await sleep(20);
  }
  return {
    /** Runs the CLI with `args` now; resolves like cli(). */
    async run(args, timeoutMs = 120_000) {
      child.stdin.end(`${JSON.stringify(args)}\n`);
      let timer;
      const code = await Promise.race([
        closed,
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            child.kill();
            reject(new Error(`warm agent-exec ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
          }, timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      const out = stdout.slice("ready\n".length);
      let json;
      try {
        json = JSON.parse(out);
      } catch {
        json = undefined;
      }
      return { code, stdout: out, stderr, json: json && args.includes("--root") ? withSupervisorLog(args[args.indexOf("--root") + 1], json) : json };
    },
    dispose() {
      if (child.exitCode === null) child.kill();
    },
  };
}

// --- the job store --------------------------------------------------------------------------------

export function jobDir(root, id) {
  return join(root, id);
}

export function readState(root, id) {
  return JSON.parse(readFileSync(join(root, id, "state.json"), "utf8"));
}

export function readStateText(root, id) {
  return readFileSync(join(root, id, "state.json"), "utf8");
}

/** Polls `check` until it returns a truthy value (returned) or EVENTUALLY_MS passes (fails with `what`). */
export async function eventually(what, check, { timeoutMs = EVENTUALLY_MS, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last.message})` : ""}`);
    await sleep(intervalMs);
  }
}

export function waitForState(root, id, predicate, what = "state") {
  return eventually(`job ${id}: ${what}`, () => {
    const state = readState(root, id);
    return predicate(state) ? state : undefined;
  });
}

export const isTerminal = (state) => ["exited", "killed", "failed"].includes(state.job.status);

// --- processes ------------------------------------------------------------------------------------

/** process.kill(pid, 0): true while the process exists. */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

// --- workload scripts -----------------------------------------------------------------------------

// The scripts live in test/fixtures/windows/ (each says what it does); a test copies the ones it
// runs into its own directory, where they find each other (tree.mjs starts <dir>/heartbeat.mjs).
const FIXTURES = join(REPO, "test", "fixtures", "windows");

/** Copies the named fixture scripts (e.g. "heartbeat.mjs") into `dir`. */
export function copyFixtures(dir, ...names) {
  for (const name of names) copyFileSync(join(FIXTURES, name), join(dir, name));
}

/** Copies heartbeat.mjs and tree.mjs into `dir`; returns the workload argv for `plan`. */
export function treeWorkload(dir, plan) {
  copyFixtures(dir, "heartbeat.mjs", "tree.mjs");
  return [NODE, join(dir, "tree.mjs"), dir, plan];
}

/** The heartbeat script alone: `[node, heartbeat.mjs, dir, name, ...rest]`. */
export function heartbeatCommand(dir, name, ...rest) {
  copyFixtures(dir, "heartbeat.mjs");
  return [NODE, join(dir, "heartbeat.mjs"), dir, name, ...rest];
}

/** { name: pid } from every <name>.pid and <name>.spawned file in `dir`. */
/** The process-tree backend of the build under test (the CLI's own identity source). */
export async function processTreeOfDist() {
  return (await import(new URL("../../dist/platform/process-tree.js", import.meta.url).href)).processTree();
}

/** Whether a process with this start time (FILETIME ticks) existed when `writtenMs` was written. */
function createdBy(startTicks, writtenMs) {
  if (startTicks === null) return false; // not readable: not provably the recorded process
  const createdMs = Number(BigInt(startTicks) / 10000n) - 11644473600000;
  return createdMs <= writtenMs + 50;
}

export function recordedPids(dir) {
  const pids = {};
  for (const file of readdirSync(dir)) {
    const m = /^(.+)\.(pid|spawned)$/.exec(file);
    if (!m) continue;
    const pid = Number(readFileSync(join(dir, file), "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) pids[`${m[1]}.${m[2]}`] = pid;
  }
  return pids;
}

function heartbeats(dir) {
  const beats = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".hb")) continue;
    try {
      beats[file] = readFileSync(join(dir, file), "utf8");
    } catch {
      beats[file] = "<unreadable>";
    }
  }
  return beats;
}

/** Waits until every name in `names` has written its pid file and beaten at least twice. */
export function waitForBeats(dir, names) {
  return eventually(`heartbeats of ${names.join(", ")} in ${dir}`, () =>
    names.every((name) => existsSync(join(dir, `${name}.pid`)) && Number(readFileSync(join(dir, `${name}.hb`), "utf8")) >= 2),
  );
}

/**
 * The tree is gone: no heartbeat file changes for QUIET_MS and process.kill(pid, 0) throws for every
 * recorded pid (and for `extraPids`). Retries until EVENTUALLY_MS, then fails listing the survivors.
 */
export async function assertTreeGone(dir, extraPids = {}) {
  // Once kill or the timeout has been recorded, the tree is ended already: 20 s is plenty.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const before = heartbeats(dir);
    await sleep(QUIET_MS);
    const after = heartbeats(dir);
    const changed = Object.keys(after).filter((file) => after[file] !== before[file]);
    const pids = { ...recordedPids(dir), ...extraPids };
    const alive = Object.entries(pids).filter(([, pid]) => isAlive(pid));
    if (changed.length === 0 && alive.length === 0) return { pids, heartbeats: after };
    if (Date.now() > deadline) {
      assert.fail(
        `processes of the tree survived: heartbeats still changing: [${changed.join(", ")}]; ` +
          `alive: ${JSON.stringify(Object.fromEntries(alive))}; recorded: ${JSON.stringify(pids)}`,
      );
    }
  }
}

// --- kernel32 through koffi (the test's own view of Job Objects and processes) ------------------------

const JOB_OBJECT_ALL_ACCESS = 0x1f001f;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const SYNCHRONIZE = 0x00100000;
const STILL_ACTIVE = 259;

let kernel32;
async function k32() {
  if (kernel32) return kernel32;
  const koffi = (await import("koffi")).default;
  const lib = koffi.load("kernel32.dll");
  kernel32 = {
    OpenJobObjectW: lib.func("void * __stdcall OpenJobObjectW(uint32 access, bool inherit, str16 name)"),
    QueryInformationJobObject: lib.func(
      "bool __stdcall QueryInformationJobObject(void *job, int infoClass, _Out_ uint8_t *info, uint32 length, _Out_ uint32 *returned)",
    ),
    OpenProcess: lib.func("void * __stdcall OpenProcess(uint32 access, bool inherit, uint32 pid)"),
    GetExitCodeProcess: lib.func("bool __stdcall GetExitCodeProcess(void *process, _Out_ uint32 *code)"),
    CloseHandle: lib.func("bool __stdcall CloseHandle(void *handle)"),
    GetLastError: lib.func("uint32 __stdcall GetLastError()"),
  };
  return kernel32;
}

/**
 * Opens the Job Object by name (as `kill` does). Returns null when no such job exists, otherwise
 * { pids(): number[] (the job's process ids), close() }.
 */
export async function openJob(name) {
  const api = await k32();
  const job = api.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, false, name);
  if (!job) return null;
  return {
    pids() {
      const buffer = Buffer.alloc(8 + 1024 * 8);
      assert.ok(api.QueryInformationJobObject(job, 3, buffer, buffer.length, [0]), `QueryInformationJobObject: error ${api.GetLastError()}`);
      const count = buffer.readUInt32LE(4);
      return Array.from({ length: count }, (_, i) => Number(buffer.readBigUInt64LE(8 + i * 8)));
    },
    close() {
      api.CloseHandle(job);
    },
  };
}

/**
 * Watches `root` for the next job directory to appear and collects every pid seen in its Job
 * Object (polled every 25 ms) until stop(), which resolves { id, members }. For jobs started with
 * a waiting `run`, whose id is only printed at the end.
 */
export function collectJobMembers(root) {
  const known = new Set(readdirSync(root));
  const members = new Set();
  let stopped = false;
  let id;
  const done = (async () => {
    while (!stopped) {
      id ??= readdirSync(root).find((name) => !known.has(name) && /^[0-9A-Z]{26}$/.test(name));
      const job = id ? await openJob(`AgentExec-${id}`) : null;
      if (job) {
        try {
          for (const pid of job.pids()) members.add(pid);
        } finally {
          job.close();
        }
      }
      await sleep(25);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { id, members: [...members] };
    },
  };
}

/**
 * Keeps a handle to a live process so its exit code stays readable after it ends.
 * exitCode(): null while it runs, else its exit code. Throws if the process cannot be opened.
 */
export async function watchProcess(pid) {
  const api = await k32();
  const handle = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, false, pid);
  assert.ok(handle, `OpenProcess(${pid}) failed with error ${api.GetLastError()}`);
  return {
    exitCode() {
      const code = [0];
      assert.ok(api.GetExitCodeProcess(handle, code), `GetExitCodeProcess(${pid}): error ${api.GetLastError()}`);
      return code[0] === STILL_ACTIVE ? null : code[0];
    },
    close() {
      api.CloseHandle(handle);
    },
  };
}

