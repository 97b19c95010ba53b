import { rmSync } from "node:fs";
import { writeJsonAtomic, readJsonFile } from "../store/atomic.js";
import type { JobDir } from "../store/job-dir.js";
import { now } from "../time.js";

// `kill` leaves this note before it ends a tree. On POSIX the exit status already names the signal;
// on Windows a terminated process just exits with a code, and the note is how the supervisor
// knows the job was killed, and with what.
const FILE = "kill-request.json";

export function writeKillRequest(dir: JobDir, signal: string): void {
  writeJsonAtomic(dir.file(FILE), { signal, requested_at: now() });
}

export function readKillRequest(dir: JobDir): string | null {
  try {
    const request = readJsonFile(dir.file(FILE)) as { signal?: unknown } | undefined;
    return typeof request?.signal === "string" ? request.signal : null;
  } catch {
    return null;
  }
}

/** `restart` removes the previous run's note so it cannot mark the new run as killed. */
export function clearKillRequest(dir: JobDir): void {
  rmSync(dir.file(FILE), { force: true });
}
