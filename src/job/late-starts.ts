import { closeSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LATE_STARTS_DIR } from "./files.js";
import { makePrivateDir, openJobFile } from "../store/job-file.js";

// `list` sorts by started_at but wants to read only the jobs it prints. A job id is a ULID, whose
// first characters are its creation time, and a `run` starts its workload within moments of
// creating the job: so started_at is at most LATE_START_MS after the id's time, except for a
// job started long after it was made (`create` then `start`, `restart`). Such a job is marked
// with an empty file named by its id in the root's LATE_STARTS_DIR, made before its started_at is
// written; `list` reads the marked ones whatever their ids say (src/commands/list-selection.ts).

/** How long after its id's time a job may start unmarked. */
export const LATE_START_MS = 10_000;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const MAX_ULID_TIME = 2 ** 48 - 1;

/**
 * The id's creation time in ms, or undefined for an id that is not a ULID (v0.2.3's hex ids): its
 * first 10 characters in base 32, as ulid's decodeTime reads them. Not ulid itself, which loads
 * node:crypto (3 ms) into `list` and every supervisor, which never make an id.
 */
export function idTimeMs(id: string): number | undefined {
  if (!ULID.test(id)) return undefined;
  let ms = 0;
  for (let i = 0; i < 10; i++) ms = ms * 32 + CROCKFORD.indexOf(id[i]!);
  return ms <= MAX_ULID_TIME ? ms : undefined; // beyond the ULID range
}

/** Marks the job if it starts at `startedAt` later than its id allows; before started_at is recorded. */
export function noteLateStart(root: string, id: string, startedAt: string): void {
  const created = idTimeMs(id);
  if (created !== undefined && Date.parse(startedAt) - created <= LATE_START_MS) return;
  const dir = join(root, LATE_STARTS_DIR);
  try {
    makePrivateDir(dir, true);
    closeSync(openJobFile(join(dir, id), "append"));
  } catch {
    // Without its mark the job still lists, only perhaps after older jobs: never fail the launch.
  }
}

/** The marked ids (a stray name there matches no job and changes nothing). */
export function lateStarts(root: string): Set<string> {
  try {
    return new Set(readdirSync(join(root, LATE_STARTS_DIR)));
  } catch {
    return new Set();
  }
}

/** Drops the job's mark once its directory is gone. */
export function forgetLateStart(root: string, id: string): void {
  rmSync(join(root, LATE_STARTS_DIR, id), { force: true });
}
