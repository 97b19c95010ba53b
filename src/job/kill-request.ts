import { writeJsonAtomic, readJsonFile } from "../store/atomic.js";
import type { JobDir } from "../store/job-dir.js";
import { now } from "../time.js";
import { KILL_REQUEST_FILE } from "./files.js";

// `kill` leaves this note before it ends a tree. On POSIX the exit status already names the signal;
// on Windows a terminated process just exits with a code, and the note is how the supervisor
// knows the job was killed, and with what. `restart` removes it with the previous run's records.

export function writeKillRequest(dir: JobDir, signal: string): void {
  writeJsonAtomic(dir.file(KILL_REQUEST_FILE), { signal, requested_at: now() });
}

export function readKillRequest(dir: JobDir): string | null {
  try {
    const request = readJsonFile(dir.file(KILL_REQUEST_FILE)) as { signal?: unknown } | undefined;
    return typeof request?.signal === "string" ? request.signal : null;
  } catch {
    return null;
  }
}
