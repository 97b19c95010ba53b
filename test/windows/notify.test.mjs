// Notifications on Windows: job.finished command and file sinks, output-match sinks, and the
// command-sink timeout. A command sink is a shell string run through the job's wrapper (`cmd /C`
// by default, spawned as `cmd /d /s /c "<string>"`), with the event JSON on stdin and
// AGENT_EXEC_EVENT_PATH / AGENT_EXEC_JOB_ID / AGENT_EXEC_EVENT_TYPE in its environment. A sink still
// running after AGENT_EXEC_NOTIFY_TIMEOUT seconds is ended with its process tree — and only that
// tree: the supervisor sits in the job's Job Object with the workload, so ending the whole job (as
// `kill` does) would end a workload that is still running. The sink's tree is found by a Toolhelp32
// walk from the sink's pid instead.
//
// What a pass under Wine shows: cmd.exe's redirections and %VAR% expansion of the sink's
// environment, stdin delivery through cmd.exe to `more` and to node.exe, the timeout ending cmd.exe
// and its node.exe descendants (a detached grandchild too) while the workload in the same Job
// Object runs on. What only real Windows shows: Toolhelp32 parent pids under a real scheduler (a
// reused parent pid), console/conhost behaviour of the sink, and antivirus holding the NDJSON files.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NODE,
  SKIP,
  assertTreeGone,
  cliOk,
  copyFixtures,
  eventually,
  isAlive,
  isTerminal,
  jobDir,
  makeSandbox,
  openJob,
  readState,
  recordedPids,
  runJob,
  startJob,
  waitForState,
} from "./helpers.mjs";

const q = (s) => `"${s}"`;
// AGENT_EXEC_NOTIFY_TIMEOUT for the hanging sinks. 2 s is too short under Wine with three test
// files at once: a node.exe sink may not have run its first line by then (seen in the full leg),
// and the test needs it to have started its tree (and recorded its pids) before it is ended.
const SINK_TIMEOUT_S = 6;

/** Copies heartbeat.mjs and sink.mjs into `dir`; returns the cmd string that runs the sink in `mode`. */
function sinkCommand(dir, mode) {
  copyFixtures(dir, "heartbeat.mjs", "sink.mjs");
  return `${q(NODE)} ${q(join(dir, "sink.mjs"))} ${q(dir)} ${mode}`;
}

/** Copies work.mjs into `dir`; returns the workload argv. */
function workload(dir, first, ...later) {
  copyFixtures(dir, "work.mjs");
  return [NODE, join(dir, "work.mjs"), dir, first, ...later];
}

const readLines = (path) =>
  readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
const readNdjson = (path) => readLines(path).map((line) => JSON.parse(line));

/** completion_event.json once the supervisor has recorded `count` delivery results in it. */
function completionEvent(root, id, count) {
  const path = join(jobDir(root, id), "completion_event.json");
  return eventually(`job ${id}: completion_event.json with ${count} delivery results`, () => {
    const event = JSON.parse(readFileSync(path, "utf8"));
    return event.delivery_results?.length === count ? event : undefined;
  });
}

/** notification_events.ndjson once it has `count` records. */
function matchRecords(root, id, count) {
  const path = join(jobDir(root, id), "notification_events.ndjson");
  return eventually(`job ${id}: ${count} records in notification_events.ndjson`, () => {
    const records = existsSync(path) ? readNdjson(path) : [];
    return records.length >= count ? records : undefined;
  });
}

/** Waits for `pid` (a supervisor) to exit, so nothing of the job is still running when a test ends. */
function exited(pid, what = `process ${pid}`) {
  return eventually(`${what} exits`, () => !isAlive(pid));
}

function withoutDeliveries(event) {
  const { delivery_results: _results, ...rest } = event;
  return rest;
}

/** The heartbeat in `file` advances (the process writing it is alive and running). */
async function stillBeating(dir, name) {
  const file = join(dir, `${name}.hb`);
  const before = Number(readFileSync(file, "utf8"));
  await eventually(`${name} keeps beating`, () => Number(readFileSync(file, "utf8")) > before + 2);
}

