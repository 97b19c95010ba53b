import { AgentExecError } from "../protocol/errors.js";

// The one rule for every duration a user gives: CLI flags, config.toml, HTTP fields, library
// options and the values read back from meta.json. Node timers hold at most 2^31−1 ms (~24.8
// days) and fire after 1 ms above that; time.ts splits longer delays, and this rule keeps every
// value finite, non-negative and below a ceiling no real job reaches, so no value can turn into a
// short timer, a busy loop, or an invalid Date.

/** The longest duration accepted anywhere: 100 years (36500d). */
export const MAX_DURATION_SECONDS = 36_500 * 86_400;
export const MAX_DURATION_MS = MAX_DURATION_SECONDS * 1000;

// Plain decimal seconds: no sign, exponent, hex, Infinity or empty string.
const DECIMAL_SECONDS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

const SECONDS_EXPECTED = `expected seconds, a plain number from 0 to ${MAX_DURATION_SECONDS} (100 years), e.g. 30 or 0.5`;
const WINDOW_EXPECTED = `expected a duration such as 30d, 24h, 60m or 3600s, at most ${MAX_DURATION_SECONDS / 86400}d`;

/** Why `value` is not a number of seconds (a number, or its decimal text), or undefined if it is. */
export function secondsProblem(value: unknown): string | undefined {
  const n = typeof value === "string" && DECIMAL_SECONDS.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0 || n > MAX_DURATION_SECONDS) return SECONDS_EXPECTED;
  return undefined;
}

/**
 * Seconds → whole milliseconds, or invalid_argument naming `what` (a flag or field). A positive
 * value never rounds down to 0, which means "never" for a timeout.
 */
export function secondsToMs(value: unknown, what: string): number {
  const problem = secondsProblem(value);
  if (problem) throw new AgentExecError("invalid_argument", `${what} ${shown(value)}: ${problem}`);
  const ms = Math.round(Number(value) * 1000);
  return ms === 0 && Number(value) > 0 ? 1 : ms;
}

/** "30d", "24h", "60m", "3600s" → milliseconds; anything else (or over the ceiling) is undefined. */
export function parseDuration(text: unknown): number | undefined {
  const match = typeof text === "string" ? /^(\d+)([smhd])$/.exec(text.trim()) : null;
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] * 1000;
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Why `text` is not a retention window such as "30d", or undefined if it is. */
export function durationProblem(text: unknown): string | undefined {
  return parseDuration(text) === undefined ? WINDOW_EXPECTED : undefined;
}

export function durationOrThrow(text: unknown, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new AgentExecError("invalid_argument", `${what} ${shown(text)}: ${WINDOW_EXPECTED}`);
  return ms;
}

/** Why a duration read back in ms (meta.json, which may be edited by hand) is out of bounds. */
export function storedMsProblem(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_DURATION_MS) return undefined;
  return `expected milliseconds from 0 to ${MAX_DURATION_MS}`;
}

// JSON.stringify throws on a bigint, and a library caller may pass anything.
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
