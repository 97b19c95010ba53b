import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CompressInput, compressOutput } from "../compress/index.js";

// The run that writes the CLI's code cache (scripts/bundle.mjs) also compresses the compression
// corpus, so that the cache holds compression's compiled code: a fresh `tail` or `run` then takes
// it from the cache instead of compiling it on first use. A larger cache measured no slower to start.

/** Compresses with `route` each case ({command, stdout, stderr}) of a directory of corpus JSON files. */
export function warmCompression(dir: string): void {
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const { command, stdout, stderr } = JSON.parse(readFileSync(join(dir, name), "utf8")) as Omit<CompressInput, "mode">;
    compressOutput({ mode: "route", command, stdout, stderr });
  }
}
