import { readdirSync } from "node:fs";
import { descendantsOf } from "./descendants.js";
import { PROC_FS } from "./os.js";
import { procEntryOf, procStatFields, type ProcEntry } from "./process-info.js";

// The process table as /proc lists it (Linux), and the questions containment and the readers ask
// of it: who is in a process group, who is below a process. Elsewhere the table is empty (macOS
// lists no leftovers, see docs/ARCHITECTURE.md; Windows asks its Job Object instead).

export type { ProcEntry };
export { descendantsOf };

/** Every live (not zombie) process, from /proc; [] where there is none. */
export function procTable(): ProcEntry[] {
  if (!PROC_FS) return [];
  const out: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = procEntry(Number(name));
    if (entry) out.push(entry);
  }
  return out;
}

/** One process's entry, or null when it ended (or is a zombie) while we looked. */
export function procEntry(pid: number): ProcEntry | null {
  const fields = procStatFields(pid);
  return fields && procEntryOf(pid, fields);
}

/**
 * Members of process group `pgid` that started no earlier than `since`. With `exact` (since is
 * the workload's own start time), a live leader with another start time means the pid came
 * round: the group is a stranger's. Without it (older jobs), since is the supervisor's start.
 */
export function groupMembers(pgid: number, since: string | null | undefined, table: ProcEntry[], exact = true): number[] {
  const floor = since ? Number(since) : 0;
  const leader = table.find((p) => p.pid === pgid);
  if (exact && leader && since && leader.start !== floor) return [];
  return table.filter((p) => p.pgid === pgid && p.start >= floor).map((p) => p.pid);
}

/**
 * The pids outside process group `pgid`: what a signal to the group did not reach. A process
 * is signalled once, so a program that treats a second SIGTERM as "force quit" is not misled.
 */
export function outsideGroup(pids: number[], pgid: number): number[] {
  const groups = new Map(procTable().map((p) => [p.pid, p.pgid]));
  return pids.filter((pid) => groups.get(pid) !== pgid);
}
