import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { cli, cliAsync, eventually, tempRoot, type CliOptions, type CliResult } from "./cli.js";
import { isAlive, processesMatching, startedByThisRun } from "./procs.js";

// settledStatus and finishedSupervisor read one small file per check, so they look often: a job
// that ends is seen ~5 ms later instead of ~25 ms, at dozens of waits per file.
const POLL_MS = 10;

/** A fresh jobs root and working directory per test, with every job's processes reaped afterwards. */
export interface JobFixture {
  /** The jobs root passed as --root. */
  readonly root: string;
  /** A canonical temporary directory the CLI runs in (so jobs do not run in the repository). */
  readonly work: string;
  /** The CLI with `--root <root>` prepended, run in `work` unless options.cwd says otherwise. */
  x(args: string[], options?: CliOptions): CliResult;
  xAsync(args: string[], options?: CliOptions): Promise<CliResult> & { pid: number };
  /** Another temporary directory, removed after the test. */
  scratch(): string;
  jobDir(id: string): string;
  readState(id: string): any;
  readMeta(id: string): any;
  /** Backdates a finished job's finished_at/updated_at by `days`, for gc's retention window. */
  age(id: string, days: number): void;
  /**
   * Waits (reading state.json, which is cheaper than a CLI call per poll) until the supervisor has
   * recorded a terminal state, then returns what `status` reports.
   */
  settledStatus(id: string, limitMs?: number): Promise<any>;
  /**
   * Like settledStatus, and then also waits until the job's supervisor process has exited, i.e.
   * everything it does after the terminal state (notification deliveries) is done.
   */
  finishedSupervisor(id: string, limitMs?: number): Promise<any>;
}

/**
 * Registers beforeEach/afterEach hooks. `markers` are command-line fragments (e.g. "sleep 3711")
 * of processes this file may leave behind; afterEach SIGKILLs any that are left and that this
 * test run started (see procs.ts: never a stranger's process with the same command line), as well
 * as the process group of every job and every supervisor recorded under the root.
 */
export function useJobFixture(markers: string[] = []): JobFixture {
  let root = "";
  let work = "";
  const dirs: string[] = [];

  beforeEach(() => {
    const made = tempRoot();
    root = made.root;
    dirs.push(root);
    work = realpathSync(mkdtempSync(join(tmpdir(), "agent-exec-work-")));
    dirs.push(work);
  });

  afterEach(async () => {
    await reap(root, markers);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const fixture: JobFixture = {
    get root() {
      return root;
    },
    get work() {
      return work;
    },
    x: (args, options = {}) => cli(["--root", root, ...args], { cwd: work, ...options }),
    xAsync: (args, options = {}) => cliAsync(["--root", root, ...args], { cwd: work, ...options }),
    scratch: () => {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), "agent-exec-scratch-")));
      dirs.push(dir);
      return dir;
    },
    jobDir: (id) => join(root, id),
    readState: (id) => JSON.parse(readFileSync(join(root, id, "state.json"), "utf8")),
    readMeta: (id) => JSON.parse(readFileSync(join(root, id, "meta.json"), "utf8")),
    age: (id, days) => {
      const at = new Date(Date.now() - days * 86_400_000).toISOString();
      writeFileSync(join(root, id, "state.json"), JSON.stringify({ ...fixture.readState(id), finished_at: at, updated_at: at }));
    },
    settledStatus: async (id, limitMs = 20_000) => {
      await eventually(() => {
        try {
          return !["created", "running"].includes(fixture.readState(id).job.status);
        } catch {
          return false; // mid-replace on a platform without atomic rename, or not written yet
        }
      }, limitMs, POLL_MS);
      return ok(fixture.x(["status", id]), "status");
    },
    finishedSupervisor: async (id, limitMs = 20_000) => {
      const status = await fixture.settledStatus(id, limitMs);
      const pid = fixture.readState(id).supervisor_pid;
      if (typeof pid === "number") await eventually(() => !isAlive(pid), limitMs, POLL_MS);
      return status;
    },
  };
  return fixture;
}

/** Kills whatever the jobs under `root` and the given markers left running, and waits until it is gone. */
export async function reap(root: string, markers: string[]): Promise<void> {
  const supervisors: number[] = [];
  let names: string[] = [];
  try {
    names = existsSync(root) ? readdirSync(root) : [];
  } catch {
    names = [];
  }
  for (const name of names) {
    let state: any;
    try {
      state = JSON.parse(readFileSync(join(root, name, "state.json"), "utf8"));
    } catch {
      continue;
    }
    if (typeof state?.supervisor_pid === "number") supervisors.push(state.supervisor_pid);
    const pid = state?.pid;
    if (typeof pid === "number" && pid > 1 && (state.job?.status === "running" || state.job?.status === "created")) {
      signal(-pid); // the workload leads its own process group
      signal(pid);
    }
  }
  for (const pid of processesMatching(markers)) signal(pid);
  try {
    await eventually(
      () => supervisors.every((pid) => !isAlive(pid)) && processesMatching(markers).length === 0,
      5_000,
    );
  } catch {
    // best effort: a test that leaks will fail its own process assertions
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Pids of live processes this test run started whose argv is exactly `argv` (e.g. ["sleep", "3701"]). */
export function processesWithArgv(argv: string[]): number[] {
  const wanted = argv.join("\0");
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0$/, "");
      if (cmdline === wanted && startedByThisRun(Number(entry)) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Asserts the CLI printed exactly one JSON object on one line and returns it. */
export function oneJsonObject(result: CliResult): any {
  expect(result.stdout.endsWith("\n"), `stdout should end with a newline: ${JSON.stringify(result.stdout)}`).toBe(true);
  expect(result.stdout.split("\n").length, `stdout should be one line: ${JSON.stringify(result.stdout)}`).toBe(2);
  const value = JSON.parse(result.stdout);
  expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  return value;
}

/** Asserts a successful response of the given type and returns it. */
export function ok(result: CliResult, type: string): any {
  expect(result.code, `exit code; stdout=${result.stdout} stderr=${result.stderr}`).toBe(0);
  const value = oneJsonObject(result);
  expect(value).toMatchObject({ schema_version: "0.1", ok: true, type });
  return value;
}

/** Asserts an error envelope (exit 1) with the given code and returns its `error`. */
export function failed(result: CliResult, code: string): any {
  expect(result.code, `exit code; stdout=${result.stdout} stderr=${result.stderr}`).toBe(1);
  const value = oneJsonObject(result);
  expect(value).toMatchObject({ schema_version: "0.1", ok: false, type: "error", error: { code } });
  return value.error;
}

/** Asserts a usage error: exit 2 and nothing on stdout. */
export function usageError(result: CliResult): void {
  expect(result.code, `exit code; stdout=${result.stdout} stderr=${result.stderr}`).toBe(2);
  expect(result.stdout).toBe("");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
