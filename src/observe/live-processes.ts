import { readdirSync, readFileSync } from "node:fs";
import { cgroupPids, jobCgroupDir } from "../platform/cgroup.js";
import { isSameProcessAlive } from "../platform/process-info.js";
import { processTree } from "../platform/process-tree.js";
import { isTerminal, type JobState } from "../store/types.js";

// "The job's processes" as a reader finds them, never a stranger's: with a cgroup, its
// cgroup.procs; otherwise the members of the workload's process group (pgid = the recorded pid)
// that started no earlier than the workload, plus, while a subreaper supervisor lives, every
// process below it. Linux reads /proc; elsewhere no pids are listed (macOS: see docs/ARCHITECTURE.md).

export interface LiveProcesses {
  count: number;
  pids: number[];
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot, as /proc/<pid>/stat field 22 has it. */
  start: number;
}

/** Every live (not zombie) process, from /proc; [] where there is none. */
export function procTable(): ProcEntry[] {
  if (process.platform !== "linux") return [];
  const out: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = procEntry(Number(name));
    if (entry) out.push(entry);
  }
  return out;
}

function procEntry(pid: number): ProcEntry | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // it ended while we looked
  }
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (f[0] === "Z" || f[0] === "X") return null;
  return { pid, ppid: Number(f[1]), pgid: Number(f[2]), start: Number(f[19]) };
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

/** Every process below `root`; the walk does not descend into `skip` (children that are not the job's). */
export function descendantsOf(root: number, table: ProcEntry[], skip: ReadonlySet<number> = new Set()): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (skip.has(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * The job's processes that are alive now, by the containment it recorded; on Windows the Job
 * Object's pid list (through the backend, so only this async form has it), minus the supervisor.
 */
export async function liveProcessesOf(state: JobState, table?: () => ProcEntry[]): Promise<number[]> {
  const record = state.containment;
  if (record?.kind !== "job-object") return jobProcesses(state, table);
  if (record.job_object !== `AgentExec-${state.job.id}`) return [];
  // The supervisor stays while its Job Object holds a process: once it is gone there is nothing
  // to list, and a reader (status, list, wait) loads no backend for the usual finished job.
  if (!mayHaveLiveProcesses(state)) return [];
  const job = (await processTree()).queryJob(record.job_object);
  return (job?.pids ?? []).filter((pid) => pid !== state.supervisor_pid).sort((a, b) => a - b);
}

/**
 * Without the backend: whether the job may still have processes. A Windows supervisor stays
 * while its Job Object holds any, so there its liveness answers (erring on the side of "yes").
 */
export function mayHaveLiveProcesses(state: JobState): boolean {
  if (state.containment?.kind !== "job-object") return jobProcesses(state).length > 0;
  return Boolean(state.supervisor_pid && isSameProcessAlive(state.supervisor_pid, state.supervisor_start));
}

/** The same as liveProcessesOf for every containment but job-object, which it leaves to that. */
export function jobProcesses(state: JobState, table: () => ProcEntry[] = memo(procTable)): number[] {
  const record = state.containment;
  if (record?.kind === "job-object") return [];
  if (record?.kind === "cgroup") {
    const dir = jobCgroupDir(record.cgroup, state.job.id);
    // cgroup.procs may still list a zombie; a stat per pid is cheaper than a /proc scan.
    return dir ? cgroupPids(dir).filter((pid) => procEntry(pid) !== null) : [];
  }
  // pid_start is /proc's start time on Linux, the only place group members are listed.
  const since = state.pid_start ?? state.supervisor_start;
  const pids = new Set(state.pid && state.pid > 1 ? groupMembers(state.pid, since, table(), Boolean(state.pid_start)) : []);
  const supervisor = state.supervisor_pid;
  if (record?.kind === "subreaper" && supervisor && isSameProcessAlive(supervisor, state.supervisor_start)) {
    for (const pid of descendantsOf(supervisor, table())) pids.add(pid);
  }
  return [...pids].sort((a, b) => a - b);
}

/** `live_processes` of a terminal job that still has some; nothing for a running job or an empty one. */
export async function liveProcessesField(state: JobState, table?: () => ProcEntry[]): Promise<{ live_processes?: LiveProcesses }> {
  if (!isTerminal(state.job.status)) return {};
  const pids = await liveProcessesOf(state, table);
  return pids.length > 0 ? { live_processes: { count: pids.length, pids } } : {};
}

/**
 * The pids outside process group `pgid`: what a signal to the group did not reach. A process
 * is signalled once, so a program that treats a second SIGTERM as "force quit" is not misled.
 */
export function outsideGroup(pids: number[], pgid: number): number[] {
  const groups = new Map(procTable().map((p) => [p.pid, p.pgid]));
  return pids.filter((pid) => groups.get(pid) !== pgid);
}

/** One /proc scan per command, however many jobs it looks at. */
export function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
