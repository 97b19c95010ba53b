import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { autoGc } from "../../src/launch/auto-gc.js";
import { GC_LOCK } from "../../src/job/files.js";
import { tryLock } from "../../src/store/file-lock.js";

// Pids no process has: the lock's owner died.
const DEAD = "999999999";
let root: string;
let lock: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agent-exec-lock-"));
  lock = join(root, "x.lock");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("tryLock", () => {
  it("a lock this process holds is held: a second tryLock here does not take it over", () => {
    const release = tryLock(lock);
    expect(typeof release).toBe("function");
    expect(tryLock(lock)).toEqual({ heldBy: process.pid });
    (release as () => void)();
    const again = tryLock(lock);
    expect(typeof again).toBe("function");
    (again as () => void)();
    expect(existsSync(lock)).toBe(false);
  });

  it("a lock left by a dead process that had our pid (not held here) is taken over", () => {
    writeFileSync(lock, String(process.pid));
    const release = tryLock(lock);
    expect(typeof release).toBe("function");
    (release as () => void)();
  });

  it("while a live process takes a dead owner's lock over, the lock is left to it", () => {
    writeFileSync(lock, DEAD);
    writeFileSync(`${lock}.takeover`, String(process.ppid)); // our parent stands in for the taker
    expect(tryLock(lock)).toEqual({ heldBy: process.ppid });
    expect(readFileSync(lock, "utf8")).toBe(DEAD);
  });

  it("a taker that died during its takeover does not block the lock for good", () => {
    writeFileSync(lock, DEAD);
    writeFileSync(`${lock}.takeover`, DEAD);
    const release = tryLock(lock);
    expect(typeof release).toBe("function");
    expect(readFileSync(lock, "utf8")).toBe(String(process.pid));
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    (release as () => void)();
  });
});

describe("auto-gc's lock", () => {
  // A half-made job directory older than the grace: gc removes it whatever its policy.
  function halfMadeJob(): string {
    const dir = join(root, "01M852YJG58AP76ENM6KWFTKY7");
    mkdirSync(dir);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(dir, old, old);
    return dir;
  }

  it("collects when nobody holds .gc.lock, and leaves the lock free", () => {
    const dir = halfMadeJob();
    autoGc(root, { shell: {}, gc: {} }, {});
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(root, GC_LOCK))).toBe(false);
  });

  it("does not collect while this process holds .gc.lock (two collections at once)", () => {
    const dir = halfMadeJob();
    const release = tryLock(join(root, GC_LOCK)) as () => void;
    autoGc(root, { shell: {}, gc: {} }, {});
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(join(root, GC_LOCK), "utf8")).toBe(String(process.pid));
    release();
  });
});
