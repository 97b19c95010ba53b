import { closeSync, lstatSync, readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { AgentExecError, ioError, isAgentExecError } from "../protocol/errors.js";
import { readJsonFile, writeJsonAtomic } from "./atomic.js";
import { waitLock } from "./file-lock.js";
import { makePrivateDir, openJobFile } from "./job-file.js";
import { STORED_ID, USER_ID, validateUserJobId } from "./job-id.js";
import { checkRoot } from "./root.js";
import { JOB_STATUSES, type JobMeta, type StateRecord } from "./types.js";
import { pidProblem } from "../platform/tree-errors.js";
import { FULL_LOG, LATE_STARTS_DIR, LOG_FILES, META_FILE, META_LOCK, SECRETS_FILE, STATE_FILE, STDERR_LOG, STDIN_FILE, STDOUT_LOG } from "../job/files.js";

// A meta.json change takes milliseconds; a holder this slow is stuck.
const META_LOCK_WAIT_MS = 5000;

// The file names live in src/job/files.ts; these two are re-exported for existing importers.
export { LOG_FILES, NOTIFICATION_EVENTS_FILE } from "../job/files.js";

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
    return this.file(STDOUT_LOG);
  }
  get stderrPath(): string {
    return this.file(STDERR_LOG);
  }
  /** The interleaved log: in the job directory unless --log put it elsewhere. */
  fullLogPath(meta: JobMeta): string {
    return meta.full_log_path ?? this.file(FULL_LOG);
  }
  /** The workload's materialized stdin, when it has one. */
  get stdinPath(): string {
    return this.file(STDIN_FILE);
  }

  readMeta(): JobMeta {
    const meta = readJsonFile(this.file(META_FILE));
    if (meta === undefined) throw this.missing(META_FILE);
    if (!isRecord(meta) || !Array.isArray(meta.command) || typeof meta.created_at !== "string") {
      throw corrupt(this.id, "meta.json does not describe a job");
    }
    return meta as unknown as JobMeta;
  }

  readState(): StateRecord {
    const state = readJsonFile(this.file(STATE_FILE));
    if (state === undefined) throw this.missing(STATE_FILE);
    const job = isRecord(state) ? state.job : undefined;
    if (!isRecord(state) || !isRecord(job) || !JOB_STATUSES.includes(job.status as never) || !isRecord(state.result)) {
      throw corrupt(this.id, "state.json does not describe a job state");
    }
    // A pid from a file is untrusted: one that could widen a signal never leaves this function.
    for (const key of ["pid", "supervisor_pid", "pgid", "sid"] as const) {
      const problem = state[key] == null ? null : pidProblem(state[key]);
      if (problem) throw corrupt(this.id, `state.json's ${key} ${JSON.stringify(state[key])} is not a usable pid (${problem})`);
    }
    return state as unknown as StateRecord;
  }

  /** A missing file: the job is damaged, or gone altogether (deleted since it was opened). */
  private missing(name: string): AgentExecError {
    if (!isDirectory(this.path)) return new AgentExecError("job_not_found", `job not found: ${this.id}`, { details: { root: this.root } });
    return corrupt(this.id, `${name} is missing`);
  }

  writeMeta(meta: JobMeta): void {
    writeJsonAtomic(this.file(META_FILE), meta);
  }

  /**
   * Read-modify-write of meta.json under meta.lock, so two changes at once (`tag set` and
   * `notify set`, say) both land. Returns the new definition.
   */
  updateMeta(change: (meta: JobMeta) => JobMeta): JobMeta {
    const lock = waitLock(this.file(META_LOCK), META_LOCK_WAIT_MS);
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

  writeState(state: StateRecord): void {
    writeJsonAtomic(this.file(STATE_FILE), state);
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
  static create(root: string, meta: JobMeta, state: StateRecord, made?: (dir: JobDir) => void): JobDir {
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

/**
 * The root's job directories, optionally only those whose upper-cased id starts with `prefix`:
 * subdirectories named by a full job id, and those with another well-formed name whose meta.json
 * names the directory (a job another tool made; 0.2.31's own tests write `old-job-01`), so a
 * directory that is no job is never taken for one.
 */
export function listJobIds(root: string, prefix = ""): string[] {
  return subdirectories(root, (name) => name.toUpperCase().startsWith(prefix) && (STORED_ID.test(name) || namesItself(root, name)));
}

/** A well-formed name that is not one of our ids, whose meta.json says it is this job. */
export function namesItself(root: string, name: string): boolean {
  if (!USER_ID.test(name)) return false;
  try {
    return new JobDir(root, name).readMeta().job?.id === name;
  } catch {
    return false;
  }
}

/**
 * Names of the root's subdirectories (symlinks are not followed) but the store's own
 * LATE_STARTS_DIR; a missing root has none.
 */
export function listJobDirs(root: string): string[] {
  return subdirectories(root, (name) => name !== LATE_STARTS_DIR);
}

function subdirectories(root: string, wanted: (name: string) => boolean): string[] {
  let entries: Dirent[];
  try {
    // The entry types come with the names (no lstat per job on Linux; node stats only where the
    // file system does not say); a symlink is reported as one, never followed.
    entries = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw ioError(error, "read jobs root", root);
  }
  return entries.filter((entry) => entry.isDirectory() && wanted(entry.name)).map((entry) => entry.name);
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
