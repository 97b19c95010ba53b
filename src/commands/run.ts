import { loadConfig } from "../config.js";
import { createdState, JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { JobMeta } from "../store/types.js";
import { autoGc, type AutoGcOptions } from "./auto-gc.js";
import { buildDefinition, type DefinitionOptions } from "./definition.js";
import { checkLaunchDurations, launchAndObserve, type ObserveOptions, type RunResult } from "./launch.js";
import { readStdinInput, writeStdinFile, type StdinOptions } from "./stdin-input.js";

export { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS, type ObserveOptions, type RunResult } from "./launch.js";

export interface RunOptions extends DefinitionOptions, ObserveOptions, StdinOptions, AutoGcOptions {
  root?: string;
}

/** Defines a job, starts its supervisor, and watches it for up to `until` seconds. */
export async function run(options: RunOptions): Promise<RunResult> {
  const startedMs = performance.now();
  checkLaunchDurations(options);
  const root = resolveRoot(options.root);
  const config = loadConfig(options.config);
  const { meta, env } = buildDefinition(root, options, config);
  const stdin = await readStdinInput(options);
  const dir = createJob(root, meta, stdin);
  const result = await launchAndObserve(dir, meta, env, options, startedMs);
  autoGc(root, config, options);
  return result;
}

/** The job directory with its definition, a `created` state, the workload's stdin and kept secrets, if any. */
export function createJob(root: string, meta: JobMeta, stdin: Buffer | undefined, secrets?: string[]): JobDir {
  const dir = JobDir.create(root, meta, createdState(meta.job.id));
  if (stdin) writeStdinFile(dir, stdin);
  if (secrets) dir.writeSecrets(secrets);
  return dir;
}
