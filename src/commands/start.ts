import { AgentExecError } from "../protocol/errors.js";
import { launchStored, type RunResult, type StoredLaunchOptions } from "../launch/launch.js";

export type StartOptions = StoredLaunchOptions;

/** Launches a job that `create` defined, and watches it like `run`. */
export function start(options: StartOptions): Promise<RunResult> {
  return launchStored(options, (dir) => {
    const state = dir.readState();
    if (state.job.status !== "created") {
      throw new AgentExecError("invalid_state", `job ${dir.id} is ${state.job.status}; only a created job can be started`, {
        details: { state: state.job.status },
      });
    }
  });
}
