import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import { AgentExecError, ioError } from "../protocol/errors.js";
import { DEFAULT_STDIN_MAX_BYTES } from "../protocol/options.js";
import type { JobDir } from "../store/job-dir.js";
import { writeNewJobFile } from "../store/job-file.js";

// What the workload reads on stdin. It is read completely before the job directory exists, so
// an oversized or unreadable input leaves nothing behind, and stored as stdin.bin (mode 0600).

export { DEFAULT_STDIN_MAX_BYTES };
// `run` without a stdin flag forwards a pipe or socket (Node's child_process gives children
// socketpairs) only if it delivers its first byte (or EOF) this soon: an agent harness often leaves
// an idle pipe open on fd 0, and run must not wait on it.
const PIPE_FIRST_BYTE_MS = 250;
// A forwarded pipe that goes quiet this long without closing is an error rather than a hang.
const PIPE_STALL_MS = 5000;

export interface StdinOptions {
  /** Exact bytes for the workload; "-" reads this process's stdin unless `stdinLiteral`. */
  stdin?: string;
  /** `stdin` is bytes even when it is "-" (MCP: this process's stdin is the protocol). */
  stdinLiteral?: boolean;
  stdinFile?: string;
  /** Largest input accepted (default 64 MiB). */
  stdinMaxBytes?: number;
  /** Forward a piped or redirected stdin when no flag is given (`run` only). */
  forwardPiped?: boolean;
}

/** The input's bytes, or undefined when the workload gets a null stdin. */
export async function readStdinInput(options: StdinOptions): Promise<Buffer | undefined> {
  const max = options.stdinMaxBytes ?? DEFAULT_STDIN_MAX_BYTES;
  if (options.stdin !== undefined && options.stdinFile !== undefined) {
    throw new AgentExecError("usage_error", "stdin and stdin_file cannot be used together", { fields: ["stdin", "stdin_file"] });
  }
  if (options.stdinFile !== undefined) return checked(readFileBounded(options.stdinFile, max), max);
  if (options.stdin === "-" && !options.stdinLiteral) {
    if (isatty(0)) throw new AgentExecError("stdin_required", "stdin - needs piped or redirected input, but stdin is a terminal");
    return checked(await readFd0(max, { firstByteMs: null, stallMs: null }), max);
  }
  if (options.stdin !== undefined) return checked(Buffer.from(options.stdin, "utf8"), max);
  if (!options.forwardPiped || isatty(0)) return undefined;
  const kind = fd0Kind();
  if (kind === "file") return nonEmpty(checked(readFileBounded(0, max), max));
  if (kind === "fifo") return nonEmpty(checked(await readFd0(max, { firstByteMs: PIPE_FIRST_BYTE_MS, stallMs: PIPE_STALL_MS }), max));
  return undefined; // a character device such as /dev/null, or no fd 0 at all
}

export function writeStdinFile(dir: JobDir, bytes: Buffer): void {
  writeNewJobFile(dir.stdinPath, bytes);
}

function fd0Kind(): "file" | "fifo" | "other" {
  try {
    const stat = fstatSync(0);
    return stat.isFile() ? "file" : stat.isFIFO() || stat.isSocket() ? "fifo" : "other";
  } catch {
    return "other";
  }
}

function checked(bytes: Buffer, max: number): Buffer {
  if (bytes.length > max) throw tooLarge(max);
  return bytes;
}

function nonEmpty(bytes: Buffer): Buffer | undefined {
  return bytes.length > 0 ? bytes : undefined;
}

function tooLarge(max: number): AgentExecError {
  return new AgentExecError("stdin_too_large", `stdin input is larger than stdin_max_bytes (${max} bytes)`, {
    details: { stdin_max_bytes: max },
    fields: ["stdin_max_bytes"],
  });
}

/** Reads a regular file (or a redirected fd 0) but never more than max + 1 bytes. */
function readFileBounded(file: string | 0, max: number): Buffer {
  let fd: number;
  try {
    if (file !== 0 && !statSync(file).isFile()) throw new AgentExecError("invalid_argument", `stdin_file ${file}: not a regular file`);
    fd = file === 0 ? 0 : openSync(file, "r");
  } catch (error) {
    if (error instanceof AgentExecError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AgentExecError("invalid_argument", `stdin_file ${file}: cannot read it (${code})`, { cause: error });
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, max + 1 - total));
      const n = readSync(fd, chunk);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) throw tooLarge(max);
    }
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof AgentExecError) throw error;
    throw ioError(error, "read", file === 0 ? "stdin" : file);
  } finally {
    if (file !== 0) closeSync(fd);
  }
}

/** Reads fd 0 (a pipe) to EOF, giving up as described by the bounds (null = wait forever). */
function readFd0(max: number, bounds: { firstByteMs: number | null; stallMs: number | null }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    const chunks: Buffer[] = [];
    let total = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number | null, onExpiry: () => void) => {
      clearTimeout(timer);
      if (ms !== null) timer = setTimeout(onExpiry, ms);
    };
    const done = (outcome: () => void) => {
      clearTimeout(timer);
      input.removeAllListeners("data").removeAllListeners("end").removeAllListeners("error");
      input.pause();
      if (typeof (input as { unref?: () => void }).unref === "function") (input as { unref: () => void }).unref();
      outcome();
    };
    arm(bounds.firstByteMs, () => done(() => resolve(Buffer.alloc(0))));
    input.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total > max) return done(() => reject(tooLarge(max)));
      arm(bounds.stallMs, () =>
        done(() =>
          reject(
            new AgentExecError(
              "invalid_argument",
              `piped stdin delivered data but then stayed open and silent for ${(bounds.stallMs ?? 0) / 1000} s; close it, or pass --stdin - to wait for it`,
            ),
          ),
        ),
      );
    });
    input.once("end", () => done(() => resolve(Buffer.concat(chunks))));
    input.once("error", (error) => done(() => reject(ioError(error, "read", "stdin"))));
  });
}
