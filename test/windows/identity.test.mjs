// The workload's identity on Windows: state.json records its creation time (GetProcessTimes), and
// `kill` of a lost job never ends the process that holds the recorded pid by then. The job's
// Job Object is gone with its last process, so without the check `kill` would fall back to the
// Toolhelp32 walk from that pid and end it.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODE, SKIP, cliOk, eventually, isAlive, makeSandbox, readState, sleep, startJob } from "./helpers.mjs";

const IDLE = ["-e", "setTimeout(() => {}, 600000)"];

describe("the workload's identity", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("identity");
  after(() => box?.cleanup());

  test("state.json records the creation time; kill leaves alone the process that now holds a lost job's pid", async () => {
    const { job_id: id } = await startJob(box.root, [NODE, ...IDLE]);
    const state = readState(box.root, id);
    assert.match(state.pid_start, /^\d+$/, JSON.stringify(state));
    // A crash: the supervisor and the workload end without a word (TerminateProcess, by recorded pid).
    process.kill(state.supervisor_pid);
    process.kill(state.pid);
    await eventually("both to end", () => !isAlive(state.supervisor_pid) && !isAlive(state.pid));
    // A process of ours takes the recorded pid: to the reader that is what pid reuse looks like.
    const decoy = spawn(NODE, IDLE, { stdio: "ignore", windowsHide: true });
    try {
      await eventually("the decoy to start", () => isAlive(decoy.pid));
      writeFileSync(join(box.root, id, "state.json"), JSON.stringify({ ...readState(box.root, id), pid: decoy.pid }));
      const status = await cliOk(["status", "--root", box.root, id]);
      assert.equal(status.state, "failed");
      const killed = await cliOk(["kill", "--root", box.root, id]);
      assert.equal(killed.state, "failed", JSON.stringify(killed));
      assert.match(killed.reason, new RegExp(`pid ${decoy.pid} now belongs to another process`));
      await sleep(500);
      assert.ok(isAlive(decoy.pid), "the decoy was ended");
      assert.equal(readState(box.root, id).job.status, "failed");
    } finally {
      decoy.kill();
    }
  });
});
