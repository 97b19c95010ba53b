import type { AgentExecConfig } from "../config.js";
import type { Excerpt } from "../observe/excerpt.js";
import { compressOutput, type Compression } from "./index.js";
import { effectiveCompressionMode, parseCompressionMode, type CompressionMode } from "./modes.js";

// Where run/start/restart and tail add the `compression` object to the excerpts they return.

/**
 * The mode of one call: the caller's `compress` (checked here, since a library or HTTP caller's
 * string is not typed), else config.toml's [compression].default, else route.
 */
export function compressionModeOf(requested: string | undefined, config: AgentExecConfig): CompressionMode {
  const mode = requested === undefined ? undefined : parseCompressionMode(requested, "compress");
  return effectiveCompressionMode(mode, config.compression?.default);
}

/** `{compression}` for these excerpts of the job that ran `command`; `{}` when the mode is off. */
export function compressionField(
  mode: CompressionMode,
  command: readonly string[],
  stdout: Excerpt,
  stderr: Excerpt,
  logPaths: { stdout: string; stderr: string },
): { compression?: Compression } {
  const compression = compressOutput({
    mode,
    command,
    stdout: stdout.text,
    stderr: stderr.text,
    stdoutLogPath: logPaths.stdout,
    stderrLogPath: logPaths.stderr,
  });
  return compression ? { compression } : {};
}
