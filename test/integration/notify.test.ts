import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { ndjsonRecords, readJsonIfThere, readNdjson } from "../helpers/files.js";
import { failed, ok, processesWithArgv, sleep, usageError, useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";

// Notifications: job.finished (completion sinks) and job.output.matched (output-match sinks).
// Sleep durations 3811-3839 belong to this file (3801-3807, 3841-3847, 3881 and 3882 are the
// process-tree conformance suite's).
const MARKERS = Array.from({ length: 29 }, (_, i) => `sleep ${3811 + i}`);
const fx = useJobFixture(MARKERS);

// Generous: deliveries follow the terminal state and a loaded machine slows everything.
const LIMIT = 20_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UNKNOWN_ID = "01JZZZZZZZZZZZZZZZZZZZZZZZ";

const completionPath = (id: string) => join(fx.jobDir(id), "completion_event.json");
const matchRecordsPath = (id: string) => join(fx.jobDir(id), "notification_events.ndjson");

/** completion_event.json once its sinks have been tried (delivery_results is empty until then). */
function delivered(id: string): Promise<any> {
  return eventually(() => {
    const event = readJsonIfThere(completionPath(id));
    return event?.delivery_results?.length > 0 ? event : undefined;
  }, LIMIT);
}

/** Starts a job without waiting for it. */
function start(args: string[], env?: NodeJS.ProcessEnv): string {
  return ok(fx.x(["run", "--no-wait", ...args], { env }), "run").job_id;
}

/** Waits for the live `sleep <n>` a job started, then kills it, letting the job's script go on. */
async function release(n: number): Promise<void> {
  const pids = await eventually(() => {
    const found = processesWithArgv(["sleep", String(n)]);
    return found.length > 0 ? found : undefined;
  }, LIMIT);
  for (const pid of pids) process.kill(pid, "SIGKILL");
}

/** The live processes whose argv is `sleep <n>` for any of `ns`. */
const sleepsAlive = (...ns: number[]) => ns.flatMap((n) => processesWithArgv(["sleep", String(n)]));

describe("job.finished: file sink", () => {
  test("appends one NDJSON line with every event field, creating the file's directories", async () => {
    const file = join(fx.scratch(), "deep", "er", "events.ndjson");
    const run = ok(fx.x(["run", "--notify-file", file, "--", "sh", "-c", "echo out; echo err >&2; exit 3"]), "run");
    const id = run.job_id;
    expect(run.state).toBe("exited");
    const [line] = await ndjsonRecords(file, 1);
    await fx.finishedSupervisor(id);
    expect(readNdjson(file)).toHaveLength(1);
    expect(readFileSync(file, "utf8").endsWith("}\n")).toBe(true);

    const state = fx.readState(id);
    expect(line).toEqual({
      schema_version: "0.1",
      event_type: "job.finished",
      job_id: id,
      state: "exited",
      command: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      cwd: fx.work,
      started_at: state.job.started_at,
      finished_at: state.finished_at,
      duration_ms: state.result.duration_ms,
      exit_code: 3,
      stdout_log_path: join(fx.jobDir(id), "stdout.log"),
      stderr_log_path: join(fx.jobDir(id), "stderr.log"),
    });
    expect(line.started_at).toMatch(ISO);
    expect(line.finished_at).toMatch(ISO);
    expect(typeof line.duration_ms).toBe("number");
    expect(readFileSync(line.stdout_log_path, "utf8")).toBe("out\n");
    expect(readFileSync(line.stderr_log_path, "utf8")).toBe("err\n");

    // The job's own copy: the same event plus what each sink did.
    const event = await delivered(id);
    const { delivery_results, ...rest } = event;
    expect(rest).toEqual(line);
    expect(delivery_results).toEqual([{ sink_type: "file", target: file, success: true, attempted_at: expect.stringMatching(ISO) }]);
  });

  test("a second job appends to the same file instead of replacing it", async () => {
    const file = join(fx.scratch(), "shared.ndjson");
    const first = ok(fx.x(["run", "--notify-file", file, "--", "true"]), "run").job_id;
    await ndjsonRecords(file, 1);
    const second = ok(fx.x(["run", "--notify-file", file, "--", "false"]), "run").job_id;
    const lines = await ndjsonRecords(file, 2);
    expect(lines.map((l) => [l.job_id, l.exit_code])).toEqual([
      [first, 0],
      [second, 1],
    ]);
  });

  test("a relative --notify-file is stored as an absolute path, resolved against the caller's cwd", async () => {
    const id = ok(fx.x(["run", "--notify-file", "out/events.ndjson", "--", "true"]), "run").job_id;
    const stored = join(fx.work, "out", "events.ndjson");
    expect(fx.readMeta(id).notification).toEqual({ notify_file: stored });
    const [line] = await ndjsonRecords(stored, 1);
    expect(line.job_id).toBe(id);
  });

  test("an unwritable file (a path under a regular file) fails the delivery, not the job", async () => {
    const blocker = join(fx.scratch(), "regular-file");
    writeFileSync(blocker, "not a directory\n");
    const file = join(blocker, "events.ndjson");
    const id = ok(fx.x(["run", "--notify-file", file, "--", "true"]), "run").job_id;
    const event = await delivered(id);
    expect(event.delivery_results).toEqual([
      { sink_type: "file", target: file, success: false, error: expect.stringMatching(/\S/), attempted_at: expect.stringMatching(ISO) },
    ]);
    expect(event.state).toBe("exited");
    const status = await fx.finishedSupervisor(id);
    expect(status.state).toBe("exited");
    expect(status.exit_code).toBe(0);
    expect(readFileSync(blocker, "utf8")).toBe("not a directory\n");
  });

  test("without sinks nothing is written next to the job", async () => {
    const id = ok(fx.x(["run", "--output-pattern", "", "--", "sh", "-c", "echo hello"]), "run").job_id;
    await fx.finishedSupervisor(id);
    expect(fx.readMeta(id)).not.toHaveProperty("notification");
    expect(existsSync(completionPath(id))).toBe(false);
    expect(existsSync(matchRecordsPath(id))).toBe(false);
  });
});

describe("job.finished: command sink", () => {
  test("gets the event as one line on stdin, and AGENT_EXEC_EVENT_PATH / _JOB_ID / _EVENT_TYPE", async () => {
    const out = fx.scratch();
    const hook = [
      `cat > '${out}/stdin.txt'`,
      `printf '%s\\n' "$AGENT_EXEC_EVENT_PATH" "$AGENT_EXEC_JOB_ID" "$AGENT_EXEC_EVENT_TYPE" > '${out}/env.txt'`,
      `cp "$AGENT_EXEC_EVENT_PATH" '${out}/seen.json'`,
    ].join("; ");
    const id = ok(fx.x(["run", "--notify-command", hook, "--", "echo", "cmd_sink_test"]), "run").job_id;
    const event = await delivered(id);

    const stdin = readFileSync(join(out, "stdin.txt"), "utf8");
    expect(stdin.endsWith("\n")).toBe(true);
    expect(stdin.split("\n")).toHaveLength(2);
    const received = JSON.parse(stdin);
    expect(received).toMatchObject({ schema_version: "0.1", event_type: "job.finished", job_id: id, state: "exited", exit_code: 0 });
    expect(received).not.toHaveProperty("delivery_results");
    expect(readFileSync(join(out, "env.txt"), "utf8")).toBe(`${completionPath(id)}\n${id}\njob.finished\n`);
    // completion_event.json was on disk before the sink ran, without results yet.
    const seen = JSON.parse(readFileSync(join(out, "seen.json"), "utf8"));
    expect(seen).toEqual({ ...received, delivery_results: [] });

    expect(event.delivery_results).toEqual([{ sink_type: "command", target: hook, success: true, attempted_at: expect.stringMatching(ISO) }]);
    const { delivery_results: _, ...persisted } = event;
    expect(persisted).toEqual(received);
  });

  test("both sinks: the command first, then the file, each with a result", async () => {
    const out = fx.scratch();
    const file = join(out, "events.ndjson");
    const hook = `cat > '${out}/stdin.txt'`;
    const id = ok(fx.x(["run", "--notify-file", file, "--notify-command", hook, "--", "true"]), "run").job_id;
    const event = await delivered(id);
    expect(event.delivery_results.map((r: any) => [r.sink_type, r.target, r.success])).toEqual([
      ["command", hook, true],
      ["file", file, true],
    ]);
    expect(readNdjson(file)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, "stdin.txt"), "utf8"))).toEqual(readNdjson(file)[0]);
  });

  test("a missing program or a non-zero exit is a failed delivery with the reason; the job stays exited", async () => {
    const missing = "/no/such/binary/agent_exec_test";
    const a = ok(fx.x(["run", "--notify-command", missing, "--", "echo", "failure_test"]), "run");
    const b = ok(fx.x(["run", "--notify-command", "echo boom-3811 >&2; exit 4", "--", "true"]), "run");
    expect([a.state, b.state]).toEqual(["exited", "exited"]);

    const ea = await delivered(a.job_id);
    expect(ea.state).toBe("exited");
    expect(ea.delivery_results).toHaveLength(1);
    expect(ea.delivery_results[0]).toMatchObject({ sink_type: "command", target: missing, success: false });
    expect(ea.delivery_results[0].error).toContain("exited with code 127");
    expect(ea.delivery_results[0].error).toContain(missing);

    const eb = await delivered(b.job_id);
    expect(eb.delivery_results[0]).toMatchObject({ sink_type: "command", success: false });
    expect(eb.delivery_results[0].error).toMatch(/exited with code 4.*boom-3811/s);

    for (const id of [a.job_id, b.job_id]) {
      const status = await fx.finishedSupervisor(id);
      expect(status.state).toBe("exited");
      expect(status.exit_code).toBe(0);
    }
  });

  test("wait answers with the terminal state while a sink still runs; the event is on disk before the sink", async () => {
    const out = fx.scratch();
    const hook = `echo started >> '${out}/starts'; sleep 3818`;
    const id = start(["--notify-command", hook, "--", "true"]);
    // Well below the sink's 30 s default timeout.
    const waited = ok(fx.x(["wait", id, "--until", "20"]), "wait");
    expect(waited.state).toBe("exited");
    await eventually(() => sleepsAlive(3818).length > 0, LIMIT);
    // Written before any sink ran, results still to come.
    expect(readJsonIfThere(completionPath(id))).toMatchObject({ event_type: "job.finished", state: "exited", delivery_results: [] });
    expect(ok(fx.x(["status", id]), "status").state).toBe("exited");
    await release(3818);
    const event = await delivered(id);
    expect(event.delivery_results[0]).toMatchObject({ sink_type: "command", target: hook, success: false });
    expect(event.delivery_results[0].error).toMatch(/SIGKILL|code 137/);
    expect((await fx.finishedSupervisor(id)).state).toBe("exited");
    expect(readFileSync(join(out, "starts"), "utf8")).toBe("started\n"); // delivered once, after the terminal state
  });

  test("a sink that outlives AGENT_EXEC_NOTIFY_TIMEOUT is recorded as timed out and its whole tree is ended", async () => {
    const out = fx.scratch();
    const hook = `touch '${out}/started'; sleep 3811 & sleep 3812`;
    const env = { AGENT_EXEC_NOTIFY_TIMEOUT: "1" };
    const id = start(["--notify-command", hook, "--", "true"], env);
    expect(ok(fx.x(["wait", id], { env }), "wait").state).toBe("exited");
    const event = await delivered(id);
    expect(event.delivery_results).toHaveLength(1);
    expect(event.delivery_results[0]).toMatchObject({ sink_type: "command", target: hook, success: false });
    expect(event.delivery_results[0].error).toContain("timed out");
    expect(existsSync(join(out, "started"))).toBe(true);
    // Both the sink's own process and the one it put in the background are gone.
    await eventually(() => sleepsAlive(3811, 3812).length === 0, LIMIT);
    const status = await fx.finishedSupervisor(id);
    expect(status.state).toBe("exited");
    expect(status.exit_code).toBe(0);
  });
});

