import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { ok, processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";
import { groupMembers } from "../../src/observe/live-processes.js";
import { cgroup2Mount } from "../../src/platform/cgroup.js";

// Containment of a job's processes on Linux: a cgroup per job (this machine runs the tests as
// root, so the default is the cgroup) and the child-subreaper fallback, forced with
// AGENT_EXEC_CONTAINMENT. Sleep durations 3951-3969 belong to this file (cgroup 395x, subreaper 396x).
const KINDS = [
  { kind: "cgroup", base: 3950, usage: "cgroup" },
  { kind: "subreaper", base: 3960, usage: "rusage" },
] as const;
const MARKERS = Array.from({ length: 19 }, (_, i) => `sleep ${3951 + i}`);
const fx = useJobFixture(MARKERS);
const LIMIT = 20_000;
const onLinux = process.platform === "linux";

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, session, …]. */
const statOf = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
};
const onlyPid = async (n: number) => (await eventually(() => (processesWithArgv(["sleep", String(n)]).length === 1 ? processesWithArgv(["sleep", String(n)]) : undefined), LIMIT))[0]!;

describe.runIf(onLinux).each(KINDS)("containment $kind", ({ kind, base, usage }) => {
  const env = { AGENT_EXEC_CONTAINMENT: kind };
  const x = (args: string[]) => fx.x(args, { env });

  test("status and doctor say which containment the job got", () => {
    const id = ok(x(["run", "--", "true"]), "run").job_id;
    expect(ok(x(["status", id]), "status").containment).toBe(kind);
    expect(ok(x(["doctor"]), "doctor").containment).toMatchObject({ kind });
  });

  test("leftovers after the root exits: status, list and wait show them; delete and gc keep the job; kill ends them", async () => {
    const n = base + 1;
    const run = ok(x(["run", "--", `sleep ${n} & echo started`]), "run");
    const id = run.job_id;
    expect(run.state).toBe("exited");
    const leftover = await onlyPid(n);
    const live = { count: 1, pids: [leftover] };
    expect(ok(x(["status", id]), "status").live_processes).toEqual(live);
    expect(ok(x(["wait", id]), "wait").live_processes).toEqual(live);
    expect(ok(x(["list"]), "list").jobs.find((j: any) => j.job_id === id).live_processes).toEqual(live);

    expect(ok(x(["delete", id]), "delete").jobs).toEqual([{ job_id: id, state: "exited", action: "skipped", reason: "pid_alive" }]);
    fx.age(id, 60);
    expect(ok(x(["gc", "--details"]), "gc").jobs).toEqual([{ job_id: id, state: "exited", action: "skipped", reason: "pid_alive", bytes: 0 }]);
    expect(existsSync(fx.jobDir(id))).toBe(true);

    const k = ok(x(["kill", id]), "kill");
    expect(k).toMatchObject({ sent_signal: "SIGTERM", state: "exited", ended_processes: 1 });
    expect(k.live_processes).toBeUndefined();
    expect(isAlive(leftover)).toBe(false);
    expect(ok(x(["status", id]), "status").live_processes).toBeUndefined();
    const cgroup = fx.readState(id).containment.cgroup;
    if (kind === "cgroup") expect(existsSync(join(cgroup2Mount()!, cgroup))).toBe(false); // removed once empty
    expect(ok(x(["delete", id]), "delete").deleted).toBe(1);
  });

  test("when the leftovers end on their own, the supervisor exits (and removes the cgroup)", async () => {
    const n = base + 8;
    const events = join(fx.scratch(), "events.ndjson");
    // The leftover does not hold the job's pipes, so the supervisor's work is done at once.
    const id = ok(x(["run", "--notify-file", events, "--", `sleep ${n} >/dev/null 2>&1 & echo started`]), "run").job_id;
    const leftover = await onlyPid(n);
    const { supervisor_pid, containment } = fx.readState(id);
    const dir = kind === "cgroup" ? join(cgroup2Mount()!, containment.cgroup) : null;
    // job.finished is the supervisor's last delivery: past it, only the containment's close is left.
    await eventually(() => existsSync(events) && readFileSync(events, "utf8").includes("job.finished"), LIMIT);
    expect(isAlive(supervisor_pid)).toBe(true); // it stays while the job has processes
    if (dir) expect(existsSync(dir)).toBe(true);
    process.kill(leftover, "SIGKILL"); // not through agent-exec
    await eventually(() => !isAlive(supervisor_pid), LIMIT);
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  // setsid: a new session and group; the double fork: an intermediate setsid shell that exits,
  // so its child is an orphan in a session of its own (what a daemon does).
  const escapees = (a: number, b: number, root: number) =>
    `setsid sleep ${a} & setsid sh -c 'sleep ${b} & exit 0' & sleep ${root}`;

  test.each(["kill", "--timeout"])("setsid and double-fork escapees end with %s", async (how) => {
    const [a, b, root] = how === "kill" ? [base + 2, base + 3, base + 4] : [base + 5, base + 6, base + 7];
    const timeout = how === "kill" ? [] : ["--timeout", "2", "--kill-after", "0"];
    const id = ok(x(["run", "--no-wait", ...timeout, "--", escapees(a, b, root)]), "run").job_id;
    const [pa, pb] = [await onlyPid(a), await onlyPid(b)];
    const leader = fx.readState(id).pid;
    // They really left the job's process group and session.
    for (const pid of [pa, pb]) expect([statOf(pid)[2], statOf(pid)[3]]).not.toContain(String(leader));
    if (how === "kill") expect(ok(x(["kill", id]), "kill").state).toBe("killed");
    const s = await fx.settledStatus(id, LIMIT);
    expect(s.state).toBe("killed");
    if (how !== "kill") expect(s.reason).toBe("timeout");
    await eventually(() => !isAlive(pa) && !isAlive(pb), LIMIT);
  });

  test("kill signals each process once: the group's members are not signalled again", async () => {
    const file = join(fx.scratch(), "traps");
    // The trap keeps the shell alive, so it can count every TERM it gets.
    const id = ok(x(["run", "--no-wait", "--", `trap 'echo TERM >> ${file}' TERM; while :; do sleep 0.2; done`]), "run").job_id;
    await eventually(() => processesWithArgv(["sleep", "0.2"]).length > 0, LIMIT);
    expect(ok(x(["kill", id]), "kill").state).toBe("running"); // the kill's 3 s observation ends first
    expect(readFileSync(file, "utf8")).toBe("TERM\n");
    expect(ok(x(["kill", "--signal", "KILL", id]), "kill").state).toBe("killed");
  });

    test("the terminal state records the whole tree's CPU time", async () => {
    // A descendant that burns CPU and exits before the root does.
    const id = ok(x(["run", "--", "(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done); echo done"]), "run").job_id;
    const s = await fx.settledStatus(id, LIMIT);
    expect(s.tree_usage).toMatchObject({ source: usage, user_ms: expect.any(Number), system_ms: expect.any(Number) });
    expect(s.tree_usage.user_ms + s.tree_usage.system_ms).toBeGreaterThan(0);
    expect(ok(x(["wait", id]), "wait").tree_usage).toEqual(s.tree_usage);
    expect(fx.readState(id).tree_usage).toEqual(s.tree_usage);
  });
});

describe.runIf(onLinux)("containment process-group", () => {
  test("leftovers in the job's group are reported and ended", async () => {
    const env = { AGENT_EXEC_CONTAINMENT: "process-group" };
    const id = ok(fx.x(["run", "--", "sleep 3969 & echo started"], { env }), "run").job_id;
    const leftover = await onlyPid(3969);
    expect(ok(fx.x(["status", id]), "status")).toMatchObject({ containment: "process-group", live_processes: { count: 1, pids: [leftover] } });
    expect(ok(fx.x(["kill", id]), "kill").ended_processes).toBe(1);
    expect(isAlive(leftover)).toBe(false);
  });

  test("group members never include a stranger: a reused leader pid, or a process older than the workload", () => {
    const table = [
      { pid: 500, ppid: 1, pgid: 500, start: 1000 },
      { pid: 501, ppid: 500, pgid: 500, start: 1001 },
      { pid: 502, ppid: 1, pgid: 500, start: 999 },
    ];
    expect(groupMembers(500, "1000", table)).toEqual([500, 501]);
    expect(groupMembers(500, "990", table)).toEqual([]); // pid 500 is another process now
    expect(groupMembers(500, "1000", table.slice(1))).toEqual([501]); // leader gone, an older member is not ours
  });
});
