// A job whose root exits while a process it started lives on: the Job Object still holds that
// process, so status/wait/list report it (live_processes), delete keeps the job, kill ends it and
// says how many it ended, and the terminal state has the Job Object's accounting (tree_usage).
// The supervisor stays while its job holds processes (its handle keeps the named job alive), then
// exits. Once per backend (AGENT_EXEC_BACKEND), since both implement queryJob.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SKIP, cliOk, eventually, heartbeatCommand, isAlive, makeSandbox, readState, recordedPids, runJob, waitForBeats } from "./helpers.mjs";

const UNDER_WINE = Boolean(process.env.WINELOADER);

for (const backend of ["koffi", "addon"]) {
  describe(`leftovers after the root exits (${backend})`, { skip: SKIP }, () => {
    const box = SKIP ? undefined : makeSandbox(`leftovers-${backend}`);
    after(() => box?.cleanup());
    const env = SKIP ? undefined : { ...process.env, AGENT_EXEC_BACKEND: backend };

    test("are reported, keep the job from delete, and end with kill", async () => {
      const dir = box.subdir("leftover");
      // "starter" starts "leftover" (detached) and exits at once: the root is gone, its child is not.
      const run = await runJob(box.root, heartbeatCommand(dir, "starter", "spawn", "leftover", "detached", "exit"), ["--until", "30"], { env });
      const id = run.job_id;
      assert.equal(run.state, "exited", JSON.stringify(run));
      await waitForBeats(dir, ["leftover"]);
      const leftover = recordedPids(dir)["leftover.pid"];
      const expected = { count: 1, pids: [leftover] };

      const status = await cliOk(["status", "--root", box.root, id], { env });
      assert.equal(status.containment, "job-object");
      assert.deepEqual(status.live_processes, expected, JSON.stringify(status));
      assert.deepEqual((await cliOk(["wait", "--root", box.root, id], { env })).live_processes, expected);
      const listed = (await cliOk(["list", "--root", box.root, "--all"], { env })).jobs.find((j) => j.job_id === id);
      assert.deepEqual(listed.live_processes, expected);

      // Both queries succeed under Wine, but Wine 8 stubs the accounting (zeros): the figures
      // themselves are checked on real Windows only (docs/WINDOWS.md).
      const usage = status.tree_usage;
      assert.equal(usage.source, "job-object", JSON.stringify(status));
      for (const key of ["user_ms", "system_ms", "peak_memory_bytes"]) assert.ok(Number.isInteger(usage[key]) && usage[key] >= 0, JSON.stringify(usage));
      if (!UNDER_WINE) assert.ok(usage.peak_memory_bytes > 0 && usage.user_ms + usage.system_ms > 0, JSON.stringify(usage));

      const kept = await cliOk(["delete", "--root", box.root, id], { env });
      assert.deepEqual(kept.jobs, [{ job_id: id, state: "exited", action: "skipped", reason: "pid_alive" }]);

      const killed = await cliOk(["kill", "--root", box.root, id], { env });
      assert.equal(killed.state, "exited");
      assert.equal(killed.ended_processes, 1, JSON.stringify(killed));
      await eventually("the leftover to end", () => !isAlive(leftover));
      const supervisor = readState(box.root, id).supervisor_pid;
      await eventually("the supervisor to exit once its job is empty", () => !isAlive(supervisor));
      assert.equal((await cliOk(["status", "--root", box.root, id], { env })).live_processes, undefined);
      assert.equal((await cliOk(["delete", "--root", box.root, id], { env })).deleted, 1);
    });
  });
}
