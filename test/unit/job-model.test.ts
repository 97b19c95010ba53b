import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeTime, ulid } from "ulid";
import { LAUNCH_LOCK, STATE_FILE } from "../../src/job/files.js";
import { idTimeMs } from "../../src/job/late-starts.js";
import { outcomeOf, project } from "../../src/job/projection.js";
import { readJob, readJobState } from "../../src/job/read.js";
import { jobState, reportedRecord, type JobState } from "../../src/job/state.js";
import { createdState, failedToStart, finished, orphanEnded, progressed, started, supervisorSpawned } from "../../src/job/transitions.js";
import { JobDir } from "../../src/store/job-dir.js";
import type { StateRecord } from "../../src/store/types.js";

const ID = "01M852YJG58AP76ENM6KWFTKY7";
const T0 = "2026-12-02T00:00:00.000Z";
const T1 = "2026-12-02T00:00:01.000Z";
const T2 = "2026-12-02T00:00:02.000Z";
// A pid no process has: a supervisor or launcher that died.
const DEAD = 999_999_999;

const spawned = () => supervisorSpawned(createdState(ID, T0), 4242, "123");
const running = () =>
  started(spawned(), { pid: 4343, pid_start: "456", pgid: 4343, sid: 4343, windows_job_name: null, containment: { kind: "process-group" } }, T1);
const end = { exit_code: 0, signal: null, duration_ms: 1000, reason: null, tree_usage: { source: "rusage" as const, user_ms: 5, system_ms: 1 } };

describe("transitions", () => {
  it("created → supervisor spawned → running → exited, each record complete and in the reference's key order", () => {
    expect(createdState(ID, T0)).toEqual({ job: { id: ID, status: "created", started_at: null }, result: { exit_code: null, signal: null, duration_ms: null }, updated_at: T0 });
    expect(spawned()).toMatchObject({ supervisor_pid: 4242, supervisor_start: "123", job: { status: "created" } });
    const run = running();
    expect(Object.keys(run)).toEqual(["job", "result", "updated_at", "supervisor_pid", "supervisor_start", "pid", "pid_start", "pgid", "sid", "windows_job_name", "containment"]);
    expect(run).toMatchObject({ job: { id: ID, status: "running", started_at: T1 }, pid: 4343, updated_at: T1, supervisor_pid: 4242 });
    expect(progressed(run, T2)).toEqual({ ...run, updated_at: T2 });
    const done = finished(run, end, T2);
    expect(done).toMatchObject({ job: { status: "exited", started_at: T1 }, result: { exit_code: 0, signal: null, duration_ms: 1000 }, finished_at: T2, reason: null, windows_job_name: null });
  });

  it("a signal that ended the root makes the job killed", () => {
    expect(finished(running(), { ...end, exit_code: null, signal: "SIGTERM", reason: "timeout" }, T2)).toMatchObject({
      job: { status: "killed" },
      result: { exit_code: null, signal: "SIGTERM" },
      reason: "timeout",
    });
  });

  it("a failed start: the launcher's keeps started_at null, the supervisor's counts the attempt as the start", () => {
    expect(failedToStart(spawned(), "the supervisor ended", T2)).toMatchObject({ job: { status: "failed", started_at: null }, finished_at: T2, updated_at: T2, reason: "the supervisor ended" });
    expect(failedToStart(spawned(), "could not start x", T2, T2).job).toEqual({ id: ID, status: "failed", started_at: T2 });
  });

  it("kill ending an orphan: killed with the signal, or failed when nothing was left to signal", () => {
    expect(orphanEnded(running(), "SIGTERM", "supervisor lost; …", T2)).toMatchObject({ job: { status: "killed" }, result: { signal: "SIGTERM" }, finished_at: T2, reason: "supervisor lost; …" });
    expect(orphanEnded(running(), null, "gone", T2)).toMatchObject({ job: { status: "failed" }, result: { signal: null } });
  });
});

// The exhaustive switch is the point: a new phase that is not handled here fails to compile.
function describeJob(job: JobState): string {
  switch (job.status) {
    case "created":
      return `created, supervisor ${job.supervisorPid}`;
    case "running":
      return `running pid ${job.pid}`;
    case "orphaned":
      return `orphaned: ${job.reason}`;
    case "failed_before_start":
      return `nothing ran: ${job.reason}`;
    case "terminal":
      return `${job.outcome} ${job.exitCode ?? job.signal}`;
  }
}

describe("jobState: one phase per record", () => {
  it.each<[string, StateRecord, Parameters<typeof jobState>[1], string]>([
    ["created", spawned(), {}, "created, supervisor 4242"],
    ["abandoned created", createdState(ID, T0), { abandoned: "launch abandoned" }, "nothing ran: launch abandoned"],
    ["running", running(), {}, "running pid 4343"],
    ["running, supervisor lost", running(), { lost: "supervisor lost" }, "orphaned: supervisor lost"],
    ["exited", finished(running(), end, T2), {}, "exited 0"],
    ["killed", finished(running(), { ...end, exit_code: null, signal: "SIGKILL" }, T2), {}, "killed SIGKILL"],
    ["failed with a pid", orphanEnded(running(), null, "gone", T2), {}, "failed null"],
    ["failed before start", failedToStart(spawned(), "no such file", T2), {}, "nothing ran: no such file"],
  ])("%s", (_label, record, liveness, expected) => {
    expect(describeJob(jobState(record, liveness))).toBe(expected);
  });

  it("liveness only matters for the phase it concerns", () => {
    expect(jobState(finished(running(), end, T2), { lost: "x", abandoned: "y" }).status).toBe("terminal");
    expect(jobState(running(), { abandoned: "y" }).status).toBe("running");
  });

  it("readers report an orphan and an abandoned launch as failed with the reason; other records as they are", () => {
    const orphan = reportedRecord(jobState(running(), { lost: "supervisor lost" }));
    expect(orphan).toEqual({ ...running(), job: { ...running().job, status: "failed" }, reason: "supervisor lost" });
    expect(reportedRecord(jobState(createdState(ID, T0), { abandoned: "launch abandoned" }))).toMatchObject({ job: { status: "failed" }, reason: "launch abandoned" });
    const failed = failedToStart(spawned(), "no such file", T2);
    expect(reportedRecord(jobState(failed))).toBe(failed);
  });
});

