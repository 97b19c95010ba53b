import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { once } from "node:events";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { checkWorkload } from "../../src/platform/process-identity.js";
import { processStartTime } from "../../src/platform/process-info.js";

// status and list check every running job's workload: one kill(pid, 0) and one /proc read each.
// readFileSync is the real one, only counted.
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, readFileSync: vi.fn(real.readFileSync) };
});

const statReads = (pid: number) => vi.mocked(fs.readFileSync).mock.calls.filter(([path]) => path === `/proc/${pid}/stat`).length;

describe.runIf(process.platform === "linux")("checkWorkload reads /proc/<pid>/stat once per look", () => {
  const pid = process.ppid; // a real live process that is not this one
  const start = processStartTime(pid)!;
  beforeEach(() => {
    vi.mocked(fs.readFileSync).mockClear();
  });

  it("ours: the recorded start time matches", () => {
    expect(checkWorkload(pid, start)).toBe("ours");
    expect(statReads(pid)).toBe(1);
  });

  it("reused: another start time at the pid", () => {
    expect(checkWorkload(pid, String(Number(start) + 1))).toBe("reused");
    expect(statReads(pid)).toBe(1);
  });

  it("a backend's start-time source (kill, the supervisor) is not asked where /proc already said", () => {
    const startOf = vi.fn(() => "not this");
    expect(checkWorkload(pid, start, startOf)).toBe("ours");
    expect(startOf).not.toHaveBeenCalled();
    expect(statReads(pid)).toBe(1);
  });

  it("gone: nothing is read once kill(pid, 0) says so", async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    vi.mocked(fs.readFileSync).mockClear();
    expect(checkWorkload(child.pid!, start)).toBe("gone");
    expect(statReads(child.pid!)).toBe(0);
  });
});
