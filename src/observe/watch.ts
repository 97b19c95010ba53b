import { watch, type FSWatcher } from "node:fs";
import { STATE_FILE } from "../job/files.js";
import { longInterval, longTimeout } from "../time.js";

export interface WatchOptions {
  /** Give up after this long; null waits forever. */
  timeoutMs: number | null;
  /** Re-check at least this often, for changes no file event announces (a supervisor that died). */
  pollMs: number;
  /** Stop early, as if the timeout had passed (a client that went away). */
  signal?: AbortSignal;
  /** The files of the directory whose changes trigger a check (default: state.json alone). */
  names?: readonly string[];
}

/**
 * Calls `check` now, whenever state.json in `dir` is replaced, and every `pollMs`, until it
 * returns a value (resolved) or the timeout passes or `signal` aborts (resolved with undefined). Event-driven, so
 * a terminal state is seen within milliseconds of being written, not after a poll interval.
 */
export function watchUntil<T>(dir: string, check: () => T | undefined, options: WatchOptions): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let settled = false;
    const giveUp = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      settled = true;
      watcher?.close();
      stopPolling();
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
    try {
      // Log writes land in the same directory; by default only the rename that replaces state.json matters.
      const names = options.names ?? [STATE_FILE];
      watcher = watch(dir, (_event, name) => {
        if (name === null || names.includes(name)) tick();
      });
      watcher.on("error", () => undefined); // polling still covers us
    } catch {
      watcher = undefined; // no watcher (e.g. inotify limit): polling alone
    }
    const stopPolling = longInterval(tick, options.pollMs);
    const cancelDeadline = options.timeoutMs === null ? undefined : longTimeout(giveUp, options.timeoutMs);
    if (options.signal?.aborted) return giveUp();
    options.signal?.addEventListener("abort", giveUp, { once: true });
    tick();
  });
}
