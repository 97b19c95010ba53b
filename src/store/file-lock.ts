import { linkSync, renameSync, rmSync } from "node:fs";
import { isProcessAlive } from "../platform/process-info.js";
import { ioError, isAgentExecError } from "../protocol/errors.js";
import { sleepSync } from "../time.js";
import { readJobFile, writeNewJobFile } from "./job-file.js";

/**
 * A lock file holding its owner's pid. Returns the release function, or the pid of the live
 * process holding it. A lock left by a process that died is taken over.
 *
 * The file appears with its content already in it (written aside, then hard-linked into place,
 * which fails if the lock exists), so a reader never mistakes a lock being taken for an abandoned
 * one. Taking over renames the dead owner's file away first and checks that it was that file.
 */
export function tryLock(path: string): (() => void) | { heldBy: number } {
  const mine = `${path}.${process.pid}`;
  try {
    rmSync(mine, { force: true }); // left by a dead process that had our pid
    writeNewJobFile(mine, String(process.pid));
  } catch (error) {
    if (isAgentExecError(error)) throw error;
    throw ioError(error, "lock", path); // EACCES, ENOTDIR, ENOSPC: a coded error, retryable by errno
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
        return () => rmSync(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(error, "lock", path);
      }
      const holder = readPid(path);
      if (holder === undefined) continue; // released just now
      if (holder > 0 && holder !== process.pid && isProcessAlive(holder)) return { heldBy: holder };
      takeOver(path, holder);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw ioError(new Error("it kept changing hands"), "lock", path);
}

/** tryLock, retried with a growing back-off while a live process holds the lock, for up to `withinMs`. */
export function waitLock(path: string, withinMs: number): (() => void) | { heldBy: number } {
  const deadline = Date.now() + withinMs;
  let lock = tryLock(path);
  for (let delayMs = 2; typeof lock !== "function" && Date.now() < deadline; delayMs = Math.min(delayMs * 2, 50)) {
    sleepSync(delayMs);
    lock = tryLock(path);
  }
  return lock;
}

/** Removes the lock file if it is still the one `deadPid` left; puts back one taken in between. */
function takeOver(path: string, deadPid: number): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else took it over or released it: try again
  }
  if (readPid(aside) !== deadPid) {
    try {
      linkSync(aside, path); // a live owner's lock: give it back
    } catch {
      // a third process locked meanwhile; the owner we displaced keeps its release, which is harmless
    }
  }
  rmSync(aside, { force: true });
}

/** The pid a lock file names (0 when unreadable), or undefined when there is no lock. */
export function readPid(path: string): number | undefined {
  try {
    const pid = readJobFile(path);
    return pid === undefined ? undefined : Number(pid.toString("utf8")) || 0;
  } catch {
    return undefined;
  }
}
