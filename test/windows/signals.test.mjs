// Windows has no signals: whatever `kill --signal` names, the whole tree is terminated, and the
// supervisor records `killed` with the signal that was asked for (unknown names become SIGKILL).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SKIP, assertTreeGone, killJob, heartbeatCommand, makeSandbox, readState, startJob, waitForBeats } from "./helpers.mjs";

describe("kill --signal", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("signals");
  after(() => box?.cleanup());

  for (const [requested, delivered] of [
    ["INT", "SIGINT"],
    ["KILL", "SIGKILL"],
    ["NOSUCHSIGNAL", "SIGKILL"],
  ]) {
    test(`--signal ${requested} ends the tree (state killed, ${delivered})`, async () => {
      const dir = box.subdir(requested);
      const started = await startJob(box.root, heartbeatCommand(dir, "root", "spawn", "gc", "detached"));
      await waitForBeats(dir, ["root", "gc"]);
      const killed = await killJob(box.root, started.job_id, ["--signal", requested]);
      await assertTreeGone(dir);
      assert.equal(killed.signal, requested);
      assert.equal(killed.sent_signal, delivered);
      assert.equal(killed.state, "killed", JSON.stringify(killed));
      const state = readState(box.root, started.job_id);
      assert.equal(state.job.status, "killed");
      assert.equal(state.result.signal, delivered);
    });
  }
});
