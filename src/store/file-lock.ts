import { linkSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { isProcessAlive } from "../platform/process-info.js";
import { ioError, isAgentExecError } from "../protocol/errors.js";
import { sleepSync } from "../time.js";
import { readJobFile, writeNewJobFile } from "./job-file.js";

// The locks this process holds now. A lock file naming our own pid is one of them, or was left by
// a dead process that had our pid: only this set tells the two apart (a server launching two jobs
// at once, or collecting while another request asks to, must not take its own lock over).
const held = new Set<string>();

/**
 * A lock file holding its owner's pid. Returns the release function, or the pid of the live
 * process holding it. A lock left by a process that died is taken over.
 *
 * The file appears with its content already in it (written aside, then hard-linked into place,
 * which fails if the lock exists), so a reader never mistakes a lock being taken for an abandoned
 * one. Taking over happens under a second lock (`<path>.takeover`), so two processes that both
 * saw the dead owner cannot remove the lock one of them has just taken: the job-wide rule "one
 * holder at a time" holds for auto-gc's `.gc.lock` as for the launch claim.
 */
export function tryLock(path: string): (() => void) | { heldBy: number } {
  const key = resolve(path);
  if (held.has(key)) return { heldBy: process.pid };
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
        held.add(key);
        return () => {
          held.delete(key);
          rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(error, "lock", path);
      }
      const holder = readPid(path);
      if (holder === undefined) continue; // released just now
      if (holder > 0 && holder !== process.pid && isProcessAlive(holder)) return { heldBy: holder };
      const taker = takeOver(path, holder, mine);
      if (taker !== undefined) return { heldBy: taker };
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

/**
 * Removes the lock file if it is still the one `deadPid` left; returns the pid of a live process
 * taking it over meanwhile, if any. Under `<path>.takeover` nobody else removes the lock and its
 * dead owner cannot, so one that still names `deadPid` is that owner's and nothing else is ever
 * moved. (Without it, a process that read the dead pid a moment ago moved aside the lock another
 * had just taken, and a third could take it before it was put back: two holders.)
 */
function takeOver(path: string, deadPid: number, mine: string): number | undefined {
  const mutex = `${path}.takeover`;
  try {
    linkSync(mine, mutex);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(error, "lock", path);
    const taker = readPid(mutex);
    // A live process is taking the lock over right now: it is as good as held by it.
    if (taker !== undefined && taker > 0 && taker !== process.pid && isProcessAlive(taker)) return taker;
    removeIfStill(mutex, taker); // a taker that died inside: its leftover
    return undefined; // the caller tries again
  }
  try {
    if (readPid(path) === deadPid) rmSync(path, { force: true });
  } finally {
    rmSync(mutex, { force: true });
  }
  return undefined;
}

/**
 * A dead taker's `<path>.takeover`: moved aside and deleted if it still names `pid`, put back if
 * another taker's replaced it meanwhile (only a taker dying inside its few microseconds leaves one).
 */
function removeIfStill(path: string, pid: number | undefined): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: try again
  }
  if (readPid(aside) !== pid) {
    try {
      linkSync(aside, path);
    } catch {
      // another taker came in meanwhile
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
