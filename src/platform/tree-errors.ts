import { AgentExecError } from "../protocol/errors.js";
import type { ResolvedSignal } from "./signals.js";

// The errors every process-tree backend throws, in one place so that koffi and the addon report a
// failure with the same code, message and details (test/platform/ holds them to one contract).

/** POSIX: kill(2) failed with something other than ESRCH. */
export function posixSignalFailure(pid: number, signal: ResolvedSignal, errno: number, group: boolean): AgentExecError {
  return new AgentExecError(
    "signal_failed",
    `could not send ${signal.name} to ${group ? "process group" : "process"} ${pid}: errno ${errno}`,
    { details: { pid, errno } },
  );
}

/** Windows: a kernel32 call failed while ending the tree. */
export function win32SignalFailure(call: string, code: number): AgentExecError {
  return new AgentExecError("signal_failed", `${call} failed with Windows error ${code}`, { details: { win32_error: code } });
}

/** Windows: the job kept starting processes through every pass. */
export function win32JobBusy(): AgentExecError {
  return new AgentExecError("signal_failed", "the job kept starting processes while it was being ended");
}

/** Windows: the supervisor could not put itself in its Job Object; nothing was started. */
export function win32ContainmentFailure(name: string, call: string, code: number): AgentExecError {
  return new AgentExecError(
    "spawn_failed",
    `could not put the job in Job Object ${name}: ${call} failed with Windows error ${code}` +
      " (a parent job that forbids nesting or breakaway?); the workload was not started",
    { details: { win32_error: code } },
  );
}

// The largest pid the platform can name: Windows a DWORD; POSIX a signed 32-bit pid_t (Linux hands
// out at most 2^22), so a larger value from state.json must be refused here, not wrap in the FFI.
const MAX_PID = process.platform === "win32" ? 0xffffffff : 0x7fffffff;

/**
 * Why `value` is not a pid that names exactly one process tree, or null when it is one. 0, 1 and
 * negatives must never reach kill(2): kill(0) is our own group, kill(-1) every process we may
 * signal, and pid 1 leads its own group, so kill(-getpgid(1)) is kill(-1) too.
 */
export function pidProblem(value: unknown): string | null {
  if (typeof value !== "number" || !Number.isInteger(value)) return "not a whole number";
  if (value <= 1) return "0, 1 and negative pids would reach more than one process tree";
  if (value > MAX_PID) return "larger than any pid";
  return null;
}

/** Every backend refuses a target that could widen a signal with this one error, before any kill. */
export function unsafeTarget(pid: unknown, why: string): AgentExecError {
  return new AgentExecError("unsafe_pid", `refusing to signal pid ${JSON.stringify(pid)}: ${why}`, {
    details: { pid: typeof pid === "number" && Number.isFinite(pid) ? pid : String(pid), why },
  });
}
