import { AgentExecError } from "../protocol/errors.js";
import { readJobFile, writeJobFileAtomic } from "./job-file.js";

// The job store's JSON files, through job-file.ts: written atomically (temp + rename), read without
// following links.

export function writeJsonAtomic(path: string, value: unknown): void {
  writeJobFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and parses a JSON file; a missing file is `undefined`, a damaged one a `corrupt_job` error. */
export function readJsonFile(path: string): unknown {
  const raw = readJobFile(path)?.toString("utf8");
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    const what = raw.trim() === "" ? "is empty" : "is not valid JSON";
    throw new AgentExecError("corrupt_job", `${path} ${what}`, { cause: error });
  }
}