describe("job.finished for killed, timed-out and failed jobs", () => {
  test("kill: state killed with the signal", async () => {
    const file = join(fx.scratch(), "events.ndjson");
    const id = start(["--notify-file", file, "--", "sleep", "3813"]);
    await eventually(() => sleepsAlive(3813).length > 0, LIMIT);
    expect(ok(fx.x(["kill", id]), "kill").state).toBe("killed");
    const [line] = await ndjsonRecords(file, 1);
    expect(line).toMatchObject({ event_type: "job.finished", job_id: id, state: "killed", signal: "SIGTERM" });
    expect(line).not.toHaveProperty("exit_code");
    expect(line).not.toHaveProperty("reason");
  });

  test("--timeout: state killed, reason timeout", async () => {
    const file = join(fx.scratch(), "events.ndjson");
    const run = ok(fx.x(["run", "--timeout", "1", "--notify-file", file, "--", "sleep", "3814"]), "run");
    expect(run.state).toBe("killed");
    const [line] = await ndjsonRecords(file, 1);
    expect(line).toMatchObject({ event_type: "job.finished", job_id: run.job_id, state: "killed", reason: "timeout" });
    expect(typeof line.signal).toBe("string");
    expect((await delivered(run.job_id)).reason).toBe("timeout");
  });

  test("a wrapper that cannot start: state failed with the reason; the command sink (same wrapper) fails too", async () => {
    const out = fx.scratch();
    const file = join(out, "events.ndjson");
    const run = ok(
      fx.x(["run", "--shell-wrapper", "/no/such/sh -c", "--notify-command", `touch '${out}/ran'`, "--notify-file", file, "--", "echo", "hi"]),
      "run",
    );
    expect(run.state).toBe("failed");
    const event = await delivered(run.job_id);
    expect(event).toMatchObject({ event_type: "job.finished", job_id: run.job_id, state: "failed" });
    expect(event.reason).toContain("/no/such/sh");
    expect(event.started_at).toMatch(ISO);
    expect(event.finished_at).toMatch(ISO);
    expect(event).not.toHaveProperty("exit_code");
    expect(event.delivery_results.map((r: any) => [r.sink_type, r.success])).toEqual([
      ["command", false],
      ["file", true],
    ]);
    expect(event.delivery_results[0].error).toContain("/no/such/sh");
    expect(existsSync(join(out, "ran"))).toBe(false);
    const { delivery_results: _, ...rest } = event;
    expect(readNdjson(file)).toEqual([rest]);
  });
});

