// A log cursor: the byte offset reached in each of a job's two logs (stdout.log, stderr.log). The
// logs only grow (the supervisor appends), so an offset names a position once and for all; a
// reader that keeps one resumes exactly where it stopped, whatever was written meanwhile. The
// dashboard's stream speaks it as query offsets; run/status/wait/tail hand it out as a token
// (encodeCursor) that `tail --since` takes back.
import { closeSync, fstatSync, readSync } from "node:fs";
import { AgentExecError, ioError, isAgentExecError } from "../protocol/errors.js";
import { openJobFile } from "../store/job-file.js";

export const LOG_STREAMS = ["stdout", "stderr"] as const;
export type LogStream = (typeof LOG_STREAMS)[number];
export type LogCursor = Record<LogStream, number>;

/** Reads `stdout=N&stderr=M` (missing: 0); anything but a whole number of bytes is invalid_request. */
export function parseCursor(query: URLSearchParams): LogCursor {
  const cursor: LogCursor = { stdout: 0, stderr: 0 };
  for (const stream of LOG_STREAMS) {
    const raw = query.get(stream);
    if (raw === null) continue;
    if (!/^\d{1,15}$/.test(raw)) throw new AgentExecError("invalid_request", `${stream} must be a byte offset (a whole number), got ${JSON.stringify(raw)}`);
    cursor[stream] = Number(raw);
  }
  return cursor;
}

/**
 * A cursor as callers hold it: `v1.<run>.<stdout>.<stderr>`, the offsets in decimal and `run` the
 * run it was taken in (its started_at in ms, base 36; 0 before the job started). Only the logs of
 * that run continue the offsets: `restart` empties them, and a cursor of an earlier run starts over.
 */
export interface CursorToken extends LogCursor {
  run: string;
}

const TOKEN = /^v1\.([0-9a-z]{1,12})\.(\d{1,15})\.(\d{1,15})$/;

/** The run tag of a state's started_at ("0" while the job has not started). */
export function runTag(startedAt: string | null | undefined): string {
  const ms = startedAt ? Date.parse(startedAt) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms.toString(36) : "0";
}

export function encodeCursor(token: CursorToken): string {
  return `v1.${token.run}.${token.stdout}.${token.stderr}`;
}

/** A cursor from a caller, who may send anything: malformed is invalid_argument naming `field`. */
export function decodeCursor(raw: unknown, field = "since"): CursorToken {
  const match = typeof raw === "string" ? TOKEN.exec(raw) : null;
  if (!match) {
    throw new AgentExecError("invalid_argument", `${field} ${JSON.stringify(raw)}: not a cursor (expected the \`cursor\` of an earlier run, status, wait or tail answer, like v1.<run>.<stdout>.<stderr>)`, {
      fields: [field],
    });
  }
  return { run: match[1]!, stdout: Number(match[2]), stderr: Number(match[3]) };
}

export interface LogChunk {
  /** The offset the bytes start at (the cursor given, or later when `skipped`). */
  from: number;
  /** The next cursor: just past the last whole character returned. */
  to: number;
  bytes: Buffer;
  /** The file's size when read. */
  size: number;
  /** Bytes jumped over because the reader was more than `maxLag` behind. */
  skipped: number;
}

/**
 * Up to `maxBytes` of the log at `path` from `offset`, ending on a whole UTF-8 character so no
 * character is split between two chunks (unless the file itself ends mid-character and `final`).
 * A reader more than `maxLag` bytes behind jumps ahead to the last `maxLag` bytes (rounded down to a
 * multiple of `align`, so readers that skip land on the same offsets), resynchronised on a
 * character start, and is told how much it skipped. A missing log reads as empty.
 */
export function readChunk(path: string, offset: number, maxBytes: number, options: { maxLag?: number; align?: number; final?: boolean } = {}): LogChunk {
  let fd: number;
  try {
    fd = openJobFile(path, "read"); // a link or FIFO planted in place of a log is refused, not followed
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { from: offset, to: offset, bytes: Buffer.alloc(0), size: 0, skipped: 0 };
    if (isAgentExecError(error)) throw error;
    throw ioError(error, "read", path);
  }
  try {
    const size = fstatSync(fd).size;
    let from = Math.min(offset, size);
    let skipped = 0;
    if (options.maxLag !== undefined && size - from > options.maxLag) {
      const align = options.align ?? 1;
      const target = Math.max(from, Math.floor((size - options.maxLag) / align) * align);
      skipped = target - from;
      from = target;
    }
    const buffer = Buffer.alloc(Math.min(maxBytes, size - from));
    const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, from);
    let bytes = buffer.subarray(0, read);
    if (skipped > 0) {
      const lead = leadingContinuation(bytes);
      bytes = bytes.subarray(lead);
      from += lead;
      skipped += lead;
    }
    const atEnd = from + bytes.length === size;
    if (!(atEnd && options.final)) bytes = bytes.subarray(0, wholeCharacters(bytes));
    return { from, to: from + bytes.length, bytes, size, skipped };
  } finally {
    closeSync(fd);
  }
}

/** The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function wholeCharacters(bytes: Buffer): number {
  // A sequence is at most 4 bytes: look back at most 3 for the lead byte of the last one.
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? bytes.length - back : bytes.length;
  }
  return bytes.length; // not UTF-8 at all: pass the bytes on, the decoder replaces them
}

function leadingContinuation(bytes: Buffer): number {
  let i = 0;
  while (i < Math.min(3, bytes.length) && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}
