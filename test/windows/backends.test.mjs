// Windows conformance of the process-tree backends, each loaded through the production loader
// (dist/platform/process-tree.js loadBackend): koffi (kernel32 through FFI) and the native addon
// (native/tree_win32.cc, cross-built by `npm run build:native:win32` into build/win32-x64/).
//
//   scripts/wine-node.sh --test --test-reporter=spec test/windows/backends.test.mjs
//
// A backend that does not load FAILS here, it is not skipped: build it first.
//
// What each test proves on Wine: the kernel32 calls each backend makes (CreateJobObjectW,
// AssignProcessToJobObject on itself, OpenJobObjectW by name, QueryInformationJobObject's pid list,
// OpenProcess/TerminateProcess, Toolhelp32) do what the contract says with Wine's implementation.
// What only a real Windows runner proves: libuv's own job with silent breakaway, conhost.exe,
// access rules between sessions/integrity levels, and timing under a real scheduler.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SKIP, copyFixtures, eventually, isAlive, openJob, sleep } from "./helpers.mjs";

const BACKENDS = ["koffi", "addon"];
const DIST = new URL("../../dist/", import.meta.url);

// The helper that plays the supervisor: test/fixtures/windows/backend-helper.mjs (it says what it does).

describe("process-tree backends on Windows", { skip: SKIP }, () => {
  let base;
  let n = 0;
  const helpers = [];
  let loadBackend;
  let TERM;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), "agent-exec-win-backends-"));
    ({ loadBackend } = await import(new URL("platform/process-tree.js", DIST).href));
    ({ resolveSignal: TERM } = await import(new URL("platform/signals.js", DIST).href));
    TERM = TERM("TERM");
  });

  after(async () => {
    for (const helper of helpers) if (helper.exitCode === null) helper.kill();
    await sleep(500);
    try {
      rmSync(base, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // a process a failed test left behind may still hold a file
    }
  });

  function subdir(label) {
    const dir = join(base, `${String(++n).padStart(2, "0")}-${label}`);
    mkdirSync(dir);
    copyFixtures(dir, "heartbeat.mjs", "backend-helper.mjs");
    return dir;
  }

  const readJson = (dir, file) => JSON.parse(readFileSync(join(dir, file), "utf8"));
  const pidOf = (dir, name) => Number(readFileSync(join(dir, `${name}.pid`), "utf8"));
  const beating = (dir, name) => existsSync(join(dir, `${name}.hb`)) && Number(readFileSync(join(dir, `${name}.hb`), "utf8")) >= 2;

  /** Starts helper.mjs (contained in AgentExec-<jobId> when jobId is given) and waits for its tree. */
  async function startHelper(dir, backendName, jobId, { sibling = false } = {}) {
    const helper = spawn(process.execPath, [join(dir, "backend-helper.mjs"), DIST.href, backendName, dir, jobId ?? "-", ...(sibling ? ["sibling"] : [])], {
      stdio: ["pipe", "ignore", "pipe"],
      windowsHide: true,
    });
    helpers.push(helper);
    let stderr = "";
    helper.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exited = once(helper, "exit");
    await eventually(`the helper's tree (stderr: ${stderr})`, () => {
      if (helper.exitCode !== null) assert.fail(`helper exited ${helper.exitCode}: ${stderr}`);
      return existsSync(join(dir, "helper.json")) && beating(dir, "child") && beating(dir, "grandchild") && (!sibling || beating(dir, "sibling"));
    });
    const info = readJson(dir, "helper.json");
    const tree = { child: pidOf(dir, "child"), grandchild: pidOf(dir, "grandchild"), ...(sibling ? { sibling: pidOf(dir, "sibling") } : {}) };
    assert.equal(info.pid, helper.pid);
    assert.equal(info.child, tree.child);
    if (sibling) assert.equal(info.sibling, tree.sibling);
    return { helper, info, tree, exited, stderr: () => stderr };
  }

  async function stopHelper(helper, exited) {
    helper.stdin.end();
    const [code] = await exited;
    return code;
  }

  for (const name of BACKENDS) {
    describe(`backend ${name}`, () => {
      let backend;
      before(async () => {
        backend = await loadBackend(name); // throws (and fails every test below) when it does not load
      });

      test("loads through the production loader, with its name and a version", () => {
        assert.equal(backend.name, name);
        assert.equal(typeof backend.version, "string");
        if (name === "addon") assert.match(backend.version, /^agent_exec native \d+\.\d+\.\d+ \(N-API \d+\)$/);
      });

      test("signalTree on a pid that is gone returns false, with or without a (missing) job name", () => {
        // Not the pid of a child that just exited: Windows (and Wine, with other tests spawning
        // beside this one) hands a freed pid out again at once, and this would then end a stranger.
        // Pids are multiples of 4 and small; this one is far above any in use here.
        const gone = 4_194_300;
        assert.equal(backend.signalTree({ pid: gone }, TERM), false);
        assert.equal(backend.signalTree({ pid: gone, windowsJobName: "AgentExec-NOSUCHJOB0000000000000", supervisorPid: null }, TERM), false);
      });

      test("refuses pids that could widen a kill (0, 1, negative, fractional, text, this process, the supervisor) with unsafe_pid, ending nothing", async () => {
        const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore", windowsHide: true });
        try {
          await eventually("the child to start", () => isAlive(child.pid));
          const targets = [0, 1, -1, -process.pid, 1.5, Number.NaN, 2 ** 40, "12", process.pid].map((pid) => ({ pid }));
          targets.push({ pid: child.pid, supervisorPid: child.pid }); // the supervisor itself
          for (const target of targets) {
            assert.throws(() => backend.signalTree(target, TERM), (error) => error.code === "unsafe_pid", JSON.stringify(target));
          }
          await sleep(300);
          assert.ok(isAlive(child.pid), "nothing was ended");
          assert.ok(isAlive(process.pid));
        } finally {
          child.kill();
        }
      });

      test("processStartTime: the creation time, stable, different for another process, equal across backends", async () => {
        const a = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore", windowsHide: true });
        await sleep(50);
        const b = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore", windowsHide: true });
        try {
          await eventually("both to start", () => isAlive(a.pid) && isAlive(b.pid));
          const first = backend.processStartTime(a.pid);
          assert.match(first, /^\d+$/);
          assert.equal(backend.processStartTime(a.pid), first);
          assert.notEqual(backend.processStartTime(b.pid), first);
          assert.ok(BigInt(backend.processStartTime(b.pid)) > BigInt(first), "a later process was created later");
          for (const other of BACKENDS) assert.equal((await loadBackend(other)).processStartTime(a.pid), first, `${other} reads the same`);
        } finally {
          a.kill();
          b.kill();
        }
        await once(a, "exit");
        await eventually("a gone pid to have no start time", () => backend.processStartTime(a.pid) === null);
      });

      test("has no subreaper or children usage on Windows", () => {
        assert.equal(backend.becomeSubreaper(), false);
        assert.equal(backend.reapChild(4242), false);
        assert.equal(backend.childrenUsage(), null);
      });

      test("Toolhelp32 fallback: without a job, the root and its descendants end, children first", async () => {
        const dir = subdir(`${name}-toolhelp`);
        const { helper, tree, exited } = await startHelper(dir, name, null);
        assert.equal(backend.signalTree({ pid: helper.pid }, TERM), true);
        await exited;
        await eventually("child and grandchild to end", () => !isAlive(tree.child) && !isAlive(tree.grandchild));
        assert.ok(isAlive(process.pid));
      });
    });
  }

  // Every pair: the job is made by one backend (in the helper, like the supervisor) and ended by
  // another (in this process, like `kill`): the two must be interchangeable across processes.
  for (const contained of BACKENDS) {
    for (const ender of BACKENDS) {
      test(`a job contained by ${contained} is ended by ${ender} by name, sparing the supervisor`, async () => {
        const backend = await loadBackend(ender);
        const dir = subdir(`${contained}-then-${ender}`);
        const jobId = `01JBACKEND${contained.toUpperCase()}${ender.toUpperCase()}`.padEnd(26, "0").slice(0, 26);
        const { helper, info, tree, exited } = await startHelper(dir, contained, jobId);
        assert.equal(info.job, `AgentExec-${jobId}`, "containSelf returns the job's name");

        const target = { pid: tree.child, windowsJobName: info.job, supervisorPid: helper.pid };
        assert.equal(backend.signalTree(target, TERM), true);
        await eventually("child and grandchild to end", () => !isAlive(tree.child) && !isAlive(tree.grandchild));
        assert.ok(isAlive(helper.pid), "the spared supervisor survives");
        // Only the spared process is left in the job: nothing more to end.
        assert.equal(backend.signalTree(target, TERM), false);
        assert.ok(isAlive(helper.pid));
        assert.equal(await stopHelper(helper, exited), 0);
      });
    }
  }

  for (const name of BACKENDS) {
    test(`${name}: the contained process ends its own job's tree through its own handle (as on --timeout)`, async () => {
      const dir = subdir(`${name}-own-job`);
      const jobId = `01JOWNJOB${name.toUpperCase()}`.padEnd(26, "0");
      const { helper, tree, exited } = await startHelper(dir, name, jobId);
      helper.stdin.write("kill\n");
      const result = await eventually("self-kill.json", () => existsSync(join(dir, "self-kill.json")) && readJson(dir, "self-kill.json"));
      assert.deepEqual(result, { ended: true });
      await eventually("child and grandchild to end", () => !isAlive(tree.child) && !isAlive(tree.grandchild));
      assert.ok(isAlive(helper.pid));
      assert.equal(await stopHelper(helper, exited), 0);
    });
  }

  for (const name of BACKENDS) {
    test(`${name}: inside its own job, signalTree({ pid }) without a job name ends that pid's tree only, not another child of the job (a timed-out notification sink)`, async () => {
      const dir = subdir(`${name}-pid-only`);
      const jobId = `01JPIDONLY${name.toUpperCase()}`.padEnd(26, "0");
      const { helper, info, tree, exited } = await startHelper(dir, name, jobId, { sibling: true });
      try {
        const job = await openJob(info.job);
        assert.ok(job, `${info.job} exists`);
        try {
          const members = job.pids();
          for (const pid of [helper.pid, tree.child, tree.grandchild, tree.sibling]) {
            assert.ok(members.includes(pid), `pid ${pid} is in ${info.job}: ${JSON.stringify(members)}`);
          }
        } finally {
          job.close();
        }
        helper.stdin.write("kill-child\n");
        const result = await eventually("child-kill.json", () => existsSync(join(dir, "child-kill.json")) && readJson(dir, "child-kill.json"));
        assert.deepEqual(result, { ended: true });
        await eventually("child and grandchild to end", () => !isAlive(tree.child) && !isAlive(tree.grandchild));
        // The sibling, in the same job, and the helper (the supervisor) were not touched.
        assert.ok(isAlive(tree.sibling), "the sibling in the same job survives (the whole job was ended instead of the pid's tree)");
        const before = Number(readFileSync(join(dir, "sibling.hb"), "utf8"));
        await eventually("the sibling keeps beating", () => Number(readFileSync(join(dir, "sibling.hb"), "utf8")) > before + 2);
        assert.ok(isAlive(helper.pid));
        assert.equal(await stopHelper(helper, exited), 0);
      } finally {
        if (isAlive(tree.sibling)) process.kill(tree.sibling);
      }
    });
  }
});
