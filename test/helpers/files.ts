import { existsSync, readFileSync } from "node:fs";
import { eventually } from "./cli.js";

/** The records of an NDJSON file (blank lines skipped), or [] when the file does not exist yet. */
export function readNdjson(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/** Polls until the NDJSON file at `path` holds at least `count` records, and returns them all. */
export async function ndjsonRecords(path: string, count: number, ms = 20_000): Promise<any[]> {
  return eventually(() => {
    let records: any[];
    try {
      records = readNdjson(path);
    } catch {
      return undefined; // a line is being appended right now
    }
    return records.length >= count ? records : undefined;
  }, ms);
}

/** A JSON file's value, or undefined while it does not exist or is mid-write. */
export function readJsonIfThere(path: string): any {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}
