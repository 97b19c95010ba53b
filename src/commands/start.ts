import { loadConfig } from "../config.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { autoGc, type AutoGcOptions } from "./auto-gc.js";
import { environmentOf } from "./definition.js";
import { launchAndObserve, type ObserveOptions, type RunResult } from "./launch.js";
import type { JobRef } from "./status.js";

export interface StartOptions extends JobRef, ObserveOptions, AutoGcOptions {
  /** config.toml for the auto-gc defaults. */
  config?: string;
}

/** Launches a job that `create` defined, and watches it like `run`. */
export async function start(options: StartOptions): Promise<RunResult> {
  const startedMs = performance.now();
  const root = resolveRoot(options.root);
  const config = loadConfig(options.config);
  const dir = JobDir.open(root, options.jobId);
  const meta = dir.readMeta();
  const result = await launchAndObserve(dir, meta, environmentOf(meta), options, startedMs, () => {
    const state = dir.readState();
    if (state.job.status !== "created") {
      throw new AgentExecError("invalid_state", `job ${dir.id} is ${state.job.status}; only a created job can be started`, {
        details: { state: state.job.status },
      });
    }
  });
  autoGc(root, config, options);
  return result;
}