describe("notify set", () => {
  test("replaces the command and keeps notify_file; the response and meta.json agree", async () => {
    const file = join(fx.scratch(), "events.ndjson");
    const id = ok(fx.x(["run", "--notify-file", file, "--notify-command", "true", "--", "echo", "hello"]), "run").job_id;
    const set = ok(fx.x(["notify", "set", id, "--command", "cat >/dev/null"]), "notify.set");
    expect(set.job_id).toBe(id);
    expect(set.notification).toEqual({ notify_command: "cat >/dev/null", notify_file: file });
    expect(fx.readMeta(id).notification).toEqual(set.notification);
    // Other metadata is untouched.
    expect(fx.readMeta(id).command).toEqual(["echo", "hello"]);
  });

  test("--command '' removes the command; with nothing left the block is gone", async () => {
    const file = join(fx.scratch(), "events.ndjson");
    const a = ok(fx.x(["run", "--notify-file", file, "--notify-command", "true", "--", "true"]), "run").job_id;
    expect(ok(fx.x(["notify", "set", a, "--command", ""]), "notify.set").notification).toEqual({ notify_file: file });
    expect(fx.readMeta(a).notification).toEqual({ notify_file: file });

    const b = ok(fx.x(["run", "--notify-command", "true", "--", "true"]), "run").job_id;
    expect(ok(fx.x(["notify", "set", b, "--command", ""]), "notify.set").notification).toEqual({});
    expect(fx.readMeta(b)).not.toHaveProperty("notification");
  });

  test("on a finished job it succeeds and runs nothing", async () => {
    const out = fx.scratch();
    const id = ok(fx.x(["run", "--", "echo", "done"]), "run").job_id;
    await fx.finishedSupervisor(id);
    const set = ok(
      fx.x([
        "notify", "set", id,
        "--command", `touch '${out}/completion-ran'`,
        "--output-pattern", "done",
        "--output-command", `touch '${out}/match-ran'`,
        "--output-file", join(out, "matches.ndjson"),
      ]),
      "notify.set",
    );
    expect(set.notification.on_output_match).toMatchObject({ pattern: "done", match_type: "contains", stream: "either" });
    await sleep(500); // anything it had started would have had time to act
    for (const name of ["completion-ran", "match-ran", "matches.ndjson"]) expect(existsSync(join(out, name)), name).toBe(false);
    expect(existsSync(completionPath(id))).toBe(false);
    expect(existsSync(matchRecordsPath(id))).toBe(false);
    expect(ok(fx.x(["status", id]), "status").state).toBe("exited");
  });

  test("a missing job is job_not_found; bad choices are usage errors", () => {
    failed(fx.x(["notify", "set", UNKNOWN_ID, "--command", "echo hi"]), "job_not_found");
    failed(fx.x(["notify", "set", UNKNOWN_ID, "--output-pattern", "ERROR", "--output-command", "cat >/dev/null"]), "job_not_found");
    const id = ok(fx.x(["run", "--", "true"]), "run").job_id;
    usageError(fx.x(["notify", "set", id, "--output-pattern", "x", "--output-stream", "stdin"]));
    usageError(fx.x(["notify", "set", id, "--output-pattern", "x", "--output-match-type", "glob"]));
    usageError(fx.x(["run", "--output-pattern", "x", "--output-stream", "both", "--", "true"]));
    usageError(fx.x(["create", "--output-pattern", "x", "--output-match-type", "exact", "--", "true"]));
    usageError(fx.x(["notify", "set"]));
    expect(fx.readMeta(id)).not.toHaveProperty("notification");
  });

  test("a command set while the job runs is the one used when it ends", async () => {
    const out = fx.scratch();
    const id = start(["--notify-command", `touch '${out}/old-ran'`, "--", "sh", "-c", "sleep 3815; echo finishing"]);
    const hook = `cat > '${out}/captured.json'`;
    ok(fx.x(["notify", "set", id, "--command", hook]), "notify.set");
    await release(3815);
    const event = await delivered(id);
    expect(event.delivery_results.map((r: any) => [r.target, r.success])).toEqual([[hook, true]]);
    expect(JSON.parse(readFileSync(join(out, "captured.json"), "utf8"))).toMatchObject({ event_type: "job.finished", job_id: id, state: "exited" });
    expect(existsSync(join(out, "old-ran"))).toBe(false);
  });

  test("output-match settings: defaults, partial updates keep the rest, relative files resolved against the caller", () => {
    const id = ok(fx.x(["run", "--", "echo", "hello"]), "run").job_id;
    const first = ok(fx.x(["notify", "set", id, "--output-pattern", "ERROR", "--output-command", "cat >/dev/null"]), "notify.set");
    expect(first.notification).toEqual({ on_output_match: { pattern: "ERROR", match_type: "contains", stream: "either", command: "cat >/dev/null" } });

    const elsewhere = fx.scratch();
    const second = ok(fx.x(["notify", "set", id, "--output-stream", "stderr", "--output-file", "rel/m.ndjson", "--command", "true"], { cwd: elsewhere }), "notify.set");
    expect(second.notification).toEqual({
      notify_command: "true",
      on_output_match: { pattern: "ERROR", match_type: "contains", stream: "stderr", command: "cat >/dev/null", file: join(elsewhere, "rel", "m.ndjson") },
    });

    const third = ok(fx.x(["notify", "set", id, "--output-pattern", "ERR.*", "--output-match-type", "regex", "--output-command", ""]), "notify.set");
    expect(third.notification.on_output_match).toEqual({ pattern: "ERR.*", match_type: "regex", stream: "stderr", file: join(elsewhere, "rel", "m.ndjson") });
    expect(fx.readMeta(id).notification).toEqual(third.notification);
  });

  test("--output-pattern '' removes the whole output-match block and keeps the completion sinks", () => {
    const file = join(fx.scratch(), "events.ndjson");
    const id = ok(fx.x(["run", "--notify-file", file, "--output-pattern", "X", "--output-command", "true", "--", "true"]), "run").job_id;
    expect(fx.readMeta(id).notification.on_output_match).toMatchObject({ pattern: "X", command: "true" });
    expect(ok(fx.x(["notify", "set", id, "--output-pattern", ""]), "notify.set").notification).toEqual({ notify_file: file });
    expect(fx.readMeta(id).notification).toEqual({ notify_file: file });
  });

  test("output options without any pattern are invalid_argument, at set, run and create time", () => {
    const id = ok(fx.x(["run", "--", "true"]), "run").job_id;
    for (const extra of [["--output-command", "true"], ["--output-file", "x.ndjson"], ["--output-stream", "stdout"], ["--output-match-type", "regex"]]) {
      failed(fx.x(["notify", "set", id, ...extra]), "invalid_argument");
    }
    expect(fx.readMeta(id)).not.toHaveProperty("notification");
    failed(fx.x(["run", "--output-command", "true", "--", "true"]), "invalid_argument");
    failed(fx.x(["create", "--output-file", "x.ndjson", "--", "true"]), "invalid_argument");
    expect(ok(fx.x(["list"]), "list").jobs).toHaveLength(1);
  });

  test("an invalid regex is refused when it is set, at set, run and create time", () => {
    const id = ok(fx.x(["run", "--output-pattern", "(unclosed", "--output-command", "true", "--", "true"]), "run").job_id;
    const before = fx.readMeta(id).notification;
    expect(before.on_output_match).toMatchObject({ pattern: "(unclosed", match_type: "contains" });
    // Switching the stored pattern to regex, or giving a new bad one, leaves meta.json as it was.
    failed(fx.x(["notify", "set", id, "--output-match-type", "regex"]), "invalid_argument");
    const error = failed(fx.x(["notify", "set", id, "--output-pattern", "a[", "--output-match-type", "regex"]), "invalid_argument");
    expect(error.message).toContain("a[");
    expect(fx.readMeta(id).notification).toEqual(before);

    failed(fx.x(["run", "--output-pattern", "(", "--output-match-type", "regex", "--", "true"]), "invalid_argument");
    failed(fx.x(["create", "--output-pattern", "*x", "--output-match-type", "regex", "--", "true"]), "invalid_argument");
    expect(ok(fx.x(["list"]), "list").jobs).toHaveLength(1);
  });
});

