// The escape window: a descendant started at the very beginning of the job, or while `kill` runs,
// must not end up outside the job. The supervisor joins the Job Object before it starts the
// workload, so every descendant is in the job from birth; these tests kill as early as they can
// and then require that no process of the tree is left.
//
// The tree is checked before the recorded state, so that a failure says first whether anything
// survived.
//
// `kill` is sent through a "warm" CLI (helpers.warmCli): a node.exe that has already loaded dist/
// and runs `kill` the moment it is told to. A cold node.exe needs seconds to load the CLI under
// Wine, which would close the window these tests aim at.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {

  SKIP,
  assertTreeGone,
  killJob,
  eventually,
  heartbeatCommand,
  makeSandbox,
  readState,
  recordedPids,
  startJob,
  treeWorkload,
  waitForBeats,
  warmCli,
} from "./helpers.mjs";

/** Starts the job and a warm CLI together; returns both and when run returned. */
async function startWithWarmKill(root, command, flags = []) {
  const [warm, started] = await Promise.allSettled([warmCli(), startJob(root, command, flags)]);
  if (warm.status === "rejected" || started.status === "rejected") {
    if (warm.status === "fulfilled") warm.value.dispose(); // a warm CLI left waiting would keep this file running
    throw started.reason ?? warm.reason;
  }
  return { warm: warm.value, started: started.value, returnedAt: performance.now() };
}

/** Sends `kill <id>` through the warm CLI; asserts it worked and returns its envelope. */
async function warmKill(warm, root, id, flags = []) {
  const result = await warm.run(["kill", "--root", root, ...flags, id]);
  assert.equal(result.code, 0, `kill failed: ${result.stdout}\n${result.stderr}`);
  assert.equal(result.json?.ok, true, result.stdout);
  return result.json;
}

describe("no escape window", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("escape");
  after(() => box?.cleanup());

  test("kill right after run returns: a workload whose first action is to start a grandchild leaves nothing behind", async (t) => {
    const dir = box.subdir("first-action");
    const { warm, started, returnedAt } = await startWithWarmKill(box.root, treeWorkload(dir, "now"));
    try {
      const sentAfter = Math.round(performance.now() - returnedAt);
      const killed = await warmKill(warm, box.root, started.job_id);
      t.diagnostic(`kill sent ${sentAfter} ms after run returned; grandchild created before the kill: ${existsSync(join(dir, "gc.spawned"))}`);
      await assertTreeGone(dir);
      assert.equal(killed.state, "killed", JSON.stringify(killed));
      assert.equal(readState(box.root, started.job_id).job.status, "killed");
    } finally {
      warm.dispose();
    }
  });

  test("kill the moment the workload has created its grandchild (before the grandchild runs any code)", async (t) => {
    const dir = box.subdir("at-birth");
    const { warm, started } = await startWithWarmKill(box.root, treeWorkload(dir, "now"));
    try {
      await eventually("the workload reports its grandchild", () => existsSync(join(dir, "gc.spawned")), { intervalMs: 5 });
      const killed = await warmKill(warm, box.root, started.job_id);
      t.diagnostic(`grandchild had written its pid before the kill: ${existsSync(join(dir, "gc.pid"))}`);
      const { pids } = await assertTreeGone(dir);
      assert.ok(pids["gc.spawned"], "the grandchild's pid is known");
      assert.equal(killed.state, "killed", JSON.stringify(killed));
    } finally {
      warm.dispose();
    }
  });

  test("cmd /C start /B node grandchild: killed right after run returns, nothing is left", async (t) => {
    const dir = box.subdir("start-b");
    const command = ["cmd", "/C", "start", "/B", ...heartbeatCommand(dir, "gc")];
    const { warm, started, returnedAt } = await startWithWarmKill(box.root, command);
    try {
      const sentAfter = Math.round(performance.now() - returnedAt);
      const killed = await warmKill(warm, box.root, started.job_id);
      t.diagnostic(`kill sent ${sentAfter} ms after run returned; outcome ${JSON.stringify(killed)}`);
      await assertTreeGone(dir);
      // cmd returns as soon as `start /B` has launched node, so the root may already have exited
      // when kill arrives (under Wine it sometimes has): the job is then "exited" with node as its
      // leftover, and kill must have ended that just the same. Nothing left is what this asserts.
      assert.ok(["killed", "exited"].includes(killed.state), JSON.stringify(killed));
    } finally {
      warm.dispose();
    }
  });

  test("a grandchild started late (after 1 s) is in the job and is killed", async () => {
    const dir = box.subdir("late");
    const started = await startJob(box.root, treeWorkload(dir, "late"));
    await waitForBeats(dir, ["root", "gc-late"]);
    const killed = await killJob(box.root, started.job_id);
    await assertTreeGone(dir);
    assert.equal(killed.state, "killed", JSON.stringify(killed));
  });

  test("a daemonised grandchild (its parent exited at once: double start) is still killed", async () => {
    // The daemon's parent is gone, so no parent-pid walk from the workload can find it; only the
    // job can.
    const dir = box.subdir("daemon");
    const started = await startJob(box.root, treeWorkload(dir, "daemon"));
    await waitForBeats(dir, ["root", "daemon"]);
    const middle = Number(readFileSync(join(dir, "middle.spawned"), "utf8"));
    await eventually("the middle process exits", () => {
      try {
        process.kill(middle, 0);
        return false;
      } catch {
        return true;
      }
    });
    const killed = await killJob(box.root, started.job_id);
    const { pids } = await assertTreeGone(dir);
    assert.ok(pids["daemon.pid"], `the daemon ran: ${JSON.stringify(recordedPids(dir))}`);
    assert.equal(killed.state, "killed", JSON.stringify(killed));
  });
});


