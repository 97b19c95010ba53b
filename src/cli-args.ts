import { InvalidArgumentError } from "commander";
import { parseDuration } from "./commands/duration.js";
import { tagPatternProblem, tagProblem } from "./commands/tags.js";

// Value parsers for commander: a bad value is a usage error (exit 2), like an unknown flag.

export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected seconds, a number >= 0");
  return n;
}

export function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a whole number >= 0");
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function collectTag(value: string, previous: string[] = []): string[] {
  const problem = tagProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return [...previous, value];
}

export function collectTagPattern(value: string, previous: string[] = []): string[] {
  const problem = tagPatternProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return [...previous, value];
}

export function duration(value: string): string {
  if (parseDuration(value) === undefined) throw new InvalidArgumentError("expected a duration such as 30d, 24h, 60m or 3600s");
  return value;
}

export function increase(_value: string, previous: number): number {
  return previous + 1;
}

const PROGRAM_VALUE_FLAGS = new Set(["--root"]);

/**
 * `--wait` on run/start/restart takes an optional true/false, as in the reference. Commander would take
 * the workload's first word as that value, so before parsing we rewrite `--wait false` to
 * `--no-wait` and `--wait true` to `--wait`, looking only at the options before the workload.
 */
export function normalizeWaitFlag(args: string[], valueFlags: ReadonlySet<string>): string[] {
  const out = [...args];
  let i = 0;
  while (i < out.length && out[i]!.startsWith("-") && out[i] !== "--") i += PROGRAM_VALUE_FLAGS.has(out[i]!) ? 2 : 1;
  if (out[i] !== "run" && out[i] !== "start" && out[i] !== "restart") return out;
  for (i += 1; i < out.length; i++) {
    const token = out[i]!;
    if (token === "--" || !token.startsWith("-")) break;
    const value = token === "--wait" ? out[i + 1]?.toLowerCase() : /^--wait=(.*)$/i.exec(token)?.[1]?.toLowerCase();
    const take = token === "--wait" ? 2 : 1;
    if (value === "false") out.splice(i, take, "--no-wait");
    else if (value === "true") out.splice(i, take, "--wait");
    else if (valueFlags.has(token)) i++;
  }
  return out;
}
