import { compressionField, compressionModeOf } from "../compress/field.js";
import type { Compression } from "../compress/index.js";
import { loadConfig } from "../config.js";
import { checkWholeNumber, tailExcerpt } from "../observe/excerpt.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES, type CompressionMode } from "../protocol/options.js";
import type { JobRef } from "./status.js";

export { DEFAULT_TAIL_LINES };

export interface TailOptions extends JobRef {
  /** Lines from the end of each log (default 50; 0 = no line limit). */
  tailLines?: number;
  /** Bytes from the end of each log at most (default 65536). */
  maxBytes?: number;
  /** The `compression` view beside the excerpts (default: config.toml's, else route; off: none). */
  compress?: CompressionMode;
  /** config.toml for the compression default (default: the platform's). */
  config?: string;
}

export interface TailResult {
  job_id: string;
  stdout: string;
  stderr: string;
  encoding: "utf-8-lossy";
  stdout_log_path: string;
  stderr_log_path: string;
  stdout_range: [number, number];
  stderr_range: [number, number];
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  compression?: Compression;
}

export async function tail(options: TailOptions): Promise<TailResult> {
  checkWholeNumber(options.maxBytes, "max_bytes");
  checkWholeNumber(options.tailLines, "tail_lines");
  const compress = compressionModeOf(options.compress, loadConfig(options.config));
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const meta = dir.readMeta(); // a directory without a readable definition is not a job
  const lines = options.tailLines ?? DEFAULT_TAIL_LINES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const stdout = tailExcerpt(dir.stdoutPath, lines, maxBytes);
  const stderr = tailExcerpt(dir.stderrPath, lines, maxBytes);
  return {
    job_id: dir.id,
    stdout: stdout.text,
    stderr: stderr.text,
    encoding: "utf-8-lossy",
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
    stdout_range: stdout.range,
    stderr_range: stderr.range,
    stdout_total_bytes: stdout.total,
    stderr_total_bytes: stderr.total,
    ...compressionField(compress, meta.command, stdout, stderr, { stdout: dir.stdoutPath, stderr: dir.stderrPath }),
  };
}
