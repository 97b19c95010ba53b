import { lstatSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LAUNCH_LOCK, STATE_FILE } from "../job/files.js";
import { tryLock } from "./file-lock.js";
import { STORED_ID } from "./job-id.js";
import { namesItself } from "./job-dir.js";
import { sleepSync } from "../time.js";
import { forgetLateStart } from "../job/late-starts.js";

// Removing job directories. Only a real directory directly under the root, named by a full job id
// or by another name its meta.json gives it (listJobIds), is removed; symlinks inside it are unlinked, never followed, so nothing outside the root is touched.
//
// gc and delete decide from a state they read, and `restart` may launch the job again right
// after: so the removal takes the job's launch claim (src/store/launch-claim.ts), checks that
// state.json is still exactly what the decision was made on, and moves the directory out of the
// job namespace in one rename before deleting it. A launch either holds the claim first (the job is
// skipped) or comes after the rename (it finds no job).

export type RemoveOutcome = { removed: true } | { removed: false; reason: string };

/** state.json as it is now ("" when missing or unreadable): what a removal decision was made on. */
export function stateSnapshot(root: string, id: string): string {
  try {
    return readFileSync(join(root, id, STATE_FILE), "utf8");
  } catch {
    return "";
  }
}

/**
 * Removes a job directory if, under its launch claim, state.json is still `seen` (taken with
 * stateSnapshot before the state was judged). Reasons when not: "launching" (someone holds the
 * claim), "changed" (the job moved on meanwhile).
 */
export function removeJobDir(root: string, id: string, seen: string): RemoveOutcome {
  if (!STORED_ID.test(id) && !namesItself(root, id)) return { removed: false, reason: "not_a_job_id" };
  const path = join(root, id);
  let release: () => void;
  try {
    if (!lstatSync(path).isDirectory()) return { removed: false, reason: "not_a_directory" };
    const lock = tryLock(join(path, LAUNCH_LOCK));
    if (typeof lock !== "function") return { removed: false, reason: "launching" };
    release = lock;
  } catch (error) {
    return { removed: false, reason: `delete_failed: ${(error as Error).message}` };
  }
  try {
    if (stateSnapshot(root, id) !== seen) return { removed: false, reason: "changed" };
    const aside = join(root, `.removing-${id}-${process.pid}`);
    renameAside(path, aside);
    try {
      rmSync(aside, { recursive: true, maxRetries: 3 });
    } catch (error) {
      renameSync(aside, path); // what is left stays visible as the job, to be deleted again
      throw error;
    }
    forgetLateStart(root, id);
  } catch (error) {
    return { removed: false, reason: `delete_failed: ${(error as Error).message}` };
  } finally {
    release(); // a no-op once the directory is gone; frees the claim when it was not removed
  }
  // Report success only once the path is confirmed gone.
  return exists(path) ? { removed: false, reason: "post_delete_check_failed" } : { removed: true };
}

// Windows refuses to rename a directory while a file in it is open, and readers open state.json
// all the time: such a moment is brief, so the rename is retried for a little while.
const RENAME_TRIES = 20;

function renameAside(path: string, aside: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      renameSync(path, aside);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (attempt >= RENAME_TRIES || !["EPERM", "EACCES", "EBUSY"].includes(code)) throw error;
      sleepSync(25);
    }
  }
}

/** Bytes of the files under a job directory, not following symlinks. */
export function dirBytes(path: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += dirBytes(child);
    else {
      try {
        total += lstatSync(child).size;
      } catch {
        // vanished while we looked
      }
    }
  }
  return total;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
