import { writeSync } from "node:fs";
import type { Readable } from "node:stream";

const NEWLINE = 0x0a;
const CR = 0x0d;
// A "line" longer than this is cut into full.log entries of this size, so output without
// newlines (a binary dump, a progress bar) cannot grow the supervisor's memory.
const MAX_LINE_BYTES = 64 * 1024;

export type StreamLabel = "STDOUT" | "STDERR";

/** Writes a whole buffer to a file descriptor; writeSync may write less than asked. */
export function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/**
 * Copies one of the child's streams: raw bytes to its own log, and each line to full.log as
 * "<RFC 3339 time> [STDOUT] <line>". Writes are synchronous, so a fast writer is slowed to the
 * disk's pace instead of piling up in memory, and the two streams never interleave mid-line.
 */
export class LogPump {
  private carry: Buffer = Buffer.alloc(0);
  private bytes = 0;
  readonly done: Promise<void>;

  constructor(
    stream: Readable,
    private readonly rawFd: number,
    private readonly fullFd: number,
    private readonly label: StreamLabel,
  ) {
    this.done = new Promise((resolve) => {
      stream.on("data", (chunk: Buffer) => this.write(chunk));
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", resolve);
    });
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private write(chunk: Buffer): void {
    this.bytes += chunk.length;
    writeAll(this.rawFd, chunk);
    const prefix = Buffer.from(`${new Date().toISOString()} [${this.label}] `);
    const parts: Buffer[] = [];
    let start = 0;
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      parts.push(prefix, withoutCr(data.subarray(start, nl)), NEWLINE_BUF);
      start = nl + 1;
    }
    data = data.subarray(start);
    while (data.length > MAX_LINE_BYTES) {
      parts.push(prefix, data.subarray(0, MAX_LINE_BYTES), NEWLINE_BUF);
      data = data.subarray(MAX_LINE_BYTES);
    }
    this.carry = Buffer.from(data);
    if (parts.length > 0) writeAll(this.fullFd, Buffer.concat(parts));
  }

  /** Writes a last line that had no newline. */
  flush(): void {
    if (this.carry.length === 0) return;
    const prefix = Buffer.from(`${new Date().toISOString()} [${this.label}] `);
    writeAll(this.fullFd, Buffer.concat([prefix, withoutCr(this.carry), NEWLINE_BUF]));
    this.carry = Buffer.alloc(0);
  }
}

const NEWLINE_BUF = Buffer.from("\n");

// CRLF output (Windows tools) gives the same full.log lines as LF output.
function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
}
