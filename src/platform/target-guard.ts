import type { TreeTarget } from "./process-tree.js";
import { pidProblem, unsafeTarget } from "./tree-errors.js";

// What every backend checks before it sends anything: a pid from state.json is untrusted, and a
// wrong one must fail loudly rather than signal this process, its group or the supervisor's.
// The addon checks the group cases again in C++ (native/tree_posix.cc) and reports them as
// `refused: "own_group" | "supervisor_group"`, which addon.ts turns into the same error.

export const WHY = {
  self: "it is this process",
  supervisor: "it is the job's supervisor",
  own_group: "it is this process's own process group",
  supervisor_group: "it is the supervisor's process group",
} as const;

/**
 * The target's pid once it is safe to signal, else unsafe_pid. `groupOf` (POSIX) gives a live
 * pid's process group, null when it is gone.
 */
export function guardTarget(target: TreeTarget, groupOf?: (pid: number) => number | null): number {
  const { pid, supervisorPid } = target;
  const problem = pidProblem(pid);
  if (problem) throw unsafeTarget(pid, problem);
  if (pid === process.pid) throw unsafeTarget(pid, WHY.self);
  const supervisor = supervisorPid != null && pidProblem(supervisorPid) === null ? supervisorPid : null;
  if (pid === supervisor) throw unsafeTarget(pid, WHY.supervisor);
  if (groupOf) {
    if (pid === groupOf(process.pid)) throw unsafeTarget(pid, WHY.own_group);
    if (supervisor !== null && pid === groupOf(supervisor)) throw unsafeTarget(pid, WHY.supervisor_group);
  }
  return pid;
}
