import { lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { STORED_ID } from "./job-id.js";

// Removing job directories. Only a real directory named by a full job id directly under the root
// is removed; symlinks inside it are unlinked, never followed, so nothing outside the root is touched.

export type RemoveOutcome = { removed: true } | { removed: false; reason: string };

export function removeJobDir(root: string, id: string): RemoveOutcome {
  if (!STORED_ID.test(id)) return { removed: false, reason: "not_a_job_id" };
  const path = join(root, id);
  try {
    if (!lstatSync(path).isDirectory()) return { removed: false, reason: "not_a_directory" };
    rmSync(path, { recursive: true });
  } catch (error) {
    return { removed: false, reason: `delete_failed: ${(error as Error).message}` };
  }
  // Report success only once the path is confirmed gone.
  return exists(path) ? { removed: false, reason: "post_delete_check_failed" } : { removed: true };
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
