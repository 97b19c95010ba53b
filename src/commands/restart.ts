import { rmSync } from "node:fs";
import { readJobState } from "../job/read.js";
import { isWorkloadAlive } from "../platform/process-identity.js";
import { AgentExecError } from "../protocol/errors.js";
import { truncateJobFile } from "../store/job-file.js";
import { isTerminal } from "../store/types.js";
import { kill } from "./kill.js";
import { launchStored, type RunResult, type StoredLaunchOptions } from "../launch/launch.js";
import { PREVIOUS_RUN_FILES } from "../job/files.js";
import { createdState } from "../job/transitions.js";

export interface RestartOptions extends StoredLaunchOptions {
  /** Signal that ends a running tree first (default TERM). */
  signal?: string;
}

/** Runs a job's definition again under the same id: ends a running tree, clears the old run, starts. */
export function restart(options: RestartOptions): Promise<RunResult> {
  return launchStored(options, async (dir, meta, root) => {
    let state = readJobState(dir);
    if (state.job.status === "running") {
      const outcome = await kill({ root, jobId: dir.id, signal: options.signal ?? "TERM" });
      state = readJobState(dir);
      if (!isTerminal(state.job.status)) {
        throw new AgentExecError("signal_failed", `job ${dir.id} did not end after ${outcome.sent_signal}; try --signal KILL`);
      }
    }
    if (state.job.status !== "created" && isWorkloadAlive(state)) {
      throw new AgentExecError("invalid_state", `job ${dir.id}: its process ${state.pid} is still alive; try --signal KILL`);
    }
    for (const path of [dir.stdoutPath, dir.stderrPath, dir.fullLogPath(meta)]) truncateJobFile(path);
    // The previous run's events and kill request describe it, not the new one.
    for (const name of PREVIOUS_RUN_FILES) rmSync(dir.file(name), { force: true });
    dir.writeState(createdState(dir.id));
  });
}
