import { compressionModeOf } from "../compress/field.js";
import { loadConfig } from "../config.js";
import { AgentExecError } from "../protocol/errors.js";
import { claimLaunch } from "../store/launch-claim.js";
import { STDIN_FILE } from "../job/files.js";
import { createdState } from "../job/transitions.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { JobMeta } from "../store/types.js";
import { autoGc, type AutoGcOptions } from "../launch/auto-gc.js";
import { buildDefinition, type DefinitionOptions } from "../launch/definition.js";
import { checkLaunchDurations, launchAndObserve, type ObserveOptions, type RunResult } from "../launch/launch.js";
import { readStdinInput, writeStdinFile, type StdinOptions } from "../launch/stdin-input.js";

export { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS, type ObserveOptions, type RunResult } from "../launch/launch.js";

export interface RunOptions extends DefinitionOptions, ObserveOptions, StdinOptions, AutoGcOptions {
  root?: string;
}

/** Defines a job, starts its supervisor, and watches it for up to `until` seconds. */
export async function run(options: RunOptions): Promise<RunResult> {
  const startedMs = performance.now();
  checkLaunchDurations(options);
  const root = resolveRoot(options.root);
  const config = loadConfig(options.config);
  const compress = compressionModeOf(options.compress, config);
  const { meta, env } = buildDefinition(root, options, config);
  const stdin = await readStdinInput(options);
  if (options.interrupt?.aborted) throw new AgentExecError("invalid_state", "interrupted before the job was created; nothing ran");
  let release: () => void = () => {};
  // The launch claim is taken as soon as the directory exists, so a `run` killed at any point
  // after that leaves a lock naming a dead process: the job reads as abandoned, not as `created`.
  let dir: JobDir;
  try {
    dir = createJob(root, meta, stdin, (made) => (release = claimLaunch(made)));
  } catch (error) {
    release(); // a long-lived caller (serve) must not keep a half-made job's claim
    throw error;
  }
  const result = await launchAndObserve(dir, meta, env, { ...options, compress }, startedMs, release);
  if (!options.interrupt?.aborted) autoGc(root, config, options);
  return result;
}

/**
 * The job directory with its definition, a `created` state, the workload's stdin and kept secrets,
 * if any. `made` runs once the empty directory exists, before any file is written.
 */
export function createJob(
  root: string,
  meta: JobMeta,
  stdin: Buffer | undefined,
  made?: (dir: JobDir) => void,
  secrets?: string[],
): JobDir {
  // meta.json names the materialized input, relative to the job directory, as 0.2.31 does.
  const dir = JobDir.create(root, stdin ? { ...meta, stdin_file: STDIN_FILE } : meta, createdState(meta.job.id), made);
  if (stdin) writeStdinFile(dir, stdin);
  if (secrets) dir.writeSecrets(secrets);
  return dir;
}
