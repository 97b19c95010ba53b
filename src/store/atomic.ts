import { readFileSync } from "node:fs";
import writeFileAtomic from "write-file-atomic";
import { AgentExecError, ioError } from "../protocol/errors.js";
import { sleepSync } from "../time.js";

// Temp file in the same directory, then rename: a reader sees the old file or the new one, never
// half of either. The temp file is fsynced before the rename; the directory is not, so after a
// power loss the rename itself may be lost (the previous state survives, never a torn one).
//
// Windows (and Wine) can refuse to rename over a file another process has open at that instant
// (EPERM/EACCES/EBUSY), and readers open state.json all the time; an antivirus scan does the same.
// Such a moment is brief, so the write is retried with a growing back-off for up to 10 s.
const RETRYABLE_ON_WINDOWS = new Set(["EPERM", "EACCES", "EBUSY"]);
const RETRY_FOR_MS = 10_000;

export function writeJsonAtomic(path: string, value: unknown): void {
  const data = `${JSON.stringify(value, null, 2)}\n`;
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      writeFileAtomic.sync(path, data);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      const retry = process.platform === "win32" && RETRYABLE_ON_WINDOWS.has(code) && Date.now() < deadline;
      if (!retry) throw ioError(error, "write", path);
      sleepSync(delayMs);
    }
  }
}

/** Reads and parses a JSON file; a missing file is `undefined`, a damaged one a `corrupt_job` error. */
export function readJsonFile(path: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioError(error, "read", path);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    const what = raw.trim() === "" ? "is empty" : "is not valid JSON";
    throw new AgentExecError("corrupt_job", `${path} ${what}`, { cause: error });
  }
}