describe("notifications", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("notify");
  after(() => box?.cleanup());

  test("job.finished: a cmd.exe sink gets the event on stdin (more > file) and the event env vars (%VAR%); the file sink gets one NDJSON line", async () => {
    const dir = box.subdir("finished");
    const copy = join(dir, "stdin.txt");
    const env = join(dir, "env.txt");
    const ndjson = join(dir, "events", "finished.ndjson"); // its directory is created by the sink
    // One redirection per echo: Wine's cmd.exe ignores a redirection of a block, `(echo a& echo b)> f`.
    // A space before `>`: a job id ending in a digit would otherwise make `3> f` a handle redirection.
    const command =
      `more > ${q(copy)} & echo id=%AGENT_EXEC_JOB_ID% > ${q(env)} & ` +
      `echo type=%AGENT_EXEC_EVENT_TYPE% >> ${q(env)} & echo path=%AGENT_EXEC_EVENT_PATH% >> ${q(env)}`;
    const result = await runJob(box.root, ["cmd", "/c", "echo", "hi"], ["--notify-command", command, "--notify-file", ndjson]);
    const id = result.job_id;
    assert.equal(result.state, "exited", JSON.stringify(result));
    assert.equal(result.exit_code, 0);

    const event = await completionEvent(box.root, id, 2);
    const eventPath = join(jobDir(box.root, id), "completion_event.json");
    assert.deepEqual(
      event.delivery_results.map(({ sink_type, target, success, error }) => ({ sink_type, target, success, error })),
      [
        { sink_type: "command", target: command, success: true, error: undefined },
        { sink_type: "file", target: ndjson, success: true, error: undefined },
      ],
      JSON.stringify(event),
    );
    assert.equal(event.event_type, "job.finished");
    assert.equal(event.job_id, id);
    assert.equal(event.state, "exited");
    assert.equal(event.exit_code, 0);
    assert.deepEqual(event.command, ["cmd", "/c", "echo", "hi"]);

    // stdin through cmd.exe: what `more` wrote is the event (it may end lines with CRLF).
    const copied = readFileSync(copy, "utf8");
    assert.deepEqual(JSON.parse(copied.trim()), withoutDeliveries(event), `stdin copy: ${JSON.stringify(copied)}`);

    // The environment: cmd.exe expanded the three variables.
    const vars = Object.fromEntries(readLines(env).map((line) => line.trim().split(/=(.*)/s).slice(0, 2)));
    assert.deepEqual(vars, { id, type: "job.finished", path: eventPath }, readFileSync(env, "utf8"));

    const lines = readLines(ndjson);
    assert.equal(lines.length, 1, `one NDJSON line: ${JSON.stringify(lines)}`);
    assert.deepEqual(JSON.parse(lines[0]), withoutDeliveries(event));
    assert.match(readFileSync(join(jobDir(box.root, id), "stdout.log"), "utf8"), /^hi\r?\n?$/);
    await exited(readState(box.root, id).supervisor_pid, "the supervisor");
  });

  test("job.finished: a sink that hangs is ended with its tree after AGENT_EXEC_NOTIFY_TIMEOUT and recorded as timed out; the file sink still runs", async () => {
    const dir = box.subdir("finished-hang");
    const ndjson = join(dir, "finished.ndjson");
    const command = sinkCommand(dir, "hang");
    const env = { ...process.env, AGENT_EXEC_NOTIFY_TIMEOUT: String(SINK_TIMEOUT_S) };
    const result = await runJob(box.root, ["cmd", "/c", "echo", "done"], ["--notify-command", command, "--notify-file", ndjson], { env });
    const id = result.job_id;
    assert.equal(result.state, "exited", JSON.stringify(result));

    const event = await completionEvent(box.root, id, 2);
    const [commandSink, fileSink] = event.delivery_results;
    assert.equal(commandSink.sink_type, "command");
    assert.equal(commandSink.success, false, JSON.stringify(event.delivery_results));
    assert.match(commandSink.error, /timed out/);
    assert.equal(fileSink.sink_type, "file");
    assert.equal(fileSink.success, true, JSON.stringify(event.delivery_results));
    assert.equal(readLines(ndjson).length, 1);

    // The sink had started its tree (cmd.exe -> node.exe -> detached node.exe), and none of it is left.
    const pids = recordedPids(dir);
    for (const name of ["sink.pid", "sink-shell.pid", "sink-gc.spawned"]) {
      assert.ok(pids[name], `the hanging sink recorded ${name} within the ${SINK_TIMEOUT_S} s timeout (a slow machine?): ${JSON.stringify(pids)}`);
    }
    await assertTreeGone(dir);

    // A notification never changes the job's outcome.
    const final = readState(box.root, id);
    assert.equal(final.job.status, "exited");
    assert.equal(final.result.exit_code, 0);
    await exited(final.supervisor_pid, "the supervisor");
  });

  test("output match: a sink that hangs while the job runs is ended alone; the workload in the same Job Object runs on and exits 0", async () => {
    const dir = box.subdir("match-hang");
    const sinkDir = box.subdir("match-hang-sink");
    const out = join(dir, "matches.ndjson");
    const env = { ...process.env, AGENT_EXEC_NOTIFY_TIMEOUT: String(SINK_TIMEOUT_S) };
    const started = await startJob(
      box.root,
      workload(dir, "MATCH hang first", "plain line after the sink was ended", "MATCH second"),
      ["--output-pattern", "MATCH", "--output-command", sinkCommand(sinkDir, "hang-if-hang"), "--output-file", out],
      { env },
    );
    const id = started.job_id;
    const running = readState(box.root, id);
    const supervisorPid = running.supervisor_pid;
    const eventsPath = join(jobDir(box.root, id), "notification_events.ndjson");

    // The first match's sink hangs and is ended by the timeout ...
    const [first] = await matchRecords(box.root, id, 1);
    assert.equal(first.event_type, "job.output.matched");
    assert.equal(first.line, "MATCH hang first");
    assert.equal(first.stream, "stdout");
    assert.equal(first.delivery_results[0].sink_type, "command");
    assert.equal(first.delivery_results[0].success, false, JSON.stringify(first));
    assert.match(first.delivery_results[0].error, /timed out/);
    assert.equal(first.delivery_results[1].sink_type, "file");
    assert.equal(first.delivery_results[1].success, true, JSON.stringify(first));
    const sinkPids = recordedPids(sinkDir);
    for (const name of ["sink.pid", "sink-shell.pid", "sink-gc.spawned"]) {
      assert.ok(sinkPids[name], `the hanging sink recorded ${name} within the ${SINK_TIMEOUT_S} s timeout (a slow machine?): ${JSON.stringify(sinkPids)}`);
    }
    await assertTreeGone(sinkDir);

    // ... and the workload, in the same Job Object as the sink, was not: it runs, still in the job.
    const workPid = Number(readFileSync(join(dir, "work.pid"), "utf8"));
    assert.equal(workPid, running.pid);
    assert.ok(isAlive(workPid), "the workload survived the sink's timeout (ending the whole Job Object would have ended it)");
    await stillBeating(dir, "work");
    assert.equal(readState(box.root, id).job.status, "running");
    const job = await openJob(running.windows_job_name);
    assert.ok(job, `${running.windows_job_name} still exists`);
    try {
      const members = job.pids();
      assert.ok(members.includes(workPid), `the workload is still in the job: ${JSON.stringify(members)}`);
      assert.ok(members.includes(supervisorPid), `the supervisor is still in the job: ${JSON.stringify(members)}`);
      for (const pid of Object.values(sinkPids)) assert.ok(!members.includes(pid), `sink process ${pid} left the job`);
    } finally {
      job.close();
    }

    // Let it finish: it prints its later lines and ends by itself.
    writeFileSync(join(dir, "go"), "");
    const final = await waitForState(box.root, id, isTerminal, "terminal");
    assert.equal(final.job.status, "exited", JSON.stringify(final));
    assert.equal(final.result.exit_code, 0, `the workload exited 0, not 1 (TerminateProcess): ${JSON.stringify(final)}`);
    assert.equal(final.result.signal, null);
    const stdout = readFileSync(join(jobDir(box.root, id), "stdout.log"), "utf8");
    assert.match(stdout, /plain line after the sink was ended/);
    assert.match(stdout, /MATCH second/);

    // The second match was delivered to both sinks; the event file and the env came with it.
    const records = await matchRecords(box.root, id, 2);
    assert.equal(records.length, 2, JSON.stringify(records));
    assert.equal(records[1].line, "MATCH second");
    assert.deepEqual(
      records[1].delivery_results.map((r) => [r.sink_type, r.success, r.error]),
      [
        ["command", true, undefined],
        ["file", true, undefined],
      ],
      JSON.stringify(records[1]),
    );
    const delivered = readNdjson(join(sinkDir, "delivered.ndjson"));
    assert.equal(delivered.length, 1, JSON.stringify(delivered));
    assert.deepEqual(delivered[0].event, withoutDeliveries(records[1]));
    assert.ok(delivered[0].raw.endsWith("}\n"), "the event on stdin is one NDJSON line");
    assert.deepEqual(delivered[0].env, { AGENT_EXEC_EVENT_PATH: eventsPath, AGENT_EXEC_JOB_ID: id, AGENT_EXEC_EVENT_TYPE: "job.output.matched" });
    assert.deepEqual(
      readNdjson(out).map((event) => event.line),
      ["MATCH hang first", "MATCH second"],
    );
    await exited(supervisorPid, "the supervisor");
  });

  test("notify set on a running job: the supervisor picks up the new output pattern (meta.json replaced under it) from the next line on", async () => {
    const dir = box.subdir("match-set");
    const out = join(dir, "matches.ndjson");
    const started = await startJob(box.root, workload(dir, "early MATCH before the pattern was set", "late MATCH after it was set", "late line without it"));
    const id = started.job_id;
    const stdoutPath = join(jobDir(box.root, id), "stdout.log");
    await eventually("the first line is logged", () => readFileSync(stdoutPath, "utf8").includes("early MATCH"));

    const set = await cliOk(["notify", "set", "--root", box.root, id, "--output-pattern", "MATCH", "--output-file", out]);
    assert.equal(set.notification.on_output_match.pattern, "MATCH", JSON.stringify(set));
    writeFileSync(join(dir, "go"), "");
    const final = await waitForState(box.root, id, isTerminal, "terminal");
    assert.equal(final.job.status, "exited", JSON.stringify(final));
    assert.equal(final.result.exit_code, 0);
    await exited(final.supervisor_pid, "the supervisor");

    assert.deepEqual(
      readNdjson(out).map((event) => event.line),
      ["late MATCH after it was set"],
      "only the line printed after notify set matched",
    );
    const records = readNdjson(join(jobDir(box.root, id), "notification_events.ndjson"));
    assert.deepEqual(
      records.map((r) => [r.line, r.delivery_results.map((d) => [d.sink_type, d.success])]),
      [["late MATCH after it was set", [["file", true]]]],
    );
  });
});
