import { watchUntilTerminal } from "../job/read.js";
import type { JobDir } from "../store/job-dir.js";
import { isTerminal, type StateRecord } from "../store/types.js";
import { sleep } from "../time.js";
import { secondsToMs } from "./duration.js";

// `kill --grace`: the signal asked for, then SIGKILL for whatever is left once the grace is over.

// How long `kill` watches for the supervisor to record the outcome (after the escalation, if any).
export const OBSERVE_MS = 3000;
/** --grace SECONDS (a number, or its text from the CLI or HTTP) in ms, by the one duration rule. */
export function graceMs(value: number | string | undefined): number | undefined {
  return value === undefined ? undefined : secondsToMs(value, "grace");
}

/**
 * Watches the job after the first signal: with a grace, for that long, then `escalate()` (SIGKILL)
 * if it is still running; then up to OBSERVE_MS for the outcome the supervisor records.
 */
export async function observeKill(
  dir: JobDir,
  grace: number | undefined,
  escalate: () => Promise<boolean>,
): Promise<{ state: StateRecord; escalated: boolean }> {
  let escalated = false;
  if (grace !== undefined) {
    const first = await watchUntilTerminal(dir, { timeoutMs: grace, pollMs: 100 });
    if (isTerminal(first.job.status)) return { state: first, escalated };
    escalated = await escalate();
  }
  return { state: await watchUntilTerminal(dir, { timeoutMs: OBSERVE_MS, pollMs: 100 }), escalated };
}

/** The orphan's version (no supervisor to record anything): polls `alive` for the grace. */
export async function graceElapsed(grace: number, alive: () => boolean): Promise<boolean> {
  const deadline = performance.now() + grace;
  while (alive()) {
    if (performance.now() >= deadline) return true;
    await sleep(Math.min(100, Math.max(1, deadline - performance.now())));
  }
  return false;
}

/** What a `kill` that saw the job still running says, so the caller knows what to do next. */
export function stillRunningHint(sent: string): string {
  return (
    `the job is still running ${OBSERVE_MS / 1000} s after ${sent}: the workload may handle or ignore it; ` +
    "'kill --signal KILL' ends it now, 'kill --grace SECONDS' sends SIGKILL after a grace"
  );
}
