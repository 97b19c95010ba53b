import { spawn } from "node:child_process";
import { afterEach, describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { reap, useJobFixture } from "../helpers/jobs.js";
import { isAlive, processesMatching } from "../helpers/procs.js";

// The suite's clean-up ends only what this test run started: a process outside it with the same
// command line (a user's, another checkout's `npm test`) survives it.
const fx = useJobFixture(["sleep 3799"]);
const strangers: number[] = [];

afterEach(() => {
  for (const pid of strangers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

function stranger(): number {
  const env = { ...process.env };
  delete env.AGENT_EXEC_TEST_RUN; // what a process started outside this run looks like
  const child = spawn("sleep", ["3799"], { env, stdio: "ignore", detached: true });
  child.unref();
  strangers.push(child.pid!);
  return child.pid!;
}

describe("test clean-up touches only its own processes", () => {
  test("a stranger with the marker's command line is neither matched nor reaped", async () => {
    const decoy = stranger();
    const ours = spawn("sleep", ["3799"], { stdio: "ignore" });
    await eventually(() => processesMatching("sleep 3799").includes(ours.pid!));
    expect(processesMatching("sleep 3799")).not.toContain(decoy);
    await reap(fx.root, ["sleep 3799"]);
    expect(isAlive(ours.pid!)).toBe(false);
    expect(isAlive(decoy)).toBe(true);
  });
});
