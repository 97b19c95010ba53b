import { readFileSync } from "node:fs";
import writeFileAtomic from "write-file-atomic";
import { AgentExecError, ioError } from "../protocol/errors.js";

// Temp file in the same directory, then rename: a reader sees the old file or the new one, never
// half of either. The temp file is fsynced before the rename; the directory is not, so after a
// power loss the rename itself may be lost (the previous state survives, never a torn one).
export function writeJsonAtomic(path: string, value: unknown): void {
  try {
    writeFileAtomic.sync(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (error) {
    throw ioError(error, "write", path);
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