describe("job.output.matched", () => {
  test("contains + command sink: every matching line of either stream fires, with the event and env vars", async () => {
    const out = fx.scratch();
    const hook = `cat >> '${out}/events.ndjson'; printf '%s %s %s\\n' "$AGENT_EXEC_EVENT_TYPE" "$AGENT_EXEC_JOB_ID" "$AGENT_EXEC_EVENT_PATH" >> '${out}/env.txt'`;
    const script = "echo MATCH_ONE; echo other; echo MATCH_TWO >&2; echo 'x MATCH_THREE y'; echo MATCH_ONE";
    const id = ok(fx.x(["run", "--output-pattern", "MATCH_", "--output-command", hook, "--", "sh", "-c", script]), "run").job_id;
    await fx.finishedSupervisor(id);

    const events = readNdjson(join(out, "events.ndjson"));
    expect(events.map((e) => e.line).sort()).toEqual(["MATCH_ONE", "MATCH_ONE", "MATCH_TWO", "x MATCH_THREE y"]);
    const stdoutLines = events.filter((e) => e.stream === "stdout").map((e) => e.line);
    expect(stdoutLines).toEqual(["MATCH_ONE", "x MATCH_THREE y", "MATCH_ONE"]); // in line order
    expect(events.find((e) => e.line === "MATCH_TWO").stream).toBe("stderr");
    for (const event of events) {
      expect(event).toEqual({
        schema_version: "0.1",
        event_type: "job.output.matched",
        job_id: id,
        pattern: "MATCH_",
        match_type: "contains",
        stream: event.stream,
        line: event.line,
        stdout_log_path: join(fx.jobDir(id), "stdout.log"),
        stderr_log_path: join(fx.jobDir(id), "stderr.log"),
      });
    }
    const env = readFileSync(join(out, "env.txt"), "utf8").trim().split("\n");
    expect(env).toEqual(Array(4).fill(`job.output.matched ${id} ${matchRecordsPath(id)}`));
    // Matches are never completion events.
    expect(existsSync(completionPath(id))).toBe(false);
  });

  test("notification_events.ndjson records each match with its delivery results, command then file", async () => {
    const out = fx.scratch();
    const file = join(out, "matches.ndjson");
    const hook = `cat > /dev/null`;
    const id = ok(fx.x(["run", "--output-pattern", "RECORD_ME", "--output-command", hook, "--output-file", file, "--", "sh", "-c", "echo RECORD_ME 1; echo skip; echo RECORD_ME 2"]), "run").job_id;
    await fx.finishedSupervisor(id);
    const records = readNdjson(matchRecordsPath(id));
    expect(records.map((r) => r.line)).toEqual(["RECORD_ME 1", "RECORD_ME 2"]);
    for (const record of records) {
      expect(record).toMatchObject({ event_type: "job.output.matched", job_id: id, pattern: "RECORD_ME", stream: "stdout" });
      expect(record.delivery_results).toEqual([
        { sink_type: "command", target: hook, success: true, attempted_at: expect.stringMatching(ISO) },
        { sink_type: "file", target: file, success: true, attempted_at: expect.stringMatching(ISO) },
      ]);
    }
    // The file sink gets the events without the results.
    expect(readNdjson(file)).toEqual(records.map(({ delivery_results: _, ...event }) => event));
  });

  test("regex: only lines the expression matches", async () => {
    const file = join(fx.scratch(), "regex.ndjson");
    const id = ok(
      fx.x(["run", "--output-pattern", "^ERR[0-9]+$", "--output-match-type", "regex", "--output-file", file, "--", "sh", "-c", "echo ERR123; echo INFO456; echo xERR9; echo ERR12a; echo ERR7"]),
      "run",
    ).job_id;
    await fx.finishedSupervisor(id);
    const events = readNdjson(file);
    expect(events.map((e) => e.line)).toEqual(["ERR123", "ERR7"]);
    expect(events[0]).toMatchObject({ pattern: "^ERR[0-9]+$", match_type: "regex" });
  });

  test("--output-stream stderr / stdout only looks at that stream", async () => {
    const dir = fx.scratch();
    const script = "echo MATCH_OUT; echo MATCH_ERR >&2";
    const errId = ok(fx.x(["run", "--output-pattern", "MATCH", "--output-stream", "stderr", "--output-file", join(dir, "err.ndjson"), "--", "sh", "-c", script]), "run").job_id;
    const outId = ok(fx.x(["run", "--output-pattern", "MATCH", "--output-stream", "stdout", "--output-file", join(dir, "out.ndjson"), "--", "sh", "-c", script]), "run").job_id;
    await fx.finishedSupervisor(errId);
    await fx.finishedSupervisor(outId);
    expect(readNdjson(join(dir, "err.ndjson")).map((e) => [e.stream, e.line])).toEqual([["stderr", "MATCH_ERR"]]);
    expect(readNdjson(join(dir, "out.ndjson")).map((e) => [e.stream, e.line])).toEqual([["stdout", "MATCH_OUT"]]);
  });

  test("a pattern set while the job runs applies to later lines only; earlier output is not replayed", async () => {
    const file = join(fx.scratch(), "matches.ndjson");
    const id = start(["--", "sh", "-c", "echo MATCH_EARLY; sleep 3816; echo MATCH_LATE; echo MATCH_LAST"]);
    // The matcher sees a chunk right after it is logged: once it is in stdout.log, it was seen.
    await eventually(() => existsSync(join(fx.jobDir(id), "stdout.log")) && readFileSync(join(fx.jobDir(id), "stdout.log"), "utf8").includes("MATCH_EARLY"), LIMIT);
    ok(fx.x(["notify", "set", id, "--output-pattern", "MATCH_", "--output-file", file]), "notify.set");
    await release(3816);
    await fx.finishedSupervisor(id);
    expect(readNdjson(file).map((e) => e.line)).toEqual(["MATCH_LATE", "MATCH_LAST"]);
    expect(readNdjson(matchRecordsPath(id)).map((e) => e.line)).toEqual(["MATCH_LATE", "MATCH_LAST"]);
  });

  test("a pattern changed or removed while the job runs takes effect from the next line", async () => {
    const file = join(fx.scratch(), "matches.ndjson");
    const id = start(["--output-pattern", "FIRST", "--output-file", file, "--", "sh", "-c", "echo FIRST 1; sleep 3819; echo FIRST 2; echo SECOND 2; sleep 3820; echo FIRST 3; echo SECOND 3"]);
    await ndjsonRecords(file, 1);
    ok(fx.x(["notify", "set", id, "--output-pattern", "SECOND"]), "notify.set");
    await release(3819);
    await ndjsonRecords(file, 2);
    ok(fx.x(["notify", "set", id, "--output-pattern", ""]), "notify.set");
    await release(3820);
    await fx.finishedSupervisor(id);
    expect(readNdjson(file).map((e) => [e.pattern, e.line])).toEqual([
      ["FIRST", "FIRST 1"],
      ["SECOND", "SECOND 2"],
    ]);
  });

  test("a failing output sink is recorded and does not change the job's state", async () => {
    const run = ok(fx.x(["run", "--output-pattern", "TRIGGER", "--output-command", "exit 1", "--", "sh", "-c", "echo TRIGGER; exit 0"]), "run");
    expect(run.state).toBe("exited");
    const status = await fx.finishedSupervisor(run.job_id);
    expect(status.state).toBe("exited");
    expect(status.exit_code).toBe(0);
    const records = readNdjson(matchRecordsPath(run.job_id));
    expect(records).toHaveLength(1);
    expect(records[0].delivery_results).toEqual([
      { sink_type: "command", target: "exit 1", success: false, error: "exited with code 1", attempted_at: expect.stringMatching(ISO) },
    ]);
  });

  test("a last line without a newline still matches", async () => {
    const file = join(fx.scratch(), "matches.ndjson");
    const id = ok(fx.x(["run", "--output-pattern", "TAIL", "--output-file", file, "--", "sh", "-c", "printf 'no TAIL here\\r\\nTAIL end'"]), "run").job_id;
    await fx.finishedSupervisor(id);
    expect(readNdjson(file).map((e) => e.line)).toEqual(["no TAIL here", "TAIL end"]);
  });

  test("matches come before job.finished, which is the last event of the run", async () => {
    const out = fx.scratch();
    const hook = `cat >> '${out}/all.ndjson'`;
    const id = ok(fx.x(["run", "--notify-command", hook, "--output-pattern", "M", "--output-command", hook, "--", "sh", "-c", "echo M1; echo M2"]), "run").job_id;
    await fx.finishedSupervisor(id);
    expect(readNdjson(join(out, "all.ndjson")).map((e) => e.event_type)).toEqual(["job.output.matched", "job.output.matched", "job.finished"]);
  });
});

