import { lstatSync } from "node:fs";
import { LAUNCH_LOCK, META_FILE, STATE_FILE } from "../job/files.js";
import { readPid } from "../store/file-lock.js";
import type { JobDir } from "../store/job-dir.js";
import { isProcessAlive, isSameProcessAlive } from "../platform/process-info.js";
import type { StateRecord } from "../store/types.js";

/**
 * Why a `created` job will never start on its own: the process that claimed its launch (run,
 * start, restart) died before the supervisor started the workload, and no supervisor it spawned
 * is alive either. Null for a job still being launched, and for a job `create` defined and
 * nobody has started (no launch claim, no supervisor): that one waits for `start`, however old.
 *
 * The launcher records the supervisor's pid in the `created` state right after spawning it, so a
 * supervisor still reading its secrets keeps the job from reading as abandoned.
 */
export function abandonedReason(dir: JobDir, state: StateRecord): string | null {
  if (state.job.status !== "created") return null;
  const launcher = readPid(dir.file(LAUNCH_LOCK));
  if (launcher !== undefined && launcher > 0 && isProcessAlive(launcher)) return null;
  const supervisor = state.supervisor_pid;
  if (supervisor && isSameProcessAlive(supervisor, state.supervisor_start)) return null;
  if (launcher === undefined && !supervisor) return null;
  const who = launcher ? `the launching process (pid ${launcher})` : `the supervisor (pid ${supervisor})`;
  return `launch abandoned: ${who} ended before the workload started; nothing ran ('start' launches it again)`;
}

// A job directory is made (mkdir, files, meta.json, state.json) within milliseconds; one still
// without its definition or state this long after it last changed is a launcher's leftover.
export const INCOMPLETE_GRACE_MS = 60_000;

/**
 * When a half-made job directory (no meta.json or no state.json: its maker was killed) last
 * changed, if it is older than the grace period and no live process holds its launch claim;
 * otherwise null (a complete job, or one being made right now).
 */
export function incompleteSince(dir: JobDir, nowMs = Date.now()): string | null {
  const mtimeMs = (name?: string) => {
    try {
      return lstatSync(name ? dir.file(name) : dir.path).mtimeMs;
    } catch {
      return undefined;
    }
  };
  if (mtimeMs(META_FILE) !== undefined && mtimeMs(STATE_FILE) !== undefined) return null;
  const changed = mtimeMs();
  if (changed === undefined || nowMs - changed < INCOMPLETE_GRACE_MS) return null;
  const launcher = readPid(dir.file(LAUNCH_LOCK));
  if (launcher !== undefined && launcher > 0 && isProcessAlive(launcher)) return null;
  return new Date(changed).toISOString();
}
