import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { cli, eventually } from "../helpers/cli.js";
import { ok, reap, useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";

// A disk that fills up under a running job: a 2 MiB tmpfs, mounted for each test and unmounted
// after. Only root may mount; elsewhere these tests are skipped, saying why.
const fx = useJobFixture();
const mounts: string[] = [];

function mountError(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), "agent-exec-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "pipe" });
    execFileSync("umount", [probe], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  } finally {
    rmdirSync(probe);
  }
}
const cannotMount = process.platform === "linux" ? mountError() : "not Linux";
if (cannotMount) console.log(`write-faults: skipped, cannot mount a tmpfs: ${cannotMount}`);

/** A fresh 2 MiB tmpfs. */
function smallDisk(): string {
  const dir = fx.scratch();
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}

/** Fills the disk at `dir` to the last byte. */
function fill(dir: string): void {
  try {
    writeFileSync(join(dir, "filler"), Buffer.alloc(4 * 1024 * 1024));
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  }
}

afterEach(async () => {
  for (const dir of mounts.splice(0)) {
    await reap(join(dir, "jobs"), []);
    execFileSync("umount", ["-l", dir]);
  }
});

describe.skipIf(cannotMount)("a disk that is full", () => {
  test("full.log on a full disk (--log): the job still exits truthfully and says what was lost", async () => {
    const disk = smallDisk();
    fill(disk);
    const log = join(disk, "full.log");
    const r = ok(fx.x(["run", "--log", log, "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]), "run");
    expect(r.state).toBe("exited");
    expect(r.exit_code).toBe(3);
    expect(r.stdout).toBe("to-stdout\n"); // the job's own logs were on another disk
    expect(r.reason).toMatch(/write .*full\.log: ENOSPC/);
    const status = await fx.finishedSupervisor(r.job_id);
    expect(status).toMatchObject({ state: "exited", exit_code: 3 });
    expect(readFileSync(join(fx.jobDir(r.job_id), "supervisor.log"), "utf8")).toMatch(/ENOSPC/);
  });

  test("the root on a disk that fills up: the workload is never cut off, and the outcome is written once space is freed", async () => {
    const root = join(smallDisk(), "jobs");
    mkdirSync(root);
    const x = (args: string[]) => cli(["--root", root, ...args], { cwd: fx.work });
    // The disk is filled to the last byte once the job runs, so every write after that fails,
    // state.json's included; then 3 MB go through it (`head` killed by SIGPIPE would exit 9).
    const go = join(fx.work, "go");
    const script = `while [ ! -e ${go} ]; do sleep 0.02; done; head -c 3000000 /dev/zero || exit 9; exit 7`;
    const r = ok(x(["run", "--no-wait", "--", "sh", "-c", script]), "run");
    const state = () => JSON.parse(readFileSync(join(root, r.job_id, "state.json"), "utf8"));
    await eventually(() => state().job.status === "running", 20_000);
    const { pid, supervisor_pid } = state();
    fill(join(root, ".."));
    writeFileSync(go, "");
    await eventually(() => !isAlive(pid), 20_000);
    // The workload is done; its supervisor is alive, retrying the outcome the disk refuses.
    await new Promise((settle) => setTimeout(settle, 2000)); // long enough for its first tries (150 ms drain, then backing off)
    expect(isAlive(supervisor_pid)).toBe(true);
    expect(state().job.status).toBe("running");

    rmSync(join(root, "..", "filler")); // the user frees space
    await eventually(() => state().job.status !== "running", 20_000);
    const s = ok(x(["status", r.job_id]), "status");
    expect(s).toMatchObject({ state: "exited", exit_code: 7 });
    expect(s.reason).toMatch(/bytes of output not logged/);
    expect(s.reason).toMatch(/write stdout\.log: ENOSPC/);
    expect(s.reason).toMatch(/write state\.json: ENOSPC/);
    await eventually(() => !isAlive(supervisor_pid), 20_000);
    expect(statSync(join(root, r.job_id, "state.json")).size).toBeGreaterThan(0);
  });
});
