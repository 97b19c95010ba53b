import { readFileSync } from "node:fs";
import { PROC_FS } from "./os.js";

// Liveness and identity of a process, without FFI: status and list call these on every
// running job, so they must stay cheap: one kill(pid, 0) and at most one read of /proc per look.

/** Indexes into procStatFields: /proc/<pid>/stat fields 3 (state), 4, 5, 6 and 22, counted after the command name. */
const STATE = 0;
const PPID = 1;
const PGRP = 2;
const SESSION = 3;
const STARTTIME = 19;

/** /proc/<pid>/stat split after the parenthesised command name (Linux), or null: gone, or no /proc. */
export function procStatFields(pid: number): string[] | null {
  if (!PROC_FS) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** What one /proc/<pid>/stat read says: a zombie or a dead process counts as gone. */
export function procEntryOf(pid: number, fields: string[]): ProcEntry | null {
  if (fields[STATE] === "Z" || fields[STATE] === "X") return null;
  return { pid, ppid: Number(fields[PPID]), pgid: Number(fields[PGRP]), start: Number(fields[STARTTIME]) };
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot, as /proc/<pid>/stat field 22 has it. */
  start: number;
}

/** True when /proc says `pid` is an exited child of `parent` that nobody reaped yet. */
export function isZombieChildOf(fields: string[], parent: number): boolean {
  return fields[STATE] === "Z" && Number(fields[PPID]) === parent;
}

/**
 * One look at `pid`: undefined when it is not alive, else its /proc start time (null where there
 * is no /proc). kill(pid, 0) succeeds on a zombie: a dead process whose parent has not reaped it
 * yet, which in a container without an init that reaps can last forever; /proc tells them apart.
 */
export function liveProcess(pid: number): { start: string | null } | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  const fields = procStatFields(pid);
  if (fields?.[STATE] === "Z" || fields?.[STATE] === "X") return undefined;
  return { start: fields?.[STARTTIME] ?? null };
}

export function isProcessAlive(pid: number): boolean {
  return liveProcess(pid) !== undefined;
}

/** Process group and session of `pid` (fields 5 and 6 of /proc/<pid>/stat), or nulls off Linux. */
export function processGroupAndSession(pid: number): { pgid: number | null; sid: number | null } {
  const fields = procStatFields(pid);
  const at = (i: number) => (fields?.[i] ? Number(fields[i]) : null);
  return { pgid: at(PGRP), sid: at(SESSION) };
}

/**
 * An opaque start time that tells this process apart from a later one with the same pid,
 * or null where the platform does not expose it cheaply (only Linux /proc is read).
 */
export function processStartTime(pid: number): string | null {
  return procStatFields(pid)?.[STARTTIME] ?? null;
}

/** True while `pid` is alive and, when a start time was recorded, is still the same process. */
export function isSameProcessAlive(pid: number, startTime: string | null | undefined): boolean {
  const live = liveProcess(pid);
  if (live === undefined) return false;
  return !startTime || live.start === null || live.start === startTime;
}
