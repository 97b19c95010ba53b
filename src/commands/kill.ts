import { definedOnly } from "../defined.js";
import { project } from "../job/projection.js";
import { staleReason } from "../job/read.js";
import { jobState } from "../job/state.js";
import { orphanEnded } from "../job/transitions.js";
import { checkJobWorkload, reusedPidReason, type StartTimeOf } from "../platform/process-identity.js";
import { processTree, type ProcessTreeBackend, type TreeTarget } from "../platform/process-tree.js";
import { resolveSignal, type ResolvedSignal } from "../platform/signals.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { isTerminal, type JobStatus, type StateRecord } from "../store/types.js";
import { writeKillRequest } from "../job/kill-request.js";
import { endLeftovers, signalJobProcesses } from "./end-processes.js";
import { graceElapsed, graceMs, OBSERVE_MS, observeKill, stillRunningHint } from "./kill-escalation.js";
import type { JobRef } from "./status.js";

const KILL = resolveSignal("KILL");

export interface KillOptions extends JobRef {
  /** TERM (default), INT, KILL, any other signal name or number; unknown names send KILL. */
  signal?: string;
  /** Return right after signalling, without the observed state (the reference's legacy shape). */
  noWait?: boolean;
  /** Seconds to wait after `signal` before SIGKILL for what is left (a number, or its text). */
  grace?: number | string;
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
  /** Set when the grace ran out with the job still running and SIGKILL was sent. */
  escalated_to?: string;
  /** Set when the observation ended with the job still running: what to do next. */
  hint?: string;
  /** A finished job's leftover processes that this kill ended. */
  ended_processes?: number;
  /** The job's processes still alive when the observation ended. */
  live_processes?: { count: number; pids: number[] };
}

/** Signals the job's whole process tree and watches (up to 3 s) for the outcome the supervisor records. */
export async function kill(options: KillOptions): Promise<KillResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const signal = resolveSignal(options.signal ?? "TERM");
  const grace = graceMs(options.grace);
  if (grace !== undefined && options.noWait) {
    throw new AgentExecError("invalid_argument", "give --grace or --no-wait, not both: the escalation needs the wait");
  }
  const state = dir.readState();
  const base = { job_id: dir.id, signal: signal.requested, sent_signal: signal.name };
  // An abandoned launch is not looked for: a created job has nothing to signal either way.
  const job = jobState(state, { lost: staleReason(state) });
  if (job.status === "created") {
    throw new AgentExecError("invalid_state", `job ${dir.id} has not been started; there is nothing to signal`);
  }
  if (job.status === "orphaned") {
    const startedMs = performance.now();
    const { final, escalated } = await killOrphan(dir, state, signal, job.reason, grace);
    return { ...base, ...observed(final, Math.round(performance.now() - startedMs)), ...(escalated ? { escalated_to: KILL.name } : {}) };
  }
  if (job.status !== "running") return { ...base, ...observed(state, 0), ...(await killLeftovers(state, signal)) };
  if (!job.pid) throw new AgentExecError("internal_error", `job ${dir.id} is running but records no pid`);

  const tree = await processTree();
  const startOf: StartTimeOf = (pid) => tree.processStartTime(pid);
  // The live supervisor reaped the root a moment ago and its pid is someone else's: it is
  // recording the exit right now, so there is nothing to send, only that outcome to observe.
  const ours = (current: StateRecord) => checkJobWorkload(current, startOf) !== "reused";
  // A supervisor that gets no exit signal (a Windows Job Object) learns from the request what
  // ended the tree, so there it is written first; elsewhere the exit status tells, the request is
  // only a record, and its atomic write (an fsync) is not worth delaying the signal for.
  const requestFirst = Boolean(state.windows_job_name);
  const send = async (sig: ResolvedSignal) => {
    if (requestFirst) writeKillRequest(dir, sig.name);
    tree.signalTree(treeOf(state, state.pid!), sig);
    await signalJobProcesses(state, sig, true); // those that left the group (setsid, double fork)
    if (!requestFirst) writeKillRequest(dir, sig.name);
  };
  if (ours(state)) await send(signal);
  if (options.noWait) return base;

  const startedMs = performance.now();
  const { state: after, escalated } = await observeKill(dir, signal.name === KILL.name ? undefined : grace, async () => {
    if (!ours(state)) return false;
    await send(KILL);
    return true;
  });
  const running = !isTerminal(after.job.status);
  return {
    ...base,
    ...observed(after, Math.round(performance.now() - startedMs)),
    ...(escalated ? { escalated_to: KILL.name } : {}),
    ...(running ? { hint: stillRunningHint(escalated ? KILL.name : signal.name) } : {}),
  };
}

/**
 * The supervisor is gone, so nobody else will record an outcome: end what is left of the
 * workload's tree, then write the terminal state ourselves.
 */
async function killOrphan(
  dir: JobDir,
  state: StateRecord,
  signal: ResolvedSignal,
  stale: string,
  grace: number | undefined,
): Promise<{ final: StateRecord; escalated: boolean }> {
  const tree = await processTree();
  const check = checkJobWorkload(state, (pid) => tree.processStartTime(pid));
  // A reused pid is never signalled: the truth is that the workload is gone. The job's other
  // processes are found by its containment, which never names a stranger.
  const rootSignalled = check !== "reused" && state.pid ? tree.signalTree(treeOf(state, state.pid), signal) : false;
  const othersSignalled = (await signalJobProcesses(state, signal, check !== "reused" && Boolean(state.pid))).length > 0;
  const signalled = rootSignalled || othersSignalled;
  const escalated = signalled && grace !== undefined && signal.name !== KILL.name && (await escalateOrphan(tree, state, grace));
  const endedBy = escalated ? KILL : signal;
  const reason = signalled
    ? `supervisor lost; the orphaned workload was sent ${escalated ? `${signal.name}, then ${KILL.name} after the grace,` : signal.name} by kill`
    : check === "reused"
      ? `supervisor lost; ${reusedPidReason(state.pid!)}`
      : stale;
  const final = orphanEnded(state, signalled ? endedBy.name : null, reason);
  dir.writeState(final);
  return { final, escalated };
}

/** SIGKILL for the orphan if its root is still alive once the grace is over. */
async function escalateOrphan(tree: ProcessTreeBackend, state: StateRecord, grace: number): Promise<boolean> {
  const startOf: StartTimeOf = (pid) => tree.processStartTime(pid);
  if (!(await graceElapsed(grace, () => checkJobWorkload(state, startOf) === "ours"))) return false;
  tree.signalTree(treeOf(state, state.pid!), KILL);
  await signalJobProcesses(state, KILL, true);
  return true;
}

/** The root exited but processes of the job live on: end them, and say how many. */
async function killLeftovers(state: StateRecord, signal: ResolvedSignal): Promise<Partial<KillResult>> {
  const { ended, live } = await endLeftovers(state, signal, OBSERVE_MS);
  return { ended_processes: ended, ...(live.length > 0 ? { live_processes: { count: live.length, pids: live } } : {}) };
}

function treeOf(state: StateRecord, pid: number): TreeTarget {
  return { pid, windowsJobName: state.windows_job_name, supervisorPid: state.supervisor_pid };
}

function observed(state: StateRecord, withinMs: number): Partial<KillResult> {
  const view = project(state);
  return definedOnly({ state: view.state, exit_code: view.exit_code, terminated_signal: view.signal, reason: view.reason, observed_within_ms: withinMs });
}
