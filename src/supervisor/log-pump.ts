import { writeSync } from "node:fs";
import type { Readable } from "node:stream";
import { faults } from "./fault-log.js";

export const NEWLINE = 0x0a;
const CR = 0x0d;
// A "line" longer than this is cut into full.log entries of this size, so output without
// newlines (a binary dump, a progress bar) cannot grow the supervisor's memory.
export const MAX_LINE_BYTES = 64 * 1024;

export type StreamLabel = "STDOUT" | "STDERR";

/** A log file the pump writes to, and its name for fault reports. */
export interface LogTarget {
  fd: number;
  name: string;
}

export interface StreamObserver {
  data(chunk: Buffer): void;
  flush(): void;
}

/** Writes a whole buffer to a file descriptor; writeSync may write less than asked. */
export function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/**
 * Copies one of the child's streams: raw bytes to its own log, and each line to full.log as
 * "<RFC 3339 time> [STDOUT] <line>". Writes are synchronous, so a fast writer is slowed to the
 * disk's pace instead of piling up in memory, and the two streams never interleave mid-line.
 * A write that fails (disk full, I/O error) is recorded and its data dropped; the stream is
 * still read to its end, so the workload never sees a broken pipe.
 */
export class LogPump {
  private carry: Buffer = Buffer.alloc(0);
  private bytes = 0;
  private lost = 0;
  readonly done: Promise<void>;

  constructor(
    stream: Readable,
    private readonly raw: LogTarget,
    private readonly full: LogTarget,
    private readonly label: StreamLabel,
    /** Also sees every chunk after it is logged, and the flushes (the output matcher). */
    private readonly observer?: StreamObserver,
  ) {
    this.done = new Promise((resolve) => {
      stream.on("data", (chunk: Buffer) => {
        this.write(chunk);
        this.observer?.data(chunk);
      });
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", resolve);
    });
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Bytes of the stream that could not be written to its own log. */
  get lostBytes(): number {
    return this.lost;
  }

  private write(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.append(this.raw, chunk)) this.lost += chunk.length;
    const prefix = `${new Date().toISOString()} [${this.label}] `;
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const parts: Buffer[] = [];
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline !== -1) {
      // The carry holds no newline, so every line but the first lies within this chunk.
      const long = data.indexOf(NEWLINE) > MAX_LINE_BYTES || (chunk.length > MAX_LINE_BYTES && hasLongLine(chunk));
      parts.push(formatLines(data.subarray(0, lastNewline + 1), prefix, long));
      data = data.subarray(lastNewline + 1);
    }
    for (; data.length > MAX_LINE_BYTES; data = data.subarray(MAX_LINE_BYTES)) {
      parts.push(entry(prefix, data.subarray(0, MAX_LINE_BYTES)));
    }
    this.carry = Buffer.from(data);
    if (parts.length > 0) this.append(this.full, parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  private append(target: LogTarget, data: Buffer): boolean {
    try {
      writeAll(target.fd, data);
      return true;
    } catch (error) {
      faults.record(`write ${target.name}`, error);
      return false;
    }
  }

  /** Writes a last line that had no newline. */
  flush(): void {
    this.observer?.flush();
    if (this.carry.length === 0) return;
    this.append(this.full, entry(`${new Date().toISOString()} [${this.label}] `, withoutCr(this.carry)));
    this.carry = Buffer.alloc(0);
  }
}

function hasLongLine(data: Buffer): boolean {
  let start = 0;
  for (let nl = data.indexOf(NEWLINE); nl !== -1; start = nl + 1, nl = data.indexOf(NEWLINE, start)) {
    if (nl - start > MAX_LINE_BYTES) return true;
  }
  return data.length - start > MAX_LINE_BYTES;
}

/**
 * Turns complete lines (the buffer ends with a newline) into full.log entries. Byte-exact through
 * latin1, and done with native string replacement: this is the supervisor's hot path.
 */
function formatLines(lines: Buffer, prefix: string, hasLong: boolean): Buffer {
  if (!hasLong) {
    const body = lines.toString("latin1").replaceAll("\r\n", "\n").slice(0, -1);
    return Buffer.from(`${prefix}${body.replaceAll("\n", `\n${prefix}`)}\n`, "latin1");
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let nl = lines.indexOf(NEWLINE); nl !== -1; start = nl + 1, nl = lines.indexOf(NEWLINE, start)) {
    let line = withoutCr(lines.subarray(start, nl));
    for (; line.length > MAX_LINE_BYTES; line = line.subarray(MAX_LINE_BYTES)) parts.push(entry(prefix, line.subarray(0, MAX_LINE_BYTES)));
    parts.push(entry(prefix, line));
  }
  return Buffer.concat(parts);
}

function entry(prefix: string, line: Buffer): Buffer {
  return Buffer.concat([Buffer.from(prefix), line, NEWLINE_BUF]);
}

const NEWLINE_BUF = Buffer.from("\n");

// CRLF output (Windows tools) gives the same full.log lines as LF output.
function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
}
