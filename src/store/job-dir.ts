import { closeSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AgentExecError, ioError, isAgentExecError } from "../protocol/errors.js";
import { readJsonFile, writeJsonAtomic } from "./atomic.js";
import { waitLock } from "./file-lock.js";
import { makePrivateDir, openJobFile } from "./job-file.js";
import { STORED_ID, validateUserJobId } from "./job-id.js";
import { checkRoot } from "./root.js";
import { JOB_STATUSES, type JobMeta, type JobState } from "./types.js";
import { pidProblem } from "../platform/tree-errors.js";
import { now } from "../time.js";

// A meta.json change takes milliseconds; a holder this slow is stuck.
const META_LOCK_WAIT_MS = 5000;

export const LOG_FILES = ["stdout.log", "stderr.log", "full.log"] as const;
/** Where the supervisor records job.finished and job.output.matched deliveries (src/notify/). */
export const COMPLETION_EVENT_FILE = "completion_event.json";
export const NOTIFICATION_EVENTS_FILE = "notification_events.ndjson";
/** The real --env pairs of a `create`d job with masked values, for start/restart (0600, never in meta.json). */
const SECRETS_FILE = "secrets.json";
/** The workload's materialized stdin; meta.json's stdin_file names it. */
export const STDIN_FILE = "stdin.bin";

/** One job's directory under the root. Holds paths and reads/writes its JSON files; spawns nothing. */
export class JobDir {
  constructor(
    readonly root: string,
    readonly id: string,
  ) {}

  get path(): string {
    return join(this.root, this.id);
  }
  file(name: string): string {
    return join(this.path, name);
  }
  get stdoutPath(): string {
    return this.file("stdout.log");
  }
  get stderrPath(): string {
    return this.file("stderr.log");
  }
  /** The interleaved log: in the job directory unless --log put it elsewhere. */
  fullLogPath(meta: JobMeta): string {
    return meta.full_log_path ?? this.file("full.log");
  }
  /** The workload's materialized stdin, when it has one. */
  get stdinPath(): string {
    return this.file(STDIN_FILE);
  }

  readMeta(): JobMeta {
    const meta = readJsonFile(this.file("meta.json"));
    if (meta === undefined) throw this.missing("meta.json");
    if (!isRecord(meta) || !Array.isArray(meta.command) || typeof meta.created_at !== "string") {
      throw corrupt(this.id, "meta.json does not describe a job");
    }
    return meta as unknown as JobMeta;
  }

  readState(): JobState {
    const state = readJsonFile(this.file("state.json"));
    if (state === undefined) throw this.missing("state.json");
    const job = isRecord(state) ? state.job : undefined;
    if (!isRecord(state) || !isRecord(job) || !JOB_STATUSES.includes(job.status as never) || !isRecord(state.result)) {
      throw corrupt(this.id, "state.json does not describe a job state");
    }
    // A pid from a file is untrusted: one that could widen a signal never leaves this function.
    for (const key of ["pid", "supervisor_pid", "pgid", "sid"] as const) {
      const problem = state[key] == null ? null : pidProblem(state[key]);
      if (problem) throw corrupt(this.id, `state.json's ${key} ${JSON.stringify(state[key])} is not a usable pid (${problem})`);
    }
    return state as unknown as JobState;
  }

  /** A missing file: the job is damaged, or gone altogether (deleted since it was opened). */
  private missing(name: string): AgentExecError {
    if (!isDirectory(this.path)) return new AgentExecError("job_not_found", `job not found: ${this.id}`, { details: { root: this.root } });
    return corrupt(this.id, `${name} is missing`);
  }

  writeMeta(meta: JobMeta): void {
    writeJsonAtomic(this.file("meta.json"), meta);
  }

  /**
   * Read-modify-write of meta.json under meta.lock, so two changes at once (`tag set` and
   * `notify set`, say) both land. Returns the new definition.
   */
  updateMeta(change: (meta: JobMeta) => JobMeta): JobMeta {
    const lock = waitLock(this.file("meta.lock"), META_LOCK_WAIT_MS);
    if (typeof lock !== "function") {
      throw new AgentExecError("invalid_state", `job ${this.id}: meta.json is being changed by process ${lock.heldBy}`, {
        retryable: true,
        details: { locking_pid: lock.heldBy },
      });
    }
    try {
      const meta = change(this.readMeta());
      this.writeMeta(meta);
      return meta;
    } finally {
      lock();
    }
  }

