import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchUntil } from "../../src/observe/watch.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agent-exec-unit-watch-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("watchUntil with an AbortSignal", () => {
  it("an abort ends a wait that has no deadline: it resolves undefined and checks no more", async () => {
    let checks = 0;
    const gone = new AbortController();
    const waiting = watchUntil(dir, () => void checks++, { timeoutMs: null, pollMs: 10, signal: gone.signal });
    await pause(100);
    expect(checks).toBeGreaterThan(1); // it polls while waiting
    gone.abort();
    await expect(waiting).resolves.toBeUndefined();
    const after = checks;
    await pause(100);
    expect(checks).toBe(after);
  });

  it("an already aborted signal returns at once without checking", async () => {
    let checks = 0;
    await expect(watchUntil(dir, () => void checks++, { timeoutMs: null, pollMs: 10, signal: AbortSignal.abort() })).resolves.toBeUndefined();
    await pause(50);
    expect(checks).toBe(0);
  });
});
