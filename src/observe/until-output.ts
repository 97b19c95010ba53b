import { STDERR_LOG, STDOUT_LOG, STATE_FILE } from "../job/files.js";
import { readJobState } from "../job/read.js";
import { compileLineRegex } from "../notify/line-regex.js";
import { AgentExecError } from "../protocol/errors.js";
import type { JobDir } from "../store/job-dir.js";
import { isTerminal, type StateRecord } from "../store/types.js";
import { readChunk, type LogStream } from "./cursor.js";
import { watchUntil, type WatchOptions } from "./watch.js";

// Readiness: `run`/`wait --until-output PATTERN` answer as soon as a line of either log matches
// (a server's "listening on"), the job still running. The logs are read incrementally from the
// start of the run (a line printed before `wait` began counts), each line once, and tested with
// the linear-time RE2 engine (src/notify/line-regex.ts): the pattern comes from the caller.

/** What the answer says about the pattern. */
export interface UntilOutput {
  pattern: string;
  matched: boolean;
  stream?: LogStream;
  /** The matching line (without its line end; at most MAX_LINE_BYTES of it). */
  line?: string;
}

/** A longer line is tested (and reported) in pieces of this many bytes, as the output matcher does. */
const MAX_LINE_BYTES = 64 * 1024;
const READ_BYTES = 1024 * 1024;

/** The pattern checked and compiled, before anything is launched; invalid_argument names until_output. */
export function compileUntilOutput(pattern: unknown): ((line: string) => boolean) | undefined {
  if (pattern === undefined) return undefined;
  if (typeof pattern !== "string" || pattern === "") {
    throw new AgentExecError("invalid_argument", `until_output ${JSON.stringify(pattern)}: expected a non-empty regex (RE2 syntax)`);
  }
  return compileLineRegex(pattern, "until_output");
}

/** Scans both logs from where it stopped; one per observation. */
class LineScanner {
  private readonly offset: Record<LogStream, number> = { stdout: 0, stderr: 0 };
  private readonly carry: Record<LogStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  constructor(
    private readonly dir: JobDir,
    private readonly test: (line: string) => boolean,
  ) {}

  /** The first new line that matches; `final` also tests each log's last, unterminated line. */
  scan(final: boolean): { stream: LogStream; line: string } | undefined {
    for (const stream of ["stdout", "stderr"] as const) {
      const path = stream === "stdout" ? this.dir.stdoutPath : this.dir.stderrPath;
      for (;;) {
        const chunk = readChunk(path, this.offset[stream], READ_BYTES, { final });
        this.offset[stream] = chunk.to;
        const found = this.lines(stream, chunk.bytes);
        if (found !== undefined) return { stream, line: found };
        if (chunk.to >= chunk.size || chunk.bytes.length === 0) break;
      }
      if (final && this.carry[stream].length > 0) {
        const rest = this.carry[stream].toString("utf8");
        this.carry[stream] = Buffer.alloc(0);
        if (this.test(rest)) return { stream, line: rest };
      }
    }
    return undefined;
  }

  private lines(stream: LogStream, bytes: Buffer): string | undefined {
    let buffer = this.carry[stream].length > 0 ? Buffer.concat([this.carry[stream], bytes]) : bytes;
    for (;;) {
      const nl = buffer.indexOf(0x0a);
      if (nl === -1 && buffer.length < MAX_LINE_BYTES) break;
      const end = nl === -1 ? MAX_LINE_BYTES : nl;
      const line = buffer.subarray(0, end).toString("utf8").replace(/\r$/, "");
      buffer = buffer.subarray(nl === -1 ? end : nl + 1);
      if (this.test(line)) {
        this.carry[stream] = Buffer.from(buffer);
        return line;
      }
    }
    this.carry[stream] = Buffer.from(buffer);
    return undefined;
  }
}

/**
 * Waits until the job is terminal, a line matches `pattern` (when given), or the watch gives up;
 * returns the state then, and what became of the pattern.
 */
export async function watchForOutput(
  dir: JobDir,
  pattern: string | undefined,
  options: WatchOptions,
): Promise<{ state: StateRecord; untilOutput?: UntilOutput }> {
  const test = compileUntilOutput(pattern);
  const scanner = test ? new LineScanner(dir, test) : undefined;
  const seen = await watchUntil(
    dir.path,
    () => {
      const state = readJobState(dir);
      const terminal = isTerminal(state.job.status);
      const hit = scanner?.scan(terminal);
      if (hit) return { state, hit };
      return terminal ? { state } : undefined;
    },
    // Log writes also wake the watch when there is a pattern to test them against.
    { ...options, names: scanner ? [STATE_FILE, STDOUT_LOG, STDERR_LOG] : [STATE_FILE] },
  );
  const state = seen?.state ?? readJobState(dir);
  if (pattern === undefined) return { state };
  const hit = seen && "hit" in seen ? seen.hit : undefined;
  return { state, untilOutput: hit ? { pattern, matched: true, stream: hit.stream, line: hit.line } : { pattern, matched: false } };
}
