import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobDir } from "../../src/store/job-dir.js";
import { claimLaunch } from "../../src/store/launch-claim.js";

const ID = "01M852YJG58AP76ENM6KWFTKY7";
let root: string;
let dir: JobDir;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agent-exec-claim-"));
  dir = new JobDir(root, ID);
  mkdirSync(dir.path);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("claimLaunch", () => {
  it("gives one launch at a time the job; a second claim is invalid_state (retryable) naming the holder", () => {
    const release = claimLaunch(dir);
    expect(readFileSync(dir.file("launch.lock"), "utf8")).toBe(String(process.pid));
    // A live holder other than us: our parent process stands in for a concurrent `start`.
    writeFileSync(dir.file("launch.lock"), String(process.ppid));
    expect(() => claimLaunch(dir)).toThrowError(expect.objectContaining({ code: "invalid_state", retryable: true }));
    release();
    expect(existsSync(dir.file("launch.lock"))).toBe(false);
    claimLaunch(dir)();
  });

  it("a job directory that cannot hold the claim is io_error naming the errno, not retryable", () => {
    rmSync(dir.path, { recursive: true });
    writeFileSync(dir.path, ""); // a file where the directory should be: ENOTDIR, as EACCES would be for another user
    expect(() => claimLaunch(dir)).toThrowError(expect.objectContaining({ code: "io_error", retryable: false, details: { errno: "ENOTDIR" } }));
  });

  it("takes over a claim whose holder died", () => {
    writeFileSync(dir.file("launch.lock"), "999999999");
    const release = claimLaunch(dir);
    expect(readFileSync(dir.file("launch.lock"), "utf8")).toBe(String(process.pid));
    release();
  });

  it("takes over an empty claim (its holder died before writing its pid)", () => {
    writeFileSync(dir.file("launch.lock"), "");
    claimLaunch(dir)();
  });
});
