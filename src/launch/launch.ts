import { compressionField, compressionModeOf } from "../compress/field.js";
import { checkWholeNumber, headExcerpt } from "../observe/excerpt.js";
import { readJobState, watchUntilTerminal } from "../job/read.js";
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

/** How long run/start/restart watch the job before answering. */
export interface ObserveOptions {
  /** false: answer as soon as the workload has started. */
  wait?: boolean;
  /** Seconds to wait for a terminal state (default 10); ignored with `forever`. */
  until?: number;
  forever?: boolean;
  /** Bytes of each stream's head to include (default 65536). */
  maxBytes?: number;
  /** The `compression` view beside the excerpts (default: config.toml's, else route; off: none). */
  compress?: CompressionMode;
  /**
   * Stop watching and answer now (the CLI's SIGINT/SIGTERM): the job keeps running, and the
   * answer still carries its id. A launch under way finishes its handshake first.
   */
  interrupt?: AbortSignal;
}

export interface RunResult extends Outcome {
  job_id: string;
  state: JobStatus;
  tags: string[];
  env_vars?: string[];
  stdout_log_path: string;
  stderr_log_path: string;
  elapsed_ms: number;
  waited_ms: number;
  stdout: string;
  stderr: string;
  stdout_range: [number, number];
  stderr_range: [number, number];
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  encoding: "utf-8-lossy";
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
  const state = await observe(dir, options);
  const waitedMs = options.wait === false ? 0 : Math.round(performance.now() - observeStart);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const stdout = headExcerpt(dir.stdoutPath, maxBytes);
  const stderr = headExcerpt(dir.stderrPath, maxBytes);
  const view = project(state);
  return {
    job_id: meta.job.id,
    state: view.state,
    tags: meta.tags,
    ...(meta.env_vars.length > 0 ? { env_vars: meta.env_vars } : {}),
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
    elapsed_ms: Math.round(performance.now() - startedMs),
    waited_ms: waitedMs,
    stdout: stdout.text,
    stderr: stderr.text,
    stdout_range: stdout.range,
    stderr_range: stderr.range,
    stdout_total_bytes: stdout.total,
    stderr_total_bytes: stderr.total,
    encoding: "utf-8-lossy",
    ...outcomeOf(view),
    ...(await liveProcessesField(state)),
    ...compressionField(options.compress, meta.command, stdout, stderr, { stdout: dir.stdoutPath, stderr: dir.stderrPath }),
  };
}

/** The observation budget in ms (null: forever). */
function observeTimeoutMs(options: ObserveOptions): number | null {
  return options.forever ? null : secondsToMs(options.until ?? DEFAULT_RUN_UNTIL_SECONDS, "until");
}

/** A bad duration (or byte cap) is refused before anything is defined or started, not found after the run. */
export function checkLaunchDurations(options: ObserveOptions & AutoGcOptions): void {
  observeTimeoutMs(options);
  checkWholeNumber(options.maxBytes, "max_bytes");
  if (options.autoGcOlderThan !== undefined) durationOrThrow(options.autoGcOlderThan, "auto_gc_older_than");
}

/** Waits until the job is terminal or the observation budget is spent, and returns its state. */
async function observe(dir: JobDir, options: ObserveOptions): Promise<StateRecord> {
  if (options.wait === false) return readJobState(dir);
  const timeoutMs = observeTimeoutMs(options);
  return watchUntilTerminal(dir, { timeoutMs, pollMs: 250, signal: options.interrupt });
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
