import { AgentExecError } from "../protocol/errors.js";

// The compression modes, their validation and precedence, in one place: the CLI (--compress and
// its alias --rtk), config.toml ([compression].default), HTTP and MCP all resolve a mode here.

export const COMPRESSION_MODES = ["off", "route", "errors", "tests", "logs", "git", "json", "summary"] as const;
export type CompressionMode = (typeof COMPRESSION_MODES)[number];
export const DEFAULT_COMPRESSION_MODE: CompressionMode = "route";

export function isCompressionMode(value: unknown): value is CompressionMode {
  return typeof value === "string" && (COMPRESSION_MODES as readonly string[]).includes(value);
}

/** A mode named by the user (`source` says where, for the message); `usage` error if unknown. */
export function parseCompressionMode(value: string, source = "--compress"): CompressionMode {
  if (isCompressionMode(value)) return value;
  throw new AgentExecError("usage_error", `${source} ${JSON.stringify(value)}: must be one of ${COMPRESSION_MODES.join(", ")}`);
}

/**
 * `--compress` and `--rtk` are one option under two names: either alone selects the mode, both
 * with the same mode is that mode, both with different modes is a usage error.
 */
export function resolveCliCompression(compress?: string, rtk?: string): CompressionMode | undefined {
  const a = compress === undefined ? undefined : parseCompressionMode(compress, "--compress");
  const b = rtk === undefined ? undefined : parseCompressionMode(rtk, "--rtk");
  if (a !== undefined && b !== undefined && a !== b) {
    throw new AgentExecError("usage_error", `--compress ${a} conflicts with --rtk ${b}`);
  }
  return a ?? b;
}

/** Precedence: the flag > config.toml's [compression].default (validated by config.ts) > route. */
export function effectiveCompressionMode(flag: CompressionMode | undefined, configDefault: CompressionMode | undefined): CompressionMode {
  return flag ?? configDefault ?? DEFAULT_COMPRESSION_MODE;
}
