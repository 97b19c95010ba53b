import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  durationOrThrow,
  MAX_DURATION_MS,
  MAX_DURATION_SECONDS,
  parseDuration,
  secondsProblem,
  secondsToMs,
  storedMsProblem,
} from "../../src/commands/duration.js";
import { create, gc, run, tail, wait } from "../../src/index.js";
import { longInterval, longTimeout, MAX_TIMER_MS } from "../../src/time.js";

const invalid = (what: RegExp) => expect.objectContaining({ code: "invalid_argument", message: expect.stringMatching(what) });

describe("the duration rule: seconds", () => {
  it.each([
    [0, 0],
    [1.5, 1500],
    ["2.5", 2500],
    [".5", 500],
    [2592000, 2_592_000_000],
    [0.0001, 1], // a positive timeout never rounds down to 0, which means "never"
    [MAX_DURATION_SECONDS, MAX_DURATION_MS],
  ])("%j s → %j ms", (input, ms) => {
    expect(secondsToMs(input, "--timeout")).toBe(ms);
  });

  it.each([NaN, -1, -0.001, Infinity, -Infinity, 1e308, MAX_DURATION_SECONDS + 1, "", " ", "1e308", "1e3", "0x10", "-5", "+5", "Infinity", "NaN", "abc", null, true, {}, []])(
    "refuses %j with invalid_argument naming the flag",
    (input) => {
      expect(secondsProblem(input)).toBeDefined();
      expect(() => secondsToMs(input, "--until")).toThrow(invalid(/^--until .*expected seconds/));
    },
  );

  it("refuses a bigint without throwing anything but invalid_argument", () => {
    expect(() => secondsToMs(10n, "--timeout")).toThrow(invalid(/^--timeout 10: /));
  });

  it("stored ms (meta.json) obey the same bounds", () => {
    for (const good of [0, 1, 2_592_000_000, MAX_DURATION_MS]) expect(storedMsProblem(good)).toBeUndefined();
    for (const bad of [-1, NaN, Infinity, 1e308, MAX_DURATION_MS + 1, "1000", null, undefined]) expect(storedMsProblem(bad)).toBeDefined();
  });
});

describe("the duration rule: retention windows", () => {
  it.each([
    ["30d", 30 * 86_400_000],
    ["24h", 86_400_000],
    ["60m", 3_600_000],
    ["3600s", 3_600_000],
    ["36500d", MAX_DURATION_MS],
  ])("%s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  // 104000000d is a safe integer of ms but an invalid Date: gc used to fail with internal_error.
  it.each(["36501d", "104000000d", "99999999999999999999d", "", "30", "1e3d", "-1d", "1.5d", "0x1fd", 30, null])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
    expect(() => durationOrThrow(text, "--older-than")).toThrow(invalid(/^--older-than/));
  });
});

describe("timers longer than Node's 2^31-1 ms", () => {
  // A plain setTimeout/setInterval of these delays fires after 1 ms (TimeoutOverflowWarning).
  it("real timers: 2^31 ms and 30 days do not fire at once", async () => {
    const fired: string[] = [];
    const cancel = longTimeout(() => fired.push("long"), MAX_TIMER_MS + 1);
    const cancelTick = longInterval(() => fired.push("tick"), 30 * 86_400_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancel();
    cancelTick();
    expect(fired).toEqual([]);
  });

  describe("with a fake clock", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it("longTimeout fires once, exactly when due, across several steps", () => {
      const fn = vi.fn();
      longTimeout(fn, 3 * MAX_TIMER_MS + 5);
      vi.advanceTimersByTime(3 * MAX_TIMER_MS + 4);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(10 * MAX_TIMER_MS);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it("cancel stops a chained timeout and an interval", () => {
      const once = vi.fn();
      const tick = vi.fn();
      const cancelOnce = longTimeout(once, 3 * MAX_TIMER_MS);
      const cancelTick = longInterval(tick, MAX_TIMER_MS + 1);
      vi.advanceTimersByTime(2 * (MAX_TIMER_MS + 1));
      expect(tick).toHaveBeenCalledTimes(2);
      cancelOnce();
      cancelTick();
      vi.advanceTimersByTime(10 * MAX_TIMER_MS);
      expect(once).not.toHaveBeenCalled();
      expect(tick).toHaveBeenCalledTimes(2);
    });
  });

  it("a delay that is not a finite number >= 0 is refused, never a 1 ms timer", () => {
    for (const bad of [NaN, -1, Infinity]) expect(() => longTimeout(() => undefined, bad)).toThrow(RangeError);
    for (const bad of [0, NaN, -1, Infinity]) expect(() => longInterval(() => undefined, bad)).toThrow(RangeError);
  });
});

describe("library callers get the same rule", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "agent-exec-unit-duration-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ["timeout", { timeout: 1e308 }, /^timeout /],
    ["killAfter", { killAfter: -1 }, /^kill_after /],
    ["progressEvery", { progressEvery: NaN }, /^progress_every /],
    ["until", { until: Infinity }, /^until /],
    ["autoGcOlderThan", { autoGcOlderThan: "104000000d" }, /^auto_gc_older_than /],
    // a byte cap is checked as early: after the launch, its error would lose a running job's id
    ["maxBytes", { maxBytes: -1 }, /^max_bytes /],
    ["maxBytes", { maxBytes: NaN }, /^max_bytes /],
  ])("run with a bad %s is refused before any job exists", async (_name, bad, what) => {
    await expect(run({ root, command: ["true"], ...bad })).rejects.toThrow(invalid(what));
    expect(readdirSync(root)).toEqual([]);
  });

  it("create refuses a bad timeout; wait and gc refuse theirs", async () => {
    await expect(create({ root, command: ["true"], timeout: 2 ** 53 })).rejects.toThrow(invalid(/^timeout /));
    expect(readdirSync(root)).toEqual([]);
    await expect(wait({ root, jobId: "01JZZZZZZZZZZZZZZZZZZZZZZZ", until: 1e308 })).rejects.toThrow(invalid(/^until /));
    await expect(wait({ root, jobId: "01JZZZZZZZZZZZZZZZZZZZZZZZ", poll: 1e308 })).rejects.toThrow(invalid(/^poll /));
    await expect(gc({ root, olderThan: "104000000d" })).rejects.toThrow(invalid(/^older_than /));
  });

  it("tail refuses a byte cap or line count that is not a whole number >= 0", async () => {
    const { job_id } = await create({ root, command: ["true"] });
    for (const bad of [{ maxBytes: -1 }, { maxBytes: NaN }, { maxBytes: 1.5 }, { tailLines: -1 }, { tailLines: NaN }]) {
      await expect(tail({ root, jobId: job_id, ...bad }), JSON.stringify(bad)).rejects.toThrow(invalid(/^(max_bytes|tail_lines) /));
    }
    expect((await tail({ root, jobId: job_id, maxBytes: 4e9 })).stdout_range).toEqual([0, 0]); // huge is clamped, not refused
  });
});
