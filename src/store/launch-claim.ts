import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { isProcessAlive } from "../platform/process-info.js";
import { AgentExecError, ioError } from "../protocol/errors.js";
import type { JobDir } from "./job-dir.js";

/**
 * Claims the right to launch a job, so two `start`/`restart` calls (or a `start` racing the `run`
 * that created the job) can never give one job two supervisors. The claim is a file created with
 * O_EXCL holding the claimant's pid; one left by a process that died is taken over. Returns the
 * release function.
 */
export function claimLaunch(dir: JobDir): () => void {
  const path = dir.file("launch.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(error, "claim", path);
    }
    const holder = Number(readHolder(path));
    if (holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
      throw new AgentExecError("invalid_state", `job ${dir.id} is being launched by process ${holder}`, {
        retryable: true,
        details: { launching_pid: holder },
      });
    }
    rmSync(path, { force: true }); // its claimant died (or is still writing its pid: then we retry)
  }
  throw new AgentExecError("io_error", `could not claim ${path}`);
}

function readHolder(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