describe("readJob from a job directory", () => {
  let root: string;
  let dir: JobDir;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "agent-exec-model-"));
    dir = new JobDir(root, ID);
    mkdirSync(dir.path);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (record: unknown) => writeFileSync(dir.file(STATE_FILE), JSON.stringify(record));

  it("a running record whose supervisor is dead reads as orphaned, and is reported failed without being rewritten", () => {
    write({ ...running(), supervisor_pid: DEAD, pid: DEAD });
    const job = readJob(dir);
    expect(job.status).toBe("orphaned");
    if (job.status !== "orphaned") return;
    expect(job.reason).toMatch(/^supervisor lost: pid 999999999 exited without recording an outcome/);
    expect(readJobState(dir)).toMatchObject({ job: { status: "failed" }, reason: job.reason });
    expect(dir.readState().job.status).toBe("running");
  });

  it("a created record whose launcher died reads as failed before start; one nobody launched waits", () => {
    write(createdState(ID, T0));
    expect(readJob(dir).status).toBe("created");
    writeFileSync(dir.file(LAUNCH_LOCK), String(DEAD));
    const job = readJob(dir);
    expect(job.status).toBe("failed_before_start");
    expect(job.status === "failed_before_start" && job.reason).toMatch(/^launch abandoned: the launching process \(pid 999999999\)/);
  });

  it.each<[string, unknown]>([
    ["an unknown status", { ...running(), job: { id: ID, status: "paused" } }],
    ["no result", { job: { id: ID, status: "exited" }, updated_at: T0 }],
    ["a pid that could widen a signal", { ...running(), pid: 1 }],
    ["not an object", [1, 2]],
  ])("bad state: %s is corrupt_job, never a phase", (_label, record) => {
    write(record);
    expect(() => readJob(dir)).toThrowError(expect.objectContaining({ code: "corrupt_job" }));
  });

  it("a missing state.json is corrupt_job; a missing directory job_not_found", () => {
    expect(() => readJob(dir)).toThrowError(expect.objectContaining({ code: "corrupt_job" }));
    rmSync(dir.path, { recursive: true });
    expect(() => readJob(dir)).toThrowError(expect.objectContaining({ code: "job_not_found" }));
  });
});

describe("project: one projection from a record to output", () => {
  it("created: only the state and updated_at", () => {
    expect(project(spawned())).toEqual({ state: "created", updated_at: T0 });
  });

  it("running: started_at and containment; no outcome fields yet, even ones a record carries", () => {
    const view = project({ ...running(), finished_at: T2, reason: "stale", result: { exit_code: null, signal: "SIGTERM", duration_ms: 5 } });
    expect(view).toEqual({ state: "running", started_at: T1, containment: "process-group", updated_at: T1 });
    expect(outcomeOf(view)).toEqual({});
  });

  it("terminal: every outcome field, absent rather than null, zero kept", () => {
    const view = project(finished(running(), { ...end, exit_code: 0, duration_ms: 0 }, T2));
    expect(view).toEqual({
      state: "exited",
      started_at: T1,
      containment: "process-group",
      exit_code: 0,
      finished_at: T2,
      duration_ms: 0,
      tree_usage: end.tree_usage,
      updated_at: T2,
    });
    expect(Object.keys(outcomeOf(view))).toEqual(["exit_code", "finished_at", "duration_ms", "tree_usage"]);
  });

  it("killed by a signal with a reason; a failed start has no started_at and no duration", () => {
    expect(project(finished(running(), { ...end, exit_code: null, signal: "SIGKILL", reason: "timeout", tree_usage: null }, T2))).toMatchObject({
      state: "killed",
      signal: "SIGKILL",
      reason: "timeout",
    });
    const failed = project(failedToStart(spawned(), "no such file", T2));
    expect(failed).toEqual({ state: "failed", finished_at: T2, reason: "no such file", updated_at: T2 });
  });
});

describe("idTimeMs", () => {
  it("reads an id's time as ulid's decodeTime does, and nothing from a hex id or beyond the range", () => {
    for (const ms of [0, 1, 1_700_000_000_123, Date.now(), 2 ** 48 - 1]) {
      const id = ulid(ms);
      expect(idTimeMs(id), id).toBe(decodeTime(id));
    }
    expect(idTimeMs("8ZZZZZZZZZ0000000000000000")).toBeUndefined();
    expect(idTimeMs("0123456789abcdef0123456789abcdef")).toBeUndefined();
  });
});
