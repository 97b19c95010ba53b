import { AgentExecError } from "../protocol/errors.js";
import type { ResolvedSignal } from "./signals.js";

/** What identifies a workload's tree. */
export interface TreeTarget {
  /** The workload's root process; on POSIX it leads its own process group. */
  pid: number;
  /**
   * Windows: the Job Object every process of the job belongs to. Without it only `pid` and its
   * descendants are ended (a Toolhelp32 walk), even inside a supervisor's job: that is how a
   * notification sink is ended without touching the workload.
   */
  windowsJobName?: string | null;
  /**
   * The job's supervisor. Windows: it is in the job too, and must survive to record the outcome.
   * Every backend refuses to signal it or (POSIX) its process group (src/platform/target-guard.ts).
   */
  supervisorPid?: number | null;
}

/** The one interface every process-tree backend implements; test/platform is its conformance suite. */
export interface ProcessTreeBackend {
  readonly name: string;
  readonly version: string;
  /**
   * Called by the supervisor before it starts the workload: puts the supervisor in a container
   * that every later descendant inherits, with no way to break away (Windows: the Job Object
   * `AgentExec-<job id>`, kept open while the supervisor lives). Returns the container's name,
   * or null where the workload's own process group is the container (POSIX).
   */
  containSelf(jobId: string): string | null;
  /**
   * Delivers `signal` to the whole tree (Windows: every signal terminates it). Returns false when
   * nothing was left to signal, which counts as success; throws `signal_failed` when a live
   * process could not be signalled.
   */
  signalTree(target: TreeTarget, signal: ResolvedSignal): boolean;
  /**
   * The OS start time of `pid`, opaque (Linux /proc starttime, Windows the creation time), or
   * null when it is gone or the platform does not say (macOS): the workload's identity, recorded
   * when it starts and compared before every signal (src/platform/process-identity.ts).
   */
  processStartTime(pid: number): string | null;
  /**
   * Linux: makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so descendants
   * orphaned by a double fork or a setsid re-parent to it instead of init. False where the OS has
   * no such thing (macOS, Windows) or refuses.
   */
  becomeSubreaper(): boolean;
  /**
   * Reaps `pid`, an exited child of this process that libuv does not own (an adopted orphan):
   * waitpid(pid, WNOHANG). True when it was reaped. Never called for a child node spawned.
   */
  reapChild(pid: number): boolean;
  /** getrusage(RUSAGE_CHILDREN): CPU time and the largest max RSS of the reaped children; null on Windows. */
  childrenUsage(): ChildrenUsage | null;
  /**
   * Windows: the job's pids and accounting (JobObjectBasicAccountingInformation, PeakJobMemoryUsed
   * of JobObjectExtendedLimitInformation) — this process's own job when `jobName` is null. Null
   * when there is no such job (it ended) and on POSIX.
   */
  queryJob(jobName: string | null): JobInfo | null;
}

export interface JobInfo {
  pids: number[];
  /** CPU time of every process the job ever held, this supervisor included. */
  user_ms: number;
  system_ms: number;
  peak_memory_bytes: number;
}

export interface ChildrenUsage {
  user_ms: number;
  system_ms: number;
  /** The largest peak resident set of any one reaped descendant (not a sum). */
  max_rss_bytes: number;
}
/** A Job Object's pids and accounting as the contract has it (times come in 100 ns units). */
export function jobInfoOf(pids: number[], user100ns: number, kernel100ns: number, peak: number): JobInfo {
  return { pids, user_ms: Math.round(user100ns / 10_000), system_ms: Math.round(kernel100ns / 10_000), peak_memory_bytes: peak };
}

/** struct rusage as the contract has it; ru_maxrss is KiB on Linux and bytes on macOS. */
export function rusageOf(uSec: number, uUsec: number, sSec: number, sUsec: number, maxrss: number): ChildrenUsage {
  return {
    user_ms: Math.round(uSec * 1000 + uUsec / 1000),
    system_ms: Math.round(sSec * 1000 + sUsec / 1000),
    max_rss_bytes: process.platform === "darwin" ? maxrss : maxrss * 1024,
  };
}

/**
 * In order of preference: the native addon (native/, built by npm install when a compiler is
 * there, or by npm run build:native), then koffi (always installed). AGENT_EXEC_BACKEND forces one.
 */
export const BACKEND_NAMES = ["addon", "koffi"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

let loaded: Promise<ProcessTreeBackend> | undefined;

// Loaded once, and only by the paths that signal: status, tail, list and wait never need a backend.
export function processTree(): Promise<ProcessTreeBackend> {
  loaded ??= selectBackend(process.env.AGENT_EXEC_BACKEND);
  return loaded;
}

/**
 * AGENT_EXEC_BACKEND when set (a forced backend that cannot load is an error, never a silent
 * fallback); otherwise the first of BACKEND_NAMES that loads.
 */
export async function selectBackend(forced: string | undefined): Promise<ProcessTreeBackend> {
  if (forced) return load(forced, `AGENT_EXEC_BACKEND=${forced}, but the`);
  const problems: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      return await loadBackend(name);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new AgentExecError("internal_error", `no process-tree backend could be loaded (${problems.join("; ")})`);
}

/** The backend of that name, or invalid_argument: an unknown name, or one that cannot load here. */
export function loadBackend(name: string): Promise<ProcessTreeBackend> {
  return load(name, "the");
}

async function load(name: string, lead: string): Promise<ProcessTreeBackend> {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new AgentExecError(
      "invalid_argument",
      `AGENT_EXEC_BACKEND=${name} is not available; this build has: ${BACKEND_NAMES.join(", ")}`,
      { details: { backend: name, available: [...BACKEND_NAMES] } },
    );
  }
  try {
    return await create(name as BackendName);
  } catch (error) {
    throw new AgentExecError(
      "invalid_argument",
      `${lead} ${name} process-tree backend cannot be loaded: ${(error as Error)?.message ?? error}`,
      { details: { backend: name }, cause: error },
    );
  }
}

async function create(name: BackendName): Promise<ProcessTreeBackend> {
  if (name === "addon") return (await import("./addon.js")).createAddonBackend();
  if (process.platform === "win32") return (await import("./win32-koffi.js")).createWin32KoffiBackend();
  return (await import("./posix-koffi.js")).createPosixKoffiBackend();
}
