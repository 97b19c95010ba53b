import { readFileSync } from "node:fs";

// Liveness and identity of a process, without FFI: status and list call these on every
// running job, so they must stay cheap.

export function isProcessAlive(pid: number): boolean {
  return liveStat(pid) !== undefined;
}

/**
 * The fields of /proc/<pid>/stat after the command name while `pid` is alive ("" where there is
 * no /proc), undefined when it is not. kill(pid, 0) succeeds on a zombie: a dead process whose
 * parent has not reaped it yet, which in a container without an init that reaps can last forever.
 */
function liveStat(pid: number): string | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  const fields = statFields(pid) ?? "";
  return fields[0] === "Z" || fields[0] === "X" ? undefined : fields;
}

/** /proc/<pid>/stat after the parenthesised command name (Linux), or null. */
function statFields(pid: number): string | null {
  if (process.platform !== "linux") return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2);
  } catch {
    return null;
  }
}

/** Field 22 (starttime), counted from the fields after the command name. */
function startTimeOf(fields: string): string | null {
  return fields.split(" ")[19] ?? null;
}

/** Process group and session of `pid` (fields 5 and 6 of /proc/<pid>/stat), or nulls off Linux. */
export function processGroupAndSession(pid: number): { pgid: number | null; sid: number | null } {
  const fields = statFields(pid)?.split(" ");
  const at = (i: number) => (fields?.[i] ? Number(fields[i]) : null);
  return { pgid: at(2), sid: at(3) };
}

/**
 * An opaque start time that tells this process apart from a later one with the same pid,
 * or null where the platform does not expose it cheaply (only Linux /proc is read).
 */
export function processStartTime(pid: number): string | null {
  const fields = statFields(pid);
  return fields === null ? null : startTimeOf(fields);
}

/** True while `pid` is alive and, when a start time was recorded, is still the same process. */
export function isSameProcessAlive(pid: number, startTime: string | null | undefined): boolean {
  const fields = liveStat(pid);
  if (fields === undefined) return false;
  if (!startTime || fields === "") return true;
  const now = startTimeOf(fields);
  return now === null || now === startTime;
}
