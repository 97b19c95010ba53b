import { AgentExecError } from "../protocol/errors.js";
import { EXCERPT_MODES, tailLinesProblem, type ExcerptMode } from "../protocol/options.js";
import type { JobDir } from "../store/job-dir.js";
import type { StateRecord } from "../store/types.js";
import { encodeCursor, runTag } from "./cursor.js";
import { checkWholeNumber, headAndTail, headExcerpt, tailExcerpt, type Excerpt } from "./excerpt.js";

// The output block of run/start/restart, wait and tail: each stream's excerpt with its byte range
// and the log's size, whether the excerpt left bytes out, and the cursor after what it returned.
// One function, so the verbs cannot drift apart in field names or in what a cursor means.

export interface ExcerptOptions {
  /** head (the first max_bytes), tail (the last tail_lines within max_bytes), or both. */
  excerpt?: ExcerptMode;
  /** Bytes of each stream per part at most (up to 4 MiB). */
  maxBytes?: number;
  /** Lines of each stream's tail (0 = no line limit, max_bytes only). */
  tailLines?: number;
}

export interface OutputFields {
  stdout: string;
  stderr: string;
  stdout_range: [number, number];
  stderr_range: [number, number];
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  encoding: "utf-8-lossy";
  /** excerpt both: the end of each stream after its head (no byte of the head again). */
  stdout_tail?: string;
  stderr_tail?: string;
  stdout_tail_range?: [number, number];
  stderr_tail_range?: [number, number];
  /** True when the excerpt(s) leave some of the stream's bytes out. */
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  /** `tail --since` this: the position just after what this answer returned, in each stream. */
  cursor: string;
}

/** Checks the excerpt options of a library, HTTP or MCP caller before anything is launched or read. */
export function checkExcerptOptions(options: ExcerptOptions, defaultExcerpt: ExcerptMode): void {
  if (options.excerpt !== undefined && !(EXCERPT_MODES as readonly unknown[]).includes(options.excerpt)) {
    throw new AgentExecError("invalid_argument", `excerpt ${JSON.stringify(options.excerpt)}: expected one of ${EXCERPT_MODES.join(", ")}`);
  }
  checkWholeNumber(options.maxBytes, "max_bytes");
  checkWholeNumber(options.tailLines, "tail_lines");
  const problem = tailLinesProblem(options, defaultExcerpt);
  if (problem) throw new AgentExecError("invalid_argument", problem, { fields: ["tail_lines", "excerpt"] });
}

/** Reads both logs of `dir` as `options` ask (defaults: `defaults`); `state` names the run the cursor belongs to. */
export function outputFields(dir: JobDir, state: StateRecord, options: ExcerptOptions, defaults: Required<ExcerptOptions>): OutputFields {
  const mode = options.excerpt ?? defaults.excerpt;
  const maxBytes = options.maxBytes ?? defaults.maxBytes;
  const lines = options.tailLines ?? defaults.tailLines;
  const read = (path: string): { main: Excerpt; tail?: Excerpt } => {
    if (mode === "head") return { main: headExcerpt(path, maxBytes) };
    if (mode === "tail") return { main: tailExcerpt(path, lines, maxBytes) };
    const { head, tail } = headAndTail(path, lines, maxBytes);
    return { main: head, tail };
  };
  const out = read(dir.stdoutPath);
  const err = read(dir.stderrPath);
  return {
    stdout: out.main.text,
    stderr: err.main.text,
    stdout_range: out.main.range,
    stderr_range: err.main.range,
    stdout_total_bytes: out.main.total,
    stderr_total_bytes: err.main.total,
    encoding: "utf-8-lossy",
    ...(out.tail && err.tail
      ? { stdout_tail: out.tail.text, stderr_tail: err.tail.text, stdout_tail_range: out.tail.range, stderr_tail_range: err.tail.range }
      : {}),
    stdout_truncated: leftOut(out.main, out.tail),
    stderr_truncated: leftOut(err.main, err.tail),
    cursor: encodeCursor({ run: runTag(state.job.started_at), stdout: (out.tail ?? out.main).range[1], stderr: (err.tail ?? err.main).range[1] }),
  };
}

/** One stream's (first) excerpt back as an Excerpt, for what reads excerpts (the compression view). */
export function excerptOf(fields: Pick<OutputFields, `${"stdout" | "stderr"}${"" | "_range" | "_total_bytes"}`>, stream: "stdout" | "stderr"): Excerpt {
  return { text: fields[stream], range: fields[`${stream}_range`], total: fields[`${stream}_total_bytes`] };
}

/** A cursor at the current end of both logs (status: it returns no output, so what follows is new). */
export function endCursor(dir: JobDir, state: StateRecord, sizeOf: (path: string) => number): string {
  return encodeCursor({ run: runTag(state.job.started_at), stdout: sizeOf(dir.stdoutPath), stderr: sizeOf(dir.stderrPath) });
}

function leftOut(main: Excerpt, tail?: Excerpt): boolean {
  const covered = main.range[1] - main.range[0] + (tail ? tail.range[1] - tail.range[0] : 0);
  return covered < main.total;
}
