import { cgroupPids, jobCgroupDir } from "../platform/cgroup.js";
import { isSameProcessAlive } from "../platform/process-info.js";
import { procEntry, procTable, groupMembers, descendantsOf, type ProcEntry } from "../platform/proc-table.js";
import { processTree } from "../platform/process-tree.js";
import { isTerminal, type JobState } from "../store/types.js";

// "The job's processes" as a reader finds them, never a stranger's: with a cgroup, its
// cgroup.procs; otherwise the members of the workload's process group (pgid = the recorded pid)
// that started no earlier than the workload, plus, while a subreaper supervisor lives, every
// process below it. Linux reads /proc; elsewhere no pids are listed (macOS: see docs/ARCHITECTURE.md).

export { groupMembers, outsideGroup, procTable } from "../platform/proc-table.js";

export interface LiveProcesses {
  count: number;
  pids: number[];
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
export function mayHaveLiveProcesses(state: JobState, table?: () => ProcEntry[]): boolean {
  if (state.containment?.kind !== "job-object") return jobProcesses(state, table).length > 0;
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

/** One /proc scan per command, however many jobs it looks at. */
export function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
