import { staleReason, watchUntilTerminal } from "../observe/job-state.js";
import { processTree, type TreeTarget } from "../platform/process-tree.js";
import { resolveSignal, type ResolvedSignal } from "../platform/signals.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { isTerminal, type JobState, type JobStatus } from "../store/types.js";
import { writeKillRequest } from "../supervisor/kill-request.js";
import { now } from "../time.js";
import { endLeftovers, signalJobProcesses } from "./end-processes.js";
import type { JobRef } from "./status.js";

// How long `kill` watches for the supervisor to record the outcome.
const OBSERVE_MS = 3000;

export interface KillOptions extends JobRef {
  /** TERM (default), INT, KILL, any other signal name or number; unknown names send KILL. */
  signal?: string;
  /** Return right after signalling, without the observed state (the reference's legacy shape). */
  noWait?: boolean;
}

export interface KillResult {
  job_id: string;
  /** The signal as requested, upper-cased. */
  signal: string;
  /** The signal actually delivered, e.g. SIGTERM. */
  sent_signal: string;
  state?: JobStatus;
  exit_code?: number;
  terminated_signal?: string;
  observed_within_ms?: number;
  reason?: string;
  /** A finished job's leftover processes that this kill ended. */
  ended_processes?: number;
  /** The job's processes still alive when the observation ended. */
  live_processes?: { count: number; pids: number[] };
}

/** Signals the job's whole process tree and watches (up to 3 s) for the outcome the supervisor records. */
export async function kill(options: KillOptions): Promise<KillResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const signal = resolveSignal(options.signal ?? "TERM");
  const state = dir.readState();
  const base = { job_id: dir.id, signal: signal.requested, sent_signal: signal.name };
  if (state.job.status === "created") {
    throw new AgentExecError("invalid_state", `job ${dir.id} has not been started; there is nothing to signal`);
  }
  const stale = staleReason(state);
  if (stale) return { ...base, ...observed(await killOrphan(dir, state, signal, stale), 0) };
  if (isTerminal(state.job.status)) return { ...base, ...observed(state, 0), ...(await killLeftovers(state, signal)) };
  if (!state.pid) throw new AgentExecError("internal_error", `job ${dir.id} is running but records no pid`);

  const tree = await processTree();
  writeKillRequest(dir, signal.name);
  tree.signalTree(treeOf(state, state.pid), signal);
  await signalJobProcesses(state, signal, true); // those that left the group
  if (options.noWait) return base;

  const startedMs = performance.now();
  const terminal = await watchUntilTerminal(dir, { timeoutMs: OBSERVE_MS, pollMs: 100 });
  return { ...base, ...observed(terminal, Math.round(performance.now() - startedMs)) };
}

/**
 * The supervisor is gone, so nobody else will record an outcome: end what is left of the
 * workload's tree, then write the terminal state ourselves.
 */
async function killOrphan(dir: JobDir, state: JobState, signal: ResolvedSignal, stale: string): Promise<JobState> {
  const tree = await processTree();
  const signalled = (state.pid ? tree.signalTree(treeOf(state, state.pid), signal) : false) || (await signalJobProcesses(state, signal, Boolean(state.pid))).length > 0;
  const at = now();
  const final: JobState = {
    ...state,
    job: { ...state.job, status: signalled ? "killed" : "failed" },
    result: { ...state.result, signal: signalled ? signal.name : null },
    finished_at: at,
    updated_at: at,
    reason: signalled ? `supervisor lost; the orphaned workload was sent ${signal.name} by kill` : stale,
  };
  dir.writeState(final);
  return final;
}

/** The root exited but processes of the job live on: end them, and say how many. */
async function killLeftovers(state: JobState, signal: ResolvedSignal): Promise<Partial<KillResult>> {
  const { ended, live } = await endLeftovers(state, signal, OBSERVE_MS);
  return { ended_processes: ended, ...(live.length > 0 ? { live_processes: { count: live.length, pids: live } } : {}) };
}

function treeOf(state: JobState, pid: number): TreeTarget {
  return { pid, windowsJobName: state.windows_job_name, supervisorPid: state.supervisor_pid };
}

function observed(state: JobState, withinMs: number): Partial<KillResult> {
  return {
    state: state.job.status,
    ...(state.result.exit_code !== null ? { exit_code: state.result.exit_code } : {}),
    ...(state.result.signal ? { terminated_signal: state.result.signal } : {}),
    ...(state.reason ? { reason: state.reason } : {}),
    observed_within_ms: withinMs,
  };
}
