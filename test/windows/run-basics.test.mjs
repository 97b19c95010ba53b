// run / status / tail / wait / list on Windows: argv mode, cmd.exe shell-string mode, exit codes,
// CRLF output in the logs and in tail, and full.log lines without a trailing \r.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SKIP, cliOk, makeSandbox, runJob } from "./helpers.mjs";

describe("run and the readers", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("basics");
  after(() => box?.cleanup());
  const started = []; // ids of the jobs that ran, in the order they were started

  test("argv mode: cmd /C echo hello", async () => {
    const result = await runJob(box.root, ["cmd", "/C", "echo", "hello"]);
    assert.equal(result.state, "exited", JSON.stringify(result));
    started.push(result.job_id);
    assert.equal(result.exit_code, 0);
    assert.equal(result.stdout, "hello\r\n");
    assert.equal(result.stderr, "");
  });

  test('shell-string mode: "echo a & echo b" runs through cmd.exe', async () => {
    const result = await runJob(box.root, ["echo a & echo b"]);
    assert.equal(result.state, "exited", JSON.stringify(result));
    started.push(result.job_id);
    assert.equal(result.exit_code, 0);
    assert.equal(result.stdout, "a \r\nb\r\n", "cmd.exe ran both commands (echo keeps the space before &)");
  });

  test('shell-string mode: "exit /b 7" gives exit_code 7', async () => {
    const result = await runJob(box.root, ["exit /b 7"]);
    assert.equal(result.state, "exited", JSON.stringify(result));
    started.push(result.job_id);
    assert.equal(result.exit_code, 7);
  });

  test("status, tail --tail-lines 2, wait and full.log on CRLF output", async () => {
    const lines = ["l1", "l2", "l3", "l4", "l5"];
    const result = await runJob(box.root, [`${lines.map((l) => `echo ${l}`).join("& ")}& echo oops 1>&2`]);
    const id = result.job_id;
    const expected = lines.map((l) => `${l}\r\n`).join("");
    assert.equal(result.state, "exited", JSON.stringify(result));
    started.push(id);
    assert.equal(result.stdout, expected);
    assert.equal(result.stderr, "oops \r\n");

    const status = await cliOk(["status", "--root", box.root, id]);
    assert.equal(status.job_id, id);
    assert.equal(status.state, "exited");
    assert.equal(status.exit_code, 0);
    assert.ok(status.started_at && status.finished_at && status.created_at, JSON.stringify(status));
    assert.equal(typeof status.duration_ms, "number");

    const tail = await cliOk(["tail", "--root", box.root, "--tail-lines", "2", id]);
    assert.equal(tail.stdout, "l4\r\nl5\r\n", "exactly the last two CRLF lines");
    const raw = readFileSync(join(box.root, id, "stdout.log"));
    assert.equal(raw.toString("utf8"), expected, "stdout.log holds the raw CRLF bytes");
    assert.equal(tail.stdout_total_bytes, raw.length);
    assert.deepEqual(tail.stdout_range, [raw.length - Buffer.byteLength("l4\r\nl5\r\n"), raw.length]);
    assert.equal(raw.subarray(...tail.stdout_range).toString("utf8"), tail.stdout, "the range points at the returned bytes");
    assert.equal(tail.stderr, "oops \r\n");

    const waited = await cliOk(["wait", "--root", box.root, id]);
    assert.equal(waited.state, "exited");
    assert.equal(waited.exit_code, 0);
    assert.equal(waited.stdout_total_bytes, raw.length);

    const full = readFileSync(join(box.root, id, "full.log"), "utf8");
    assert.ok(!full.includes("\r"), `full.log has no \\r: ${JSON.stringify(full)}`);
    const entries = full.split("\n");
    assert.equal(entries.pop(), "", "full.log ends with a newline");
    const pattern = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(STDOUT|STDERR)\] (.*)$/;
    for (const entry of entries) {
      assert.match(entry, pattern);
      assert.ok(!Number.isNaN(Date.parse(pattern.exec(entry)[1])), `valid ISO time in ${entry}`);
    }
    const stdoutLines = entries.filter((e) => e.includes("[STDOUT]")).map((e) => pattern.exec(e)[3]);
    assert.deepEqual(stdoutLines, lines);
    assert.deepEqual(
      entries.filter((e) => e.includes("[STDERR]")).map((e) => pattern.exec(e)[3]),
      ["oops "],
    );
  });

  test("list --all shows the jobs newest first", async () => {
    // Only jobs that ran are compared: one that failed to start sorts last by design, and its own
    // test has failed already.
    assert.ok(started.length >= 2, `at least two of the earlier tests' jobs ran: ${JSON.stringify(started)}`);
    const listed = await cliOk(["list", "--all", "--root", box.root]);
    const ids = listed.jobs.map((job) => job.job_id).filter((id) => started.includes(id));
    assert.deepEqual(ids, [...started].reverse());
    for (const job of listed.jobs.filter((job) => started.includes(job.job_id))) {
      assert.equal(job.state, "exited", JSON.stringify(job));
      assert.ok([0, 7].includes(job.exit_code), JSON.stringify(job));
    }
  });
});

describe("command not found, before launch", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("not-found");
  after(() => box?.cleanup());

  test("argv mode: a program on neither PATH nor PATHEXT is failed, reason command not found", async () => {
    const result = await runJob(box.root, ["ae-nosuchcmd", "/?"]);
    assert.equal(result.state, "failed", JSON.stringify(result));
    assert.equal(result.reason, "command not found: ae-nosuchcmd");
  });

  test("argv mode: a bare name resolved through PATHEXT (where.exe) still runs; a cmd string is left to cmd", async () => {
    const found = await runJob(box.root, ["where", "cmd"]);
    assert.equal(found.state, "exited", JSON.stringify(found));
    const builtin = await runJob(box.root, ["ver"]);
    assert.equal(builtin.state, "exited", JSON.stringify(builtin));
  });
});