  writeState(state: JobState): void {
    writeJsonAtomic(this.file("state.json"), state);
  }

  /** Keeps the real KEY=VALUE pairs of --env for later launches; they are not part of meta.json. */
  writeSecrets(envVars: string[]): void {
    writeJsonAtomic(this.file(SECRETS_FILE), { env_vars: envVars });
  }

  /** The pairs writeSecrets kept, or undefined when this job has none. */
  readSecrets(): string[] | undefined {
    const secrets = readJsonFile(this.file(SECRETS_FILE));
    if (secrets === undefined) return undefined;
    const envVars = isRecord(secrets) ? secrets.env_vars : undefined;
    if (!Array.isArray(envVars) || !envVars.every((pair) => typeof pair === "string")) throw corrupt(this.id, `${SECRETS_FILE} does not hold env_vars`);
    return envVars;
  }

  /**
   * Creates the directory (0700, and the root if needed), its definition, a `created` state and
   * empty logs. `made` runs once the empty directory exists (run takes its launch claim there).
   */
  static create(root: string, meta: JobMeta, state: JobState, made?: (dir: JobDir) => void): JobDir {
    const dir = new JobDir(root, meta.job.id);
    try {
      // A root that appeared since it was resolved is checked like one that was there.
      if (!makePrivateDir(root, true)) checkRoot(root);
      makePrivateDir(dir.path); // fails if the id already exists: ids are never reused
      made?.(dir);
      for (const name of LOG_FILES) closeSync(openJobFile(dir.file(name), "create"));
    } catch (error) {
      if (isAgentExecError(error)) throw error;
      // An id that exists already is a collision of random ids: a retry draws another one.
      const { code, path } = error as NodeJS.ErrnoException;
      const collision = code === "EEXIST" && path === dir.path;
      throw ioError(error, "create job directory", dir.path, collision ? { retryable: true } : {});
    }
    dir.writeMeta(meta);
    dir.writeState(state);
    return dir;
  }

  /** Finds a job by full id or unambiguous prefix, case-insensitively. */
  static open(root: string, userId: string): JobDir {
    const typed = validateUserJobId(userId);
    for (const exact of [typed.toUpperCase(), typed.toLowerCase()]) {
      if (STORED_ID.test(exact) && isDirectory(join(root, exact))) return new JobDir(root, exact);
    }
    const matches = listJobIds(root, typed.toUpperCase());
    if (matches.length === 1) return new JobDir(root, matches[0]!);
    if (matches.length === 0) {
      throw new AgentExecError("job_not_found", `job not found: ${userId}`, { details: { root } });
    }
    matches.sort();
    throw new AgentExecError(
      "ambiguous_job_id",
      `ambiguous job id prefix '${userId}': matches ${matches.length} jobs`,
      { details: { candidates: matches.slice(0, 20), truncated: matches.length > 20 } },
    );
  }
}

/** The state of a job that is defined but not (or no longer) started. */
export function createdState(id: string): JobState {
  return {
    job: { id, status: "created", started_at: null },
    result: { exit_code: null, signal: null, duration_ms: null },
    updated_at: now(),
  };
}

/**
 * The root's job directories: subdirectories named by a full job id, optionally only those whose
 * upper-cased id starts with `prefix`. Names are filtered before any directory is stat'ed.
 */
export function listJobIds(root: string, prefix = ""): string[] {
  return subdirectories(root, (name) => STORED_ID.test(name) && name.toUpperCase().startsWith(prefix));
}

/** Names of the root's subdirectories (symlinks are not followed); a missing root has none. */
export function listJobDirs(root: string): string[] {
  return subdirectories(root, () => true);
}

function subdirectories(root: string, wanted: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw ioError(error, "read jobs root", root);
  }
  return names.filter((name) => wanted(name) && isDirectory(join(root, name)));
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function corrupt(id: string, what: string): AgentExecError {
  return new AgentExecError("corrupt_job", `job ${id}: ${what}`);
}