describe("hostile output patterns", () => {
  // `^(a+)+$` backtracks 2^40 times on 40 a's and a '!' in a backtracking engine: the supervisor,
  // on its only thread, would never get to its timeout, its reaping or its state writes.
  const CATASTROPHIC = ["--output-pattern", "^(a+)+$", "--output-match-type", "regex"];
  const script = (n: number) => `echo aaaa; echo ${"a".repeat(40)}!; sleep ${n}`;

  test("a catastrophic regex does not stall the supervisor: --timeout still ends the job, and the match still works", async () => {
    const file = join(fx.scratch(), "matches.ndjson");
    const id = start(["--timeout", "2", ...CATASTROPHIC, "--output-file", file, "--", "sh", "-c", script(3823)]);
    const status = await fx.finishedSupervisor(id);
    expect(status).toMatchObject({ state: "killed", reason: "timeout" });
    expect(sleepsAlive(3823)).toEqual([]);
    expect(readNdjson(file).map((e) => e.line)).toEqual(["aaaa"]);
  });

  test("a catastrophic regex does not stall the supervisor: kill ends the job once the line was seen", async () => {
    const id = start([...CATASTROPHIC, "--", "sh", "-c", script(3824)]);
    await eventually(() => sleepsAlive(3824).length > 0, LIMIT); // the hostile line is printed before it
    await eventually(() => readFileSync(join(fx.jobDir(id), "stdout.log"), "utf8").includes("!"), LIMIT);
    ok(fx.x(["kill", id]), "kill");
    expect((await fx.finishedSupervisor(id)).state).toBe("killed");
    expect(sleepsAlive(3824)).toEqual([]);
  });

  test("the regex engine is loaded only when a regex pattern is used", () => {
    const config = resolve(dirname(CLI), "notify/config.js");
    const probe = (matchType: string) =>
      spawnSync(process.execPath, [
        "--input-type=module",
        "-e",
        `const { lineMatcher } = await import(${JSON.stringify(pathToFileURL(config).href)});
         lineMatcher({ pattern: "x", match_type: ${JSON.stringify(matchType)}, stream: "either" })("x");
         const { createRequire } = await import("node:module");
         console.log(Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes("/node_modules/re2js/")));`,
      ], { encoding: "utf8" }).stdout.trim();
    expect(probe("contains")).toBe("false");
    expect(probe("regex")).toBe("true");
  });

  test("a pattern the linear-time engine cannot take is refused at set time with the engine's reason", () => {
    const backreference = failed(fx.x(["run", "--output-pattern", "(a)\\1", "--output-match-type", "regex", "--", "true"]), "invalid_argument");
    expect(backreference.message).toMatch(/RE2 syntax.*invalid escape sequence/);
    const id = ok(fx.x(["create", "--", "true"]), "create").job_id;
    const lookahead = failed(fx.x(["notify", "set", id, "--output-pattern", "x(?=y)", "--output-match-type", "regex"]), "invalid_argument");
    expect(lookahead.message).toContain("(?=");
    expect(fx.readMeta(id)).not.toHaveProperty("notification");
  });
});

