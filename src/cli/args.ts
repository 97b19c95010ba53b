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
 * The optional value of `--wait [true|false]` (0.2.31's old bool form); normalizeWait has already
 * turned a bare `--wait` into `--wait=true`, so what reaches here was meant as a value.
 */
export function waitValue(value: string): boolean {
  const word = value.toLowerCase();
  if (word !== "true" && word !== "false") throw new InvalidArgumentError("--wait is a flag and takes no value but true or false (a time limit is --until SECONDS)");
  return word === "true";
}

// What `run --wait WORD` must not run as a command: a number, a duration, a yes/no word.
const MISTAKEN_WAIT_VALUE = /^(?:(?:\d+(?:\.\d*)?|\.\d+)[smhd]?|yes|no|on|off|y|n)$/i;

/**
 * 0.2.31's `--wait` (run, start, restart): a flag, optionally followed by `true` or `false`. Any
 * other word after it is not its value: for run it begins the command (`run --wait echo hi`), for
 * start/restart it is the job id (`start --wait ID`). commander's optional values take any word,
 * so a bare --wait becomes `--wait=true` before it parses. For run, a word that looks like a
 * mistaken value (`--wait 30`, `--wait no`) is left to waitValue to refuse, rather than run.
 * Nothing after `--`, and for run nothing after the command's first word, is touched.
 */
export function normalizeWait(args: readonly string[], takesValue: (flag: string) => boolean, commandOperands: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === "--" || (commandOperands && !word.startsWith("-"))) return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (word === "--wait") {
      const bare = next === undefined || next.startsWith("-") || /^(?:true|false)$/i.test(next) ? false : !(commandOperands && MISTAKEN_WAIT_VALUE.test(next));
      out.push(bare ? "--wait=true" : word);
      continue;
    }
    out.push(word);
    if (word.startsWith("-") && !word.includes("=") && takesValue(word) && next !== undefined) out.push(args[++i]!);
  }
  return out;
}

export function increase(_value: string, previous: number): number {
  return previous + 1;
}
