import { AgentExecError } from "../protocol/errors.js";
import type { ResolvedSignal } from "./signals.js";

/** What identifies a workload's tree: its root pid (a group leader on POSIX) and, on Windows, its job. */
export interface TreeTarget {
  pid: number;
  windowsJobName?: string | null;
}

/** The one interface every process-tree backend implements; see test/platform for its conformance suite. */
export interface ProcessTreeBackend {
  readonly name: string;
  readonly version: string;
  /**
   * Delivers `signal` to the whole tree. Returns false when nothing was left to signal
   * (already gone counts as success); throws `signal_failed` when a live tree could not be signalled.
   */
  signalTree(target: TreeTarget, signal: ResolvedSignal): boolean;
}

export const BACKEND_NAMES = ["koffi"] as const;

let loaded: Promise<ProcessTreeBackend> | undefined;

// Loaded once and lazily: status, tail and list never pay for FFI.
export function processTree(): Promise<ProcessTreeBackend> {
  loaded ??= loadBackend(process.env.AGENT_EXEC_BACKEND);
  return loaded;
}

async function loadBackend(forced: string | undefined): Promise<ProcessTreeBackend> {
  if (forced && !BACKEND_NAMES.includes(forced as never)) {
    throw new AgentExecError(
      "invalid_argument",
      `AGENT_EXEC_BACKEND=${forced} is not available; this build has: ${BACKEND_NAMES.join(", ")}`,
    );
  }
  if (process.platform === "win32") {
    throw new AgentExecError("internal_error", "no Windows process-tree backend in this build");
  }
  const { createPosixKoffiBackend } = await import("./posix-koffi.js");
  return createPosixKoffiBackend();
}
