import { readFileSync } from "node:fs";

// Liveness and identity of a process, without FFI: status and list call these on every
// running job, so they must stay cheap.

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // kill(pid, 0) succeeds on a zombie: a dead process whose parent has not reaped it yet, which in
  // a container without an init that reaps can last forever.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat[stat.lastIndexOf(")") + 2];
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}

/**
 * An opaque start time that tells this process apart from a later one with the same pid,
 * or null where the platform does not expose it cheaply (only Linux /proc is read).
 */
export function processStartTime(pid: number): string | null {
  if (process.platform !== "linux") return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime) counts from the fields after the parenthesised command name.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** True while `pid` is alive and, when a start time was recorded, is still the same process. */
export function isSameProcessAlive(pid: number, startTime: string | null | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  if (!startTime) return true;
  const now = processStartTime(pid);
  return now === null || now === startTime;
}
