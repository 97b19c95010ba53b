// Windows Job Objects: the supervisor puts itself in Job Object AgentExec-<job id> before it starts
// the workload, so every descendant is in the job; `kill` and --timeout end every process in it
// except the supervisor, which survives to record the outcome and then exits on its own.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  SKIP,
  assertTreeGone,
  cliOk,
  killJob,
  eventually,
  makeSandbox,
  openJob,
  readState,
  readStateText,
  recordedPids,
  runJob,
  startJob,
  treeWorkload,
  waitForBeats,
  watchProcess,
  collectJobMembers,
} from "./helpers.mjs";

describe("Job Object containment", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("jobobj");
  after(() => box?.cleanup());

  test("kill ends a tree with a detached and an attached grandchild; the supervisor records killed and exits normally", async () => {
    const dir = box.subdir("kill-tree");
    const started = await startJob(box.root, treeWorkload(dir, "tree"));
    const id = started.job_id;
    assert.equal(started.state, "running");
    const name = `AgentExec-${id}`;

    // state.json names the job object while the job runs ...
    assert.ok(
      readStateText(box.root, id).includes(`"windows_job_name": "${name}"`),
      `state.json lacks "windows_job_name": "${name}":\n${readStateText(box.root, id)}`,
    );
    const running = readState(box.root, id);
    assert.equal(running.job.status, "running");
    assert.ok(Number.isInteger(running.pid) && running.pid > 0, "state.json has the workload pid");
    assert.ok(Number.isInteger(running.supervisor_pid) && running.supervisor_pid > 0, "state.json has supervisor_pid");
    await waitForBeats(dir, ["root", "gc-detached", "gc-attached"]);

    const ps = await cliOk(["ps", "--root", box.root]);
    assert.deepEqual(
      ps.jobs.map((job) => [job.job_id, job.state]),
      [[id, "running"]],
      "ps lists the running job (and only it: the other job of this file has not started yet)",
    );

    // ... and that job object really exists, holding the supervisor, the workload and both grandchildren.
    const job = await openJob(name);
    assert.ok(job, `OpenJobObjectW(${name}) returned NULL while the job runs`);
    let members;
    try {
      members = job.pids();
    } finally {
      job.close();
    }
    const pids = recordedPids(dir);
    for (const [what, pid] of Object.entries({
      supervisor: running.supervisor_pid,
      workload: running.pid,
      "gc-detached": pids["gc-detached.pid"],
      "gc-attached": pids["gc-attached.pid"],
    })) {
      assert.ok(members.includes(pid), `${what} (pid ${pid}) is not in ${name}: members ${JSON.stringify(members)}`);
    }
    assert.equal(pids["root.pid"], running.pid, "state.json's pid is the workload's own pid (argv mode, no wrapper)");

    const supervisor = await watchProcess(running.supervisor_pid);
    try {
      assert.equal(supervisor.exitCode(), null, "the supervisor runs before the kill");
      const killed = await killJob(box.root, id);
      assert.equal(killed.state, "killed", JSON.stringify(killed));
      assert.equal(killed.sent_signal, "SIGTERM");
      assert.equal(killed.terminated_signal, "SIGTERM");

      const final = readState(box.root, id);
      assert.equal(final.job.status, "killed");
      assert.equal(final.result.signal, "SIGTERM");
      assert.equal(final.windows_job_name, null, "windows_job_name is null again in the terminal state");
      assert.equal(final.supervisor_pid, running.supervisor_pid, "the terminal state was written by the same supervisor");

      const memberPids = Object.fromEntries(members.filter((p) => p !== running.supervisor_pid).map((p) => [`job member ${p}`, p]));
      await assertTreeGone(dir, memberPids);

      // The supervisor was spared by kill: it ends by itself, with exit code 0 (kill's TerminateProcess uses 1).
      const { code } = await eventually("the supervisor exits", () => {
        const code = supervisor.exitCode();
        return code === null ? undefined : { code };
      });
      assert.equal(code, 0, `supervisor exit code ${code} (0 = it exited normally; 1 = it was terminated)`);
    } finally {
      supervisor.close();
    }
    // Nothing holds the job object any more: it is gone with its last handle.
    const again = await openJob(name);
    again?.close();
    assert.equal(again, null, `${name} still exists after the supervisor exited`);
  });

  test("--timeout 2 ends the whole tree (reason timeout)", async () => {
    // cmd.exe starts a grandchild with `start /B` and then the node tree (which starts a detached
    // and an attached grandchild of its own): cmd creates its processes within milliseconds, so
    // the tree has grandchildren when the 2 s are up even on a slow Wine run, where a node.exe
    // takes a second or more before it runs any code. Every pid ever seen in the job is collected
    // while it runs, so a process that had no time to write its pid file is checked too.
    const dir = box.subdir("timeout");
    const [node, tree] = treeWorkload(dir, "tree");
    const q = (s) => `"${s}"`;
    const shell = `start "" /B ${q(node)} ${q(join(dir, "heartbeat.mjs"))} ${q(dir)} gc-start & ${q(node)} ${q(tree)} ${q(dir)} tree`;
    const watcher = collectJobMembers(box.root);
    const run = await runJob(box.root, [shell], ["--timeout", "2", "--until", "120"]).then(
      (result) => ({ result }),
      (error) => ({ error }),
    );
    const { id, members } = await watcher.stop();
    if (run.error) throw run.error;
    const { result } = run;
    assert.equal(id, result.job_id);
    assert.equal(result.state, "killed", JSON.stringify(result));
    assert.equal(result.reason, "timeout");
    assert.equal(result.signal, "SIGKILL", "--kill-after defaults to 0: SIGKILL at once");
    const final = readState(box.root, id);
    assert.equal(final.job.status, "killed");
    assert.equal(final.reason, "timeout");
    assert.equal(final.windows_job_name, null);
    const others = members.filter((pid) => pid !== final.supervisor_pid);
    assert.ok(members.includes(final.supervisor_pid), `the supervisor was in the job: ${JSON.stringify(members)}`);
    assert.ok(others.length >= 3, `cmd.exe, its start /B grandchild and the node workload were in the job: ${JSON.stringify(members)}`);
    await assertTreeGone(dir, Object.fromEntries(others.map((pid) => [`job member ${pid}`, pid])));
  });
});
