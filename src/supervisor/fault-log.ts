import { appendJobFile } from "../store/job-file.js";
import { now, sleep } from "../time.js";

// What went wrong inside a supervisor without ending its job: a log write that failed (disk
// full), a signal that could not be sent, an exception nobody caught. The supervisor must outlive
// all of these, so each is recorded here instead of thrown: once per distinct fault in
// supervisor.log (best effort: that write may fail too), and as a summary the terminal state's
// `reason` carries.

/** Retry a state write this often at most while the disk refuses it. */
const MAX_RETRY_DELAY_MS = 1000;

export class FaultLog {
  private readonly seen = new Map<string, number>();
  private path: string | undefined;

  /** Where the faults are appended (the job's supervisor.log). */
  logTo(path: string): void {
    this.path = path;
  }

  record(context: string, error: unknown): void {
    const summary = `${context}: ${describe(error)}`;
    const count = this.seen.get(summary) ?? 0;
    this.seen.set(summary, count + 1);
    if (count > 0 || !this.path) return;
    try {
      appendJobFile(this.path, `${now()} ${context}: ${(error as Error)?.stack ?? String(error)}\n`);
    } catch {
      // the same full disk, most likely: the summary still reaches state.json once it can be written
    }
  }

  /** One line for the terminal state's `reason`, or null when nothing went wrong. */
  summary(): string | null {
    if (this.seen.size === 0) return null;
    return [...this.seen].map(([summary, n]) => (n > 1 ? `${summary} (${n} times)` : summary)).join("; ");
  }
}

/** The supervisor process's faults (one job per process). */
export const faults = new FaultLog();

/**
 * Runs `write` until it succeeds, backing off up to a second between tries, while `gone()` says
 * the job is still there: a full disk refuses the terminal state until space is freed, and the
 * state is the one thing that must not be lost. Resolves false if the job went away first.
 */
export async function writeUntilDone(what: string, write: () => void, gone: () => boolean): Promise<boolean> {
  for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS)) {
    try {
      write();
      return true;
    } catch (error) {
      faults.record(`write ${what}`, error);
      if (gone()) return false;
    }
    await sleep(delayMs);
  }
}

// The innermost message: an io_error wrapping "ENOSPC: no space left on device, write" says the
// path again, which the context already names.
function describe(error: unknown): string {
  const cause = (error as Error & { cause?: unknown })?.cause;
  const root = cause instanceof Error ? cause : error;
  return String((root as Error)?.message ?? root);
}
