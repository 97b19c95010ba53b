import { closeSync, fstatSync, readSync } from "node:fs";
import { AgentExecError, ioError, isAgentExecError } from "../protocol/errors.js";
import { openJobFile } from "../store/job-file.js";

/** A slice of a log: its text (UTF-8, invalid bytes as U+FFFD), byte range [begin, end) and file size. */
export interface Excerpt {
  text: string;
  range: [number, number];
  total: number;
}

const EMPTY: Excerpt = { text: "", range: [0, 0], total: 0 };

/**
 * The most bytes of one log an excerpt returns, whatever max_bytes asks for (tail, and the heads of
 * run/start/restart; CLI, HTTP, library). An excerpt costs memory in proportion to what it returns,
 * up to 6x as JSON (a NUL byte is printed as \u0000), and V8 strings end at ~512 MiB: 300 MB of
 * NULs failed with "Invalid string length" after growing to 2.2 GB.
 */
export const MAX_EXCERPT_BYTES = 4 * 1024 * 1024;

/**
 * A byte cap or line count from a library caller (who may pass anything): a whole number >= 0 (caps
 * above MAX_EXCERPT_BYTES are clamped by the excerpt), else invalid_argument naming `what`. Checked before
 * a job is launched, so a bad cap never loses the id of a job that already runs.
 */
export function checkWholeNumber(value: unknown, what: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new AgentExecError("invalid_argument", `${what} ${String(value)}: expected a whole number >= 0`);
  }
}

/** The first `maxBytes` bytes of a log (at most MAX_EXCERPT_BYTES). Reads only what it returns, however large the log. */
export function headExcerpt(path: string, maxBytes: number): Excerpt {
  return withFile(path, (fd, total) => headOf(fd, total, maxBytes), EMPTY);
}

/**
 * The last `lines` lines within the last `maxBytes` bytes (at most MAX_EXCERPT_BYTES; lines = 0:
 * the whole window), read from the end of the file. A trailing newline does not count as an empty
 * last line, and CRLF counts as one line end.
 */
export function tailExcerpt(path: string, lines: number, maxBytes: number): Excerpt {
  return withFile(path, (fd, total) => tailOf(fd, total, 0, lines, maxBytes), EMPTY);
}

/**
 * Both ends of a log from one open (so one file size): the head, and the tail of what follows it
 * (never a byte of the head again; empty when the head holds the whole log).
 */
export function headAndTail(path: string, lines: number, maxBytes: number): { head: Excerpt; tail: Excerpt } {
  return withFile(
    path,
    (fd, total) => {
      const head = headOf(fd, total, maxBytes);
      return { head, tail: tailOf(fd, total, head.range[1], lines, maxBytes) };
    },
    { head: EMPTY, tail: EMPTY },
  );
}

function headOf(fd: number, total: number, maxBytes: number): Excerpt {
  const bytes = readAt(fd, 0, Math.min(total, maxBytes, MAX_EXCERPT_BYTES));
  return { text: bytes.toString("utf8"), range: [0, bytes.length], total };
}

/** The tail within [floor, total). */
function tailOf(fd: number, total: number, floor: number, lines: number, maxBytes: number): Excerpt {
  const windowStart = Math.max(floor, total - Math.min(maxBytes, MAX_EXCERPT_BYTES));
  const window = readAt(fd, windowStart, total - windowStart);
  const start = lines > 0 ? startOfLastLines(window, lines) : 0;
  return { text: window.subarray(start).toString("utf8"), range: [windowStart + start, windowStart + window.length], total };
}

function startOfLastLines(window: Buffer, lines: number): number {
  let end = window.length;
  if (end > 0 && window[end - 1] === 0x0a) end -= 1;
  let seen = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (window[i] === 0x0a && ++seen === lines) return i + 1;
  }
  return 0;
}

function withFile<T>(path: string, read: (fd: number, size: number) => T, empty: T): T {
  let fd: number;
  try {
    fd = openJobFile(path, "read");
  } catch (error) {
    // A log that does not exist (yet) has no content; a link, FIFO or device in its place is
    // unsafe_job_file, said out loud rather than shown as an empty log.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return empty;
    if (isAgentExecError(error)) throw error;
    throw ioError(error, "read", path);
  }
  try {
    return read(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, buffer, filled, length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

/** Size of a log in bytes, 0 when it does not exist. */
export function logSize(path: string): number {
  return withFile(path, (_fd, total) => total, 0);
}
