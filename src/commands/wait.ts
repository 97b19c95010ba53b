import { logSize } from "../observe/excerpt.js";
import { watchUntilTerminal } from "../job/read.js";
import { liveProcessesField } from "../observe/live-processes.js";
import { outcomeOf, project, type Outcome } from "../job/projection.js";
import { DEFAULT_WAIT_UNTIL_SECONDS } from "../protocol/options.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { JobStatus } from "../store/types.js";
import { secondsToMs } from "./duration.js";
import type { JobRef } from "./status.js";

export { DEFAULT_WAIT_UNTIL_SECONDS };

export interface WaitOptions extends JobRef {
  /** Seconds to wait at most (default 30). The job keeps running when this passes. */
  until?: number;
  forever?: boolean;
  /** Seconds between fallback checks (default 1); changes are seen at once without it. */
  poll?: number;
  /** Stops waiting early (serve: the client disconnected); the answer is the state at that moment. */
  signal?: AbortSignal;
}

export interface WaitResult extends Outcome {
  job_id: string;
  state: JobStatus;
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  updated_at: string;
  waited_ms: number;
}

/** Waits until the job is terminal or the deadline passes; never stops the job. */
export async function wait(options: WaitOptions): Promise<WaitResult> {
  const timeoutMs = options.forever ? null : secondsToMs(options.until ?? DEFAULT_WAIT_UNTIL_SECONDS, "until");
  const pollMs = Math.max(10, secondsToMs(options.poll ?? 1, "poll"));
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  dir.readMeta();
  const startedMs = performance.now();
  const state = await watchUntilTerminal(dir, { timeoutMs, pollMs, signal: options.signal });
  const view = project(state);
  return {
    job_id: dir.id,
    state: view.state,
    ...outcomeOf(view),
    ...(await liveProcessesField(state)),
    stdout_total_bytes: logSize(dir.stdoutPath),
    stderr_total_bytes: logSize(dir.stderrPath),
    updated_at: view.updated_at,
    waited_ms: Math.round(performance.now() - startedMs),
  };
}
