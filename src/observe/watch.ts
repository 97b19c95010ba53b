import { watch, type FSWatcher } from "node:fs";
import type { Readable } from "node:stream";
import { STATE_FILE } from "../job/files.js";
import { longInterval, longTimeout } from "../time.js";
import { onWake } from "./wake.js";

export interface WatchOptions {
  /** Give up after this long; null waits forever. */
  timeoutMs: number | null;
  /** Re-check at least this often, for changes no file event announces (a supervisor that died). */
  pollMs: number;
  /** Stop early, as if the timeout had passed (a client that went away). */
  signal?: AbortSignal;
  /** The files of the directory whose changes trigger a check (default: state.json alone). */
  names?: readonly string[];
  /** A stream whose every line and whose end mean "check now" (a supervisor's stdout, to its launcher). */
  wake?: Readable;
}

/**
 * Calls `check` now, whenever state.json in `dir` is replaced, and every `pollMs`, until it
 * returns a value (resolved) or the timeout passes or `signal` aborts (resolved with undefined). Event-driven, so
 * a terminal state is seen within milliseconds of being written, not after a poll interval.
 * What announces a change (src/observe/wake.ts): the `wake` stream, else the supervisor's wake
 * socket when only state.json matters, else (or once either has ended) a watch of the directory.
 */
export function watchUntil<T>(dir: string, check: () => T | undefined, options: WatchOptions): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let disconnect: (() => void) | undefined;
    let stopPolling: (() => void) | undefined;
    let cancelDeadline: (() => void) | undefined;
    let settled = false;
    const giveUp = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      settled = true;
      watcher?.close();
      disconnect?.();
      options.wake?.off("data", tick).off("end", watchFiles);
      stopPolling?.();
      cancelDeadline?.();
      options.signal?.removeEventListener("abort", giveUp);
    };
    const tick = () => {
      if (settled) return;
      try {
        const value = check();
        if (value !== undefined) {
          cleanup();
          resolve(value);
        }
      } catch (error) {
        cleanup();
        reject(error);
      }
    };
    // Log writes land in the same directory; by default only the rename that replaces state.json matters.
    const names = options.names ?? [STATE_FILE];
    function watchFiles() {
      if (settled || watcher) return;
      try {
        watcher = watch(dir, (_event, name) => {
          if (name === null || names.includes(name)) tick();
        });
        watcher.on("error", () => undefined); // polling still covers us
      } catch {
        watcher = undefined; // no watcher (e.g. inotify limit): polling alone
      }
      tick(); // what changed before the watch began
    }
    if (options.signal?.aborted) return giveUp();
    // A job that is already over needs no watch at all.
    tick();
    if (settled) return;
    stopPolling = longInterval(tick, options.pollMs);
    if (options.timeoutMs !== null) cancelDeadline = longTimeout(giveUp, options.timeoutMs);
    options.signal?.addEventListener("abort", giveUp, { once: true });
    if (options.wake) {
      // A line written since the first check waits in the pipe and arrives once we listen.
      options.wake.on("data", tick).once("end", watchFiles);
    } else if (names.length === 1 && names[0] === STATE_FILE) {
      disconnect = onWake(dir, tick, watchFiles);
      if (!disconnect) watchFiles();
    } else {
      watchFiles();
    }
  });
}
