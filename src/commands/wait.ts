import { liveProcessesField } from "../observe/live-processes.js";
import { checkExcerptOptions, outputFields, type ExcerptOptions, type OutputFields } from "../observe/output.js";
import { compileUntilOutput, watchForOutput, type UntilOutput } from "../observe/until-output.js";
import { outcomeOf, project, type Outcome } from "../job/projection.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES, DEFAULT_WAIT_UNTIL_SECONDS } from "../protocol/options.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { isTerminal, type JobStatus } from "../store/types.js";
import { watchUntilDrained } from "../job/read.js";
import { secondsToMs } from "./duration.js";
import type { JobRef } from "./status.js";

export { DEFAULT_WAIT_UNTIL_SECONDS };

export interface WaitOptions extends JobRef, ExcerptOptions {
  /** Seconds to wait at most (default 30). The job keeps running when this passes. */
  until?: number;
  forever?: boolean;
  /** Seconds between fallback checks (default 1); changes are seen at once without it. */
  poll?: number;
  /** Answer as soon as a line of stdout or stderr matches this regex (RE2 syntax), still within `until`. */
  untilOutput?: string;
  /** Stops waiting early (serve: the client disconnected); the answer is the state at that moment. */
  signal?: AbortSignal;
}

export interface WaitResult extends Outcome, OutputFields {
  job_id: string;
  state: JobStatus;
  until_output?: UntilOutput;
  updated_at: string;
  waited_ms: number;
}

/**
 * Waits until the job is terminal (or its output matches `untilOutput`) or the deadline passes;
 * never stops the job. Returns each stream's tail by default, as 0.2.31 does (50 lines, 64 KiB).
 */
export async function wait(options: WaitOptions): Promise<WaitResult> {
  const timeoutMs = options.forever ? null : secondsToMs(options.until ?? DEFAULT_WAIT_UNTIL_SECONDS, "until");
  const pollMs = Math.max(10, secondsToMs(options.poll ?? 1, "poll"));
  checkExcerptOptions(options, "tail");
  compileUntilOutput(options.untilOutput);
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  dir.readMeta();
  const startedMs = performance.now();
  const seen = await watchForOutput(dir, options.untilOutput, { timeoutMs, pollMs, signal: options.signal });
  const { untilOutput } = seen;
  // Output of descendants that outlived the root is still being copied: answer once it is in.
  const state = isTerminal(seen.state.job.status) ? await watchUntilDrained(dir, seen.state, { pollMs, signal: options.signal }) : seen.state;
  const view = project(state);
  return {
    job_id: dir.id,
    state: view.state,
    ...outcomeOf(view),
    ...(await liveProcessesField(state)),
    ...outputFields(dir, state, options, { excerpt: "tail", maxBytes: DEFAULT_MAX_BYTES, tailLines: DEFAULT_TAIL_LINES }),
    ...(untilOutput ? { until_output: untilOutput } : {}),
    updated_at: view.updated_at,
    waited_ms: Math.round(performance.now() - startedMs),
  };
}