describe("create, start and restart", () => {
  test("create stores the same notification block as run", () => {
    const dir = fx.scratch();
    const flags = [
      "--notify-command", "cat >/dev/null",
      "--notify-file", join(dir, "done.ndjson"),
      "--output-pattern", "ERR.+",
      "--output-match-type", "regex",
      "--output-stream", "stdout",
      "--output-command", "cat >/dev/null",
      "--output-file", "rel/matches.ndjson",
    ];
    const created = ok(fx.x(["create", ...flags, "--", "true"]), "create").job_id;
    const ran = ok(fx.x(["run", ...flags, "--", "true"]), "run").job_id;
    const expected = {
      notify_command: "cat >/dev/null",
      notify_file: join(dir, "done.ndjson"),
      on_output_match: { pattern: "ERR.+", match_type: "regex", stream: "stdout", command: "cat >/dev/null", file: join(fx.work, "rel", "matches.ndjson") },
    };
    expect(fx.readMeta(created).notification).toEqual(expected);
    expect(fx.readMeta(ran).notification).toEqual(expected);
  });

  test("create delivers nothing; start then delivers both the matches and job.finished", async () => {
    const out = fx.scratch();
    const done = join(out, "done.ndjson");
    const matches = join(out, "matches.ndjson");
    const hook = `cat > '${out}/finished.json'`;
    const id = ok(
      fx.x(["create", "--notify-command", hook, "--notify-file", done, "--output-pattern", "MATCH_ME", "--output-file", matches, "--", "sh", "-c", "echo MATCH_ME; echo other"]),
      "create",
    ).job_id;
    await sleep(300);
    for (const name of ["done.ndjson", "matches.ndjson", "finished.json"]) expect(existsSync(join(out, name)), name).toBe(false);
    expect(existsSync(completionPath(id))).toBe(false);

    expect(ok(fx.x(["start", id]), "start").state).toBe("exited");
    await fx.finishedSupervisor(id);
    expect(readNdjson(matches).map((e) => [e.event_type, e.line])).toEqual([["job.output.matched", "MATCH_ME"]]);
    expect(readNdjson(done).map((e) => [e.event_type, e.job_id, e.state])).toEqual([["job.finished", id, "exited"]]);
    expect(JSON.parse(readFileSync(join(out, "finished.json"), "utf8"))).toEqual(readNdjson(done)[0]);
    expect((await delivered(id)).delivery_results.map((r: any) => r.sink_type)).toEqual(["command", "file"]);
  });

  test("restart removes the previous run's event files; the new run writes fresh ones", async () => {
    const out = fx.scratch();
    const done = join(out, "done.ndjson");
    const matches = join(out, "matches.ndjson");
    const gate = join(out, "gate");
    const script = `echo MATCHED; if [ -e '${gate}' ]; then sleep 3817; fi`;
    const id = ok(fx.x(["run", "--notify-file", done, "--output-pattern", "MATCHED", "--output-file", matches, "--", "sh", "-c", script]), "run").job_id;
    await fx.finishedSupervisor(id);
    const first = await delivered(id);
    expect(readNdjson(matchRecordsPath(id))).toHaveLength(1);

    mkdirSync(gate);
    expect(ok(fx.x(["restart", id, "--no-wait"]), "restart").job_id).toBe(id);
    await eventually(() => sleepsAlive(3817).length > 0, LIMIT);
    // The new run is under way: its match is recorded, the old run's records are gone.
    const records = await ndjsonRecords(matchRecordsPath(id), 1);
    expect(records).toHaveLength(1);
    expect(existsSync(completionPath(id))).toBe(false);

    await release(3817);
    const second = await delivered(id);
    await fx.finishedSupervisor(id);
    expect(second.started_at).toBe(fx.readState(id).job.started_at);
    expect(second.started_at).not.toBe(first.started_at);
    expect(readNdjson(matchRecordsPath(id))).toHaveLength(1);
    // Sinks outside the job directory keep every run's events.
    expect(readNdjson(done).map((e) => e.started_at)).toEqual([first.started_at, second.started_at]);
    expect(readNdjson(matches)).toHaveLength(2);
  });

  // BUG (see the report): restart does not wait for the previous run's supervisor, which may still
  // be delivering; when its sink ends it rewrites completion_event.json with the old run's event.
  test("restart while the previous run's sink still runs: that run's event does not come back", async () => {
    const gate = join(fx.scratch(), "gate");
    const id = start(["--notify-command", "sleep 3821", "--", "sh", "-c", `if [ -e '${gate}' ]; then sleep 3822; fi`]);
    await eventually(() => sleepsAlive(3821).length > 0, LIMIT); // the first run ended; its sink runs
    const oldSupervisor = fx.readState(id).supervisor_pid;
    mkdirSync(gate);
    ok(fx.x(["restart", id, "--no-wait"]), "restart");
    await eventually(() => sleepsAlive(3822).length > 0, LIMIT); // the new run is under way
    await release(3821); // the old run's sink ends
    await eventually(() => !isAlive(oldSupervisor), LIMIT);
    const stale = readJsonIfThere(completionPath(id));
    expect(stale?.started_at, "completion_event.json of the previous run reappeared during the new one").toBeUndefined();

    await release(3822);
    await release(3821); // the new run's sink
    const event = await delivered(id);
    expect(event.started_at).toBe(fx.readState(id).job.started_at);
  });
});
