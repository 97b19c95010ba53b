import { readFileSync } from "node:fs";
import { type CompressInput, compressOutput } from "../compress/index.js";

// The run that writes the CLI's code cache (scripts/bundle.mjs) also compresses sample outputs, so
// that the cache holds compression's compiled code: a fresh `tail` or `run` then takes it from the
// cache instead of compiling it on first use. A larger cache measured no slower to start.

/** Compresses each sample of a JSON array of {command, stdout, stderr} with `route`. */
export function warmCompression(file: string): void {
  const samples = JSON.parse(readFileSync(file, "utf8")) as Omit<CompressInput, "mode">[];
  for (const sample of samples) compressOutput({ ...sample, mode: "route" });
}
