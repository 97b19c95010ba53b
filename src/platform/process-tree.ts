import { AgentExecError } from "../protocol/errors.js";
import type { ResolvedSignal } from "./signals.js";

/** What identifies a workload's tree. */
export interface TreeTarget {
  /** The workload's root process; on POSIX it leads its own process group. */
  pid: number;
  /** Windows: the Job Object every process of the job belongs to. */
  windowsJobName?: string | null;
  /** Windows: the supervisor is in the job too, and must survive to record the outcome. */
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
}

export const BACKEND_NAMES = ["koffi"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

let loaded: Promise<ProcessTreeBackend> | undefined;

// Loaded once, and only by the paths that signal: status, tail, list and wait never need FFI.
export function processTree(): Promise<ProcessTreeBackend> {
  loaded ??= loadBackend(process.env.AGENT_EXEC_BACKEND || "koffi");
  return loaded;
}

export async function loadBackend(name: string): Promise<ProcessTreeBackend> {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new AgentExecError(
      "invalid_argument",
      `AGENT_EXEC_BACKEND=${name} is not available; this build has: ${BACKEND_NAMES.join(", ")}`,
    );
  }
  if (process.platform === "win32") return (await import("./win32-koffi.js")).createWin32KoffiBackend();
  return (await import("./posix-koffi.js")).createPosixKoffiBackend();
}
