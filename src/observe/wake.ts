import { chmodSync, rmSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { Server, Socket } from "node:net";
import { join } from "node:path";
import { WAKE_SOCKET } from "../job/files.js";
import { PATH_SOCKETS } from "../platform/os.js";

// How a reader learns that a job's state changed without an inotify watch. A process that ever
// watched a directory pays at its exit for the kernel's teardown of the watch (the fsnotify
// reaper's synchronize_srcu): 2 ms for a bare `node` exit became 17 ms with one watch open (load
// 15, median of 12), and that sat between a workload's exit and `wait`'s. So the supervisor
// listens on WAKE_SOCKET in the job directory and, once the terminal state is written, closes
// every connection: each waiter's 'close' means "read state.json now". The launcher, which
// spawned the supervisor, is woken through the supervisor's stdout (a line once `running` or a
// failure is recorded). Everything else (no socket, a job written by an older version, patterns
// that wait for log lines) falls back to the directory watch; the poll covers both.

// node:net (and the streams under it, ~2 ms) is loaded when a socket is made, not by every
// command that could watch a job: status and list read state.json through the same module.
let netModule: typeof import("node:net") | undefined;
const net = () => (netModule ??= createRequire(import.meta.url)("node:net") as typeof import("node:net"));

/** Longest socket path every POSIX system binds (sun_path is 104 bytes on macOS, with its NUL). */
const MAX_SOCKET_PATH_BYTES = 103;

/** The job directory's wake socket, or undefined where it cannot be bound (Windows, a long root). */
export function wakeSocketPath(dirPath: string): string | undefined {
  const path = join(dirPath, WAKE_SOCKET);
  return PATH_SOCKETS && Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES ? path : undefined;
}

/** The supervisor's side: who is waiting, and how they are told. */
export class Waiters {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly path: string | undefined) {}

  /** Starts listening; a failure only means readers watch the directory instead. */
  listen(): void {
    if (!this.path) return;
    try {
      rmSync(this.path, { force: true }); // a previous run's (restart), or one left by a crash
      this.server = net().createServer((socket) => {
        this.sockets.add(socket);
        socket.on("error", () => undefined).on("close", () => this.sockets.delete(socket));
      });
      this.server.on("error", () => undefined);
      this.server.listen(this.path); // bound by the time it returns
      chmodSync(this.path, 0o600); // private like every job file (the directory is already 0700)
    } catch {
      this.server = undefined;
    }
  }

  /** Tells the launcher (our stdout's reader, if any) that state.json changed. */
  announce(): void {
    try {
      writeSync(1, "\n");
    } catch {
      // the launcher has gone (EPIPE) or nobody reads our stdout: nothing to tell
    }
  }

  /** The terminal state is written: every waiter's connection closes, and nobody can connect any more. */
  release(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server?.close();
    this.server = undefined;
    if (this.path) rmSync(this.path, { force: true });
  }
}

/**
 * A reader's side: calls `changed` once connected and again when the supervisor closes the
 * connection; `unavailable` when there is no socket to connect to, or the connection ended (the
 * supervisor is gone, with or without a terminal state). Returns the function that disconnects.
 */
export function onWake(dirPath: string, changed: () => void, unavailable: () => void): (() => void) | undefined {
  const path = wakeSocketPath(dirPath);
  if (!path) return undefined;
  let socket: Socket;
  try {
    socket = net().createConnection(path);
  } catch {
    return undefined;
  }
  socket.on("error", () => undefined);
  socket.on("connect", changed);
  socket.on("close", () => {
    changed();
    unavailable();
  });
  return () => {
    socket.removeAllListeners("close");
    socket.destroy();
  };
}
