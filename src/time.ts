/** RFC 3339 UTC timestamp with milliseconds; fixed width, so string order is time order. */
export function now(): string {
  return new Date().toISOString();
}

/** The longest delay a Node timer holds: above it, setTimeout and setInterval fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: one longer than MAX_TIMER_MS is chained in steps that Node keeps.
 * Returns the cancel function. A delay that is not a finite number >= 0 is a bug upstream (the
 * duration rule in commands/duration.ts lets none through), so it throws instead of firing at once.
 */
export function longTimeout(fn: () => void, ms: number): () => void {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError(`timer delay must be a finite number of ms >= 0, not ${ms}`);
  let remaining = ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMER_MS);
    remaining -= step;
    timer = setTimeout(remaining > 0 ? arm : fn, step);
  };
  arm();
  return () => clearTimeout(timer);
}

/** setInterval for any period (see longTimeout); returns the cancel function. */
export function longInterval(fn: () => void, ms: number): () => void {
  if (!(ms > 0)) throw new RangeError(`interval must be a finite number of ms > 0, not ${ms}`);
  let cancel: () => void;
  const tick = () => {
    cancel = longTimeout(() => {
      tick();
      fn();
    }, ms);
  };
  tick();
  return () => cancel();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => longTimeout(resolve, ms));
}

/** Blocks the thread: for retries inside synchronous file operations, which cannot await. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
