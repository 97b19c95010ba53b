import { createRequire } from "node:module";
import type { RE2JS } from "re2js";
import { AgentExecError } from "../protocol/errors.js";

// Output patterns come from agents and HTTP clients, and the supervisor tests every line of the
// workload's output against one on its only thread. A backtracking engine (V8's RegExp) can spend
// hours on one line (`^(a+)+$` against 40 a's and a '!'), and meanwhile the job's timeout, the
// reaping of the workload and every state write wait. RE2 (re2js, a pure-JS port) takes time
// linear in line length × program size, and both are bounded: lines by the matcher's 64 KiB pieces,
// programs by MAX_REGEX_PROGRAM_SIZE. Its syntax is RE2's, that of the Rust `regex` crate the
// reference uses: no backreferences, no lookaround.

/**
 * Instructions at most in a compiled pattern (RE2's program size): `^ERR[0-9]+$` is 9. At this
 * bound the worst pattern measured (\pL{498}) took 0.4 s on a 64 KiB line, on a loaded 2-core machine.
 */
export const MAX_REGEX_PROGRAM_SIZE = 500;

let engine: typeof RE2JS | undefined;

// Loaded on first use, synchronously, so a supervisor or CLI without a regex pattern never pays for it.
function re2(): typeof RE2JS {
  engine ??= (createRequire(import.meta.url)("re2js") as typeof import("re2js")).RE2JS;
  return engine;
}

/**
 * An unanchored search for `pattern` in a line; throws invalid_argument with the engine's reason,
 * naming the API `field` the pattern came in (output_pattern, until_output).
 */
export function compileLineRegex(pattern: string, field = "output_pattern"): (line: string) => boolean {
  const refuse = (reason: string) =>
    new AgentExecError("invalid_argument", `${field} ${JSON.stringify(pattern)}: ${reason}`, { details: { pattern } });
  let regex: RE2JS;
  try {
    regex = re2().compile(pattern);
  } catch (error) {
    throw refuse(`not a valid regex (RE2 syntax: no backreferences or lookaround): ${(error as Error).message}`);
  }
  const size = regex.programSize();
  if (size > MAX_REGEX_PROGRAM_SIZE) {
    throw refuse(`regex too large: it compiles to ${size} instructions, at most ${MAX_REGEX_PROGRAM_SIZE} are allowed`);
  }
  return (line) => regex.test(line);
}
