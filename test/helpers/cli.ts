import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const CLI = resolve(import.meta.dirname, "../../dist/cli.cjs");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when it is not one JSON value. */
  json: any;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kill the CLI after this long (default 45 s, below vitest's 60 s test timeout, which cannot fire while spawnSync blocks). */
  timeoutMs?: number;
}

/**
 * Runs the built CLI synchronously and parses its stdout. `node -- cli.cjs` is what the CLI's
 * shebang does: without the `--`, Node 20 itself claims an `--env-file` meant for agent-exec
 * (nodejs/node#54232).
 */
export function cli(args: string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, ["--", CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 45_000,
    killSignal: "SIGKILL",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: parse(result.stdout) };
}

/** Same as cli(), without blocking the test process (for concurrency tests); `pid` is the CLI's process. */
export function cliAsync(args: string[], options: CliOptions = {}): Promise<CliResult> & { pid: number } {
  const child = spawn(process.execPath, ["--", CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
  const result = new Promise<CliResult>((done) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => done({ code, stdout, stderr, json: parse(stdout) }));
    child.stdin.end(options.input ?? "");
  });
  return Object.assign(result, { pid: child.pid! });
}

/**
 * True once process `pid` holds an inotify instance or a socket beyond its stdio: a CLI that
 * waits on a job (wait, run/start with --until) is connected to its supervisor's wake socket or
 * watches the job directory (src/observe/wake.ts), so it is waiting from then on. An event to wait
 * for instead of a guess at how long the CLI takes to start.
 */
export function isWatching(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target === "anon_inode:inotify" || (Number(fd) > 2 && target.startsWith("socket:"));
      } catch {
        return false; // closed meanwhile
      }
    });
  } catch {
    return false; // gone
  }
}

function parse(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** A temporary jobs root; call cleanup() in afterEach/afterAll. */
export function tempRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "agent-exec-test-"));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Polls `check` until it returns a truthy value or `ms` pass. The default is generous (half the
 * test timeout): it only turns a hang into a failure, and 10 s was outlasted on a loaded machine,
 * where one CLI start took 5 s.
 */
/** Polls `check` until it returns something truthy, and returns that. */
export async function eventually<T>(check: () => T | undefined | null | false | "" | 0, ms = 30_000, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
