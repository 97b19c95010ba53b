import {
  chmodSync,
  close,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { WINDOWS_FILES } from "../platform/os.js";
import { AgentExecError, ioError, isAgentExecError } from "../protocol/errors.js";
import { sleepSync } from "../time.js";

// Every file of the job store is opened here: never through a symbolic link, never a FIFO or a
// device, and created private to the user whatever the umask.
//
// POSIX: O_NOFOLLOW makes the kernel refuse a link as the last component, with no window between
// a check and the open; O_NONBLOCK makes a planted FIFO open at once (and then be refused) instead
// of hanging the reader. Windows has neither in Node: the path is lstat'ed first and a link is
// refused, so a link planted between that lstat and the open is still followed (a residual race
// that needs write access to the job directory, i.e. the user's own account).
// Directories on the way (the root, the job directory) are not checked here: the root is checked
// once when it is resolved (root.ts) and lookups accept only real job directories (job-dir.ts).

const WINDOWS = WINDOWS_FILES;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const FLAGS = {
  read: constants.O_RDONLY,
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
  /** A new file only: fails with EEXIST if anything (a link included) is there. */
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
  /** An existing file, written from the start (restart's truncation). */
  rewrite: constants.O_WRONLY,
} as const;
export type JobFileAccess = keyof typeof FLAGS;

/**
 * Opens a job file and returns its descriptor. A link or a non-regular file is `unsafe_job_file`;
 * other failures are Node's own errors (ENOENT, …), for the caller to judge.
 */
export function openJobFile(path: string, access: JobFileAccess): number {
  if (WINDOWS) refuseLink(path);
  let fd: number;
  try {
    fd = openSync(path, FLAGS[access] | NOFOLLOW | NONBLOCK, PRIVATE_FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP (Linux, macOS) or EMLINK (FreeBSD) is how O_NOFOLLOW refuses a link.
    if (code === "ELOOP" || code === "EMLINK") refuseLink(path);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw unsafe(path, "is not a regular file");
    // The umask may have taken bits away (or an older version left 0644): the store's files are 0600.
    if (access !== "read" && !WINDOWS && (stat.mode & 0o777) !== PRIVATE_FILE_MODE && stat.uid === process.getuid?.()) {
      fchmodSync(fd, PRIVATE_FILE_MODE);
    }
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** A job file's bytes, or undefined when it does not exist. */
export function readJobFile(path: string): Buffer | undefined {
  return withFd(path, "read", "read", readAll, true);
}

/** Appends in one write (O_APPEND), creating the file (0600) if needed. */
export function appendJobFile(path: string, data: string | Buffer): void {
  withFd(path, "append", "append to", (fd) => writeAll(fd, data));
}

/** Writes a file that must not exist yet (0600). */
export function writeNewJobFile(path: string, data: string | Buffer): void {
  withFd(path, "create", "write", (fd) => writeAll(fd, data));
}

/** Empties a job file in place; a missing one is left missing. */
export function truncateJobFile(path: string): void {
  withFd(path, "rewrite", "clear", (fd) => ftruncateSync(fd, 0), true);
}

// Windows (and Wine) can refuse to rename over a file another process has open at that instant
// (EPERM/EACCES/EBUSY), and readers open state.json all the time; an antivirus scan does the same.
// Such a moment is brief, so the rename is retried with a growing back-off for up to 10 s.
const RETRYABLE_ON_WINDOWS = new Set(["EPERM", "EACCES", "EBUSY"]);
const RETRY_FOR_MS = 10_000;

/**
 * Replaces a job file atomically: a new temp file (0600, O_EXCL, so never a link) in the same
 * directory, renamed over the path. rename(2) replaces a link at the path rather than writing
 * through it, so a link planted there is simply gone. A reader sees the old file or the new one,
 * never half of either. The fsync follows the rename, on libuv's thread pool: a reader (wait,
 * the launcher's handshake) sees the new state without waiting for the disk, which took 10-15 ms
 * per write on a busy VM, three to five times on every `run`. So only a power loss within that
 * moment can leave the file empty; the directory is not fsynced, so after a power loss the rename
 * itself may be lost too (the previous state survives). Windows keeps fsync before the rename:
 * a rename over a file another process has open is refused there at times (retried below).
 */
export function writeJobFileAtomic(path: string, data: string): void {
  const temp = tempName(path);
  let fd: number | undefined;
  try {
    fd = openJobFile(temp, "create");
    writeAll(fd, data);
    if (WINDOWS) {
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    }
    renameRetried(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw asStoreError(error, "write", temp);
  }
  if (fd !== undefined) syncInBackground(fd);
}

let temps = 0;

/**
 * A name no other writer uses: our pid (unique among live processes), a count, and random digits
 * against a dead writer's leftover; O_EXCL refuses a clash anyway. Not node:crypto, which costs
 * every CLI start 3 ms to load, for a name in a private directory.
 */
function tempName(path: string): string {
  return `${path}.${process.pid}-${++temps}-${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/** fsync, then close, off the main thread; a failure only means the file reaches the disk later. */
function syncInBackground(fd: number): void {
  fsync(fd, () => close(fd, () => undefined));
}

function renameRetried(from: string, to: string): void {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (!(WINDOWS && RETRYABLE_ON_WINDOWS.has(code) && Date.now() < deadline)) throw ioError(error, "write", to);
      sleepSync(delayMs);
    }
  }
}

/**
 * mkdir (with `recursive`, of every missing parent too) private to the user: 0700 whatever the
 * umask. Without `recursive` an existing path is EEXIST. Returns whether `path` itself was created.
 */
export function makePrivateDir(path: string, recursive = false): boolean {
  let created = true;
  if (recursive) created = mkdirSync(path, { recursive, mode: PRIVATE_DIR_MODE }) !== undefined;
  else mkdirSync(path, { mode: PRIVATE_DIR_MODE });
  if (created && !WINDOWS) chmodSync(path, PRIVATE_DIR_MODE);
  return created;
}

/** Opens, uses and closes a job file; errors name the action and the path. */
function withFd<T>(path: string, access: JobFileAccess, action: string, use: (fd: number) => T, missingOk: true): T | undefined;
function withFd<T>(path: string, access: JobFileAccess, action: string, use: (fd: number) => T): T;
function withFd<T>(path: string, access: JobFileAccess, action: string, use: (fd: number) => T, missingOk = false): T | undefined {
  let fd: number;
  try {
    fd = openJobFile(path, access);
  } catch (error) {
    if (missingOk && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw asStoreError(error, action, path);
  }
  try {
    return use(fd);
  } catch (error) {
    throw asStoreError(error, action, path);
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = readSync(fd, chunk);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, n));
  }
}

function writeAll(fd: number, data: string | Buffer): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
}

function refuseLink(path: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    // missing: the open says so
  }
  if (isLink) throw unsafe(path, "is a symbolic link");
}

function unsafe(path: string, what: string): AgentExecError {
  return new AgentExecError("unsafe_job_file", `${path} ${what}; agent-exec does not follow links or open special files in the job store`, {
    details: { path },
  });
}

function asStoreError(error: unknown, action: string, path: string): AgentExecError {
  return isAgentExecError(error) ? error : ioError(error, action, path);
}
