import { compressionField, compressionModeOf } from "../compress/field.js";
import { readJobState } from "../job/read.js";
import { checkExcerptOptions, excerptOf, outputFields, type ExcerptOptions, type OutputFields } from "../observe/output.js";
import { compileUntilOutput, watchForOutput, type UntilOutput } from "../observe/until-output.js";
import { AgentExecError } from "../protocol/errors.js";
import { liveProcessesField } from "../observe/live-processes.js";
import { outcomeOf, project, type Outcome } from "../job/projection.js";
import { loadConfig } from "../config.js";
import { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS, type CompressionMode } from "../protocol/options.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { Compression } from "../compress/index.js";
import type { JobMeta, JobStatus, StateRecord } from "../store/types.js";
import { claimLaunch } from "../store/launch-claim.js";
import { startSupervisor } from "../supervisor/start-supervisor.js";
import { autoGc, type AutoGcOptions } from "./auto-gc.js";
import { environmentOf } from "./definition.js";
import { durationOrThrow, secondsToMs } from "../commands/duration.js";
import type { JobRef } from "../commands/status.js";

// The part of run, start and restart after the job is defined: start its supervisor, watch it,
// and describe what was seen.

export { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS };

/** How long run/start/restart watch the job before answering, and which output they return. */
export interface ObserveOptions extends ExcerptOptions {
  /** false: answer as soon as the workload has started. */
  wait?: boolean;
  /** Seconds to wait for a terminal state (default 10); ignored with `forever`. */
  until?: number;
  forever?: boolean;
  /** Answer as soon as a line of stdout or stderr matches this regex (RE2 syntax), still within `until`. */
  untilOutput?: string;
  /** The `compression` view beside the excerpts (default: config.toml's, else route; off: none). */
  compress?: CompressionMode;
  /**
   * Stop watching and answer now (the CLI's SIGINT/SIGTERM): the job keeps running, and the
   * answer still carries its id. A launch under way finishes its handshake first.
   */
  interrupt?: AbortSignal;
}

export interface RunResult extends Outcome, OutputFields {
  job_id: string;
  state: JobStatus;
  tags: string[];
  env_vars?: string[];
  stdout_log_path: string;
  stderr_log_path: string;
  elapsed_ms: number;
  waited_ms: number;
  until_output?: UntilOutput;
  compression?: Compression;
}

/**
 * Starts the supervisor of a `created` job with its real environment and watches the job.
 * `release` gives up the job's launch claim, which the caller took; `prepare` runs first, under
 * it (checks and resets that must not race another launch). `startedMs` is when the command began
 * (performance.now()), for elapsed_ms. `options.compress` is the mode already resolved
 * (compressionModeOf).
 */
export async function launchAndObserve(
  dir: JobDir,
  meta: JobMeta,
  env: Record<string, string>,
  options: ObserveOptions & { compress: CompressionMode },
  startedMs: number,
  release: () => void,
  prepare?: () => unknown,
): Promise<RunResult> {
  try {
    await prepare?.();
    await startSupervisor(dir, { env });
  } finally {
    release(); // from here on the job is no longer `created`, so no other launch can begin
  }
  const observeStart = performance.now();
  const { state, untilOutput } = await observe(dir, options);
  const waitedMs = options.wait === false ? 0 : Math.round(performance.now() - observeStart);
  const view = project(state);
  const output = outputFields(dir, state, options, { excerpt: "head", maxBytes: DEFAULT_MAX_BYTES, tailLines: 0 });
  return {
    job_id: meta.job.id,
    state: view.state,
    tags: meta.tags,
    ...(meta.env_vars.length > 0 ? { env_vars: meta.env_vars } : {}),
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
    elapsed_ms: Math.round(performance.now() - startedMs),
    waited_ms: waitedMs,
    ...output,
    ...(untilOutput ? { until_output: untilOutput } : {}),
    ...outcomeOf(view),
    ...(await liveProcessesField(state)),
    ...compressionField(options.compress, meta.command, excerptOf(output, "stdout"), excerptOf(output, "stderr"), {
      stdout: dir.stdoutPath,
      stderr: dir.stderrPath,
    }),
  };
}

/** The observation budget in ms (null: forever). */
function observeTimeoutMs(options: ObserveOptions): number | null {
  return options.forever ? null : secondsToMs(options.until ?? DEFAULT_RUN_UNTIL_SECONDS, "until");
}

/**
 * A bad duration, byte cap, excerpt or pattern is refused before anything is defined or started,
 * not found after the run.
 */
export function checkLaunchDurations(options: ObserveOptions & AutoGcOptions): void {
  observeTimeoutMs(options);
  checkExcerptOptions(options, "head");
  compileUntilOutput(options.untilOutput);
  if (options.untilOutput !== undefined && options.wait === false) {
    throw new AgentExecError("invalid_argument", "until_output needs the watch: it cannot be used with wait false", { fields: ["until_output", "wait"] });
  }
  if (options.autoGcOlderThan !== undefined) durationOrThrow(options.autoGcOlderThan, "auto_gc_older_than");
}

/** Waits until the job is terminal, its output matches, or the observation budget is spent. */
async function observe(dir: JobDir, options: ObserveOptions): Promise<{ state: StateRecord; untilOutput?: UntilOutput }> {
  if (options.wait === false) return { state: readJobState(dir) };
  const timeoutMs = observeTimeoutMs(options);
  return watchForOutput(dir, options.untilOutput, { timeoutMs, pollMs: 250, signal: options.interrupt });
}

/** What start and restart take: a stored job, how to watch it, and the auto-gc afterwards. */
export interface StoredLaunchOptions extends JobRef, ObserveOptions, AutoGcOptions {
  /** config.toml for the auto-gc and compression defaults. */
  config?: string;
}

/**
 * start and restart: launches a stored job's definition again, with its environment rebuilt now,
 * watches it like `run`, then runs auto-gc. `prepare` is launchAndObserve's.
 */
export async function launchStored(
  options: StoredLaunchOptions,
  prepare: (dir: JobDir, meta: JobMeta, root: string) => unknown,
): Promise<RunResult> {
  const startedMs = performance.now();
  checkLaunchDurations(options);
  const root = resolveRoot(options.root);
  const config = loadConfig(options.config); // a config error comes before job_not_found
  const compress = compressionModeOf(options.compress, config);
  const dir = JobDir.open(root, options.jobId);
  const meta = dir.readMeta();
  const result = await launchAndObserve(dir, meta, environmentOf(dir, meta), { ...options, compress }, startedMs, claimLaunch(dir), () =>
    prepare(dir, meta, root),
  );
  if (!options.interrupt?.aborted) autoGc(root, config, options);
  return result;
}
