import { InvalidArgumentError } from "commander";
import { durationProblem, secondsProblem } from "../commands/duration.js";
import { parseBind, portProblem } from "../server/bind.js";
import { tagPatternProblem, tagProblem } from "../commands/tags.js";

// Value parsers for commander: a bad value is a usage error (exit 2), like an unknown flag.

/** A duration in seconds, by the one duration rule (commands/duration.ts). */
export function seconds(value: string): number {
  const problem = secondsProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return Number(value);
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

/** A retention window such as 30d, by the same rule. */
export function duration(value: string): string {
  const problem = durationProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** A TCP port, by the rule serve applies to --bind's port too (server/http.ts). */
export function port(value: string): number {
  const problem = portProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return Number(value);
}

/** HOST:PORT for serve --bind, checked by serve's own parseBind. */
export function bind(value: string): string {
  try {
    parseBind(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

/**
 * The optional value of `--wait [true|false]`, as the reference's clap bool: a word right after
 * --wait is its value, so `--wait 30` and `--wait echo` are usage errors, not the workload.
 */
export function waitValue(value: string): boolean {
  const word = value.toLowerCase();
  if (word !== "true" && word !== "false") throw new InvalidArgumentError("expected true or false, or no value: the word right after --wait is its value (put the command after --, the job id before --wait)");
  return word === "true";
}

export function increase(_value: string, previous: number): number {
  return previous + 1;
}
