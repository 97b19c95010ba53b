import { AgentExecError } from "../protocol/errors.js";

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "30d", "24h", "60m", "3600s" → milliseconds; anything else is undefined. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] * 1000;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function durationOrThrow(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new AgentExecError("invalid_argument", `${what} ${JSON.stringify(text)}: expected a duration such as 30d, 24h, 60m or 3600s`);
  }
  return ms;
}
