import { checkWholeNumber, tailExcerpt } from "../observe/excerpt.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES } from "../protocol/options.js";
import type { JobRef } from "./status.js";

export { DEFAULT_TAIL_LINES };

export interface TailOptions extends JobRef {
  /** Lines from the end of each log (default 50; 0 = no line limit). */
  tailLines?: number;
  /** Bytes from the end of each log at most (default 65536). */
  maxBytes?: number;
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
}

export async function tail(options: TailOptions): Promise<TailResult> {
  checkWholeNumber(options.maxBytes, "max_bytes");
  checkWholeNumber(options.tailLines, "tail_lines");
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  dir.readMeta(); // a directory without a readable definition is not a job
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
  };
}
