import { compressionField, compressionModeOf } from "../compress/field.js";
import type { Compression } from "../compress/index.js";
import { loadConfig } from "../config.js";
import { decodeCursor, encodeCursor, readChunk, runTag, type CursorToken, type LogChunk } from "../observe/cursor.js";
import { checkExcerptOptions, excerptOf, outputFields, type OutputFields } from "../observe/output.js";
import { AgentExecError } from "../protocol/errors.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES, type CompressionMode } from "../protocol/options.js";
import { MAX_EXCERPT_BYTES } from "../observe/excerpt.js";
import { isTerminal, type StateRecord } from "../store/types.js";
import type { JobRef } from "./status.js";

export { DEFAULT_TAIL_LINES };

export interface TailOptions extends JobRef {
  /** Lines from the end of each log (default 50; 0 = no line limit). Not used with `since`. */
  tailLines?: number;
  /** Bytes from the end of each log at most (default 65536); with `since`, from the cursor on. */
  maxBytes?: number;
  /**
   * A `cursor` from an earlier answer: only what each log received after it, from there on (at
   * most max_bytes; the answer's cursor continues where this one stopped).
   */
  since?: string;
  /** The `compression` view beside the excerpts (default: config.toml's, else route; off: none). */
  compress?: CompressionMode;
  /** config.toml for the compression default (default: the platform's). */
  config?: string;
}

export interface TailResult extends Omit<OutputFields, "stdout_tail" | "stderr_tail" | "stdout_tail_range" | "stderr_tail_range"> {
  job_id: string;
  stdout_log_path: string;
  stderr_log_path: string;
  /** With `since`: the cursor was taken in an earlier run (the job was restarted); output is from the start of this run. */
  since_reset?: "restarted";
  compression?: Compression;
}

export async function tail(options: TailOptions): Promise<TailResult> {
  checkExcerptOptions(options, "tail");
  const since = options.since === undefined ? undefined : decodeCursor(options.since);
  const compress = compressionModeOf(options.compress, loadConfig(options.config));
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const meta = dir.readMeta(); // a directory without a readable definition is not a job
  // The state first: a restart between the two reads then yields a cursor of the older run, which
  // starts over (repeats output) rather than one of the newer run with the older run's offsets.
  const state = readStateOrNone(dir);
  const output = since ? afterCursor(dir, state, since, options) : lastLines(dir, state, options);
  const { stdout, stderr, encoding, ...rest } = output;
  return {
    job_id: dir.id,
    stdout,
    stderr,
    encoding,
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
    ...rest,
    ...compressionField(compress, meta.command, excerptOf(output, "stdout"), excerptOf(output, "stderr"), { stdout: dir.stdoutPath, stderr: dir.stderrPath }),
  };
}

type TailOutput = Omit<TailResult, "job_id" | "stdout_log_path" | "stderr_log_path" | "compression">;

function lastLines(dir: JobDir, state: StateRecord, options: TailOptions): TailOutput {
  const { stdout_tail, stderr_tail, stdout_tail_range, stderr_tail_range, ...output } = outputFields(dir, state, options, {
    excerpt: "tail",
    maxBytes: DEFAULT_MAX_BYTES,
    tailLines: DEFAULT_TAIL_LINES,
  });
  return output;
}

function afterCursor(dir: JobDir, state: StateRecord, since: CursorToken, options: TailOptions): TailOutput {
  const run = runTag(state.job.started_at);
  // Offsets of an earlier run mean nothing in this one's logs (restart empties them).
  const restarted = since.run !== run && (since.stdout > 0 || since.stderr > 0);
  const from: CursorToken = since.run !== run ? { run, stdout: 0, stderr: 0 } : since;
  const maxBytes = Math.min(options.maxBytes ?? DEFAULT_MAX_BYTES, MAX_EXCERPT_BYTES);
  // A finished job's log may end inside a character; a running one's is cut before it, to be continued.
  const final = isTerminal(state.job.status);
  const out = readAfter(dir.stdoutPath, from.stdout, maxBytes, final, "stdout", options.since!);
  const err = readAfter(dir.stderrPath, from.stderr, maxBytes, final, "stderr", options.since!);
  return {
    stdout: out.bytes.toString("utf8"),
    stderr: err.bytes.toString("utf8"),
    encoding: "utf-8-lossy",
    stdout_range: [out.from, out.to],
    stderr_range: [err.from, err.to],
    stdout_total_bytes: out.size,
    stderr_total_bytes: err.size,
    stdout_truncated: out.to < out.size,
    stderr_truncated: err.to < err.size,
    cursor: encodeCursor({ run, stdout: out.to, stderr: err.to }),
    ...(restarted ? { since_reset: "restarted" as const } : {}),
  };
}

/** tail shows logs even of a job whose state.json cannot be read; its cursor then names no run. */
function readStateOrNone(dir: JobDir): StateRecord {
  try {
    return dir.readState();
  } catch {
    return { job: { id: dir.id, status: "created" } } as StateRecord;
  }
}

/** A log from `offset` on; a log only grows within a run, so an offset past its end is no cursor of this job. */
function readAfter(path: string, offset: number, maxBytes: number, final: boolean, stream: string, raw: string): LogChunk {
  const chunk = readChunk(path, offset, maxBytes, { final });
  if (offset > chunk.size) {
    throw new AgentExecError("invalid_argument", `since ${JSON.stringify(raw)}: ${stream} offset ${offset} is past the end of the log (${chunk.size} bytes): not a cursor of this job`, {
      fields: ["since"],
    });
  }
  return chunk;
}
