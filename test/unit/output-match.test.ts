import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { create } from "../../src/commands/create.js";
import { notifySet } from "../../src/commands/notify-set.js";
import { OutputMatcher, type MatchedStream } from "../../src/notify/output-match.js";
import { JobDir, NOTIFICATION_EVENTS_FILE } from "../../src/store/job-dir.js";
import { readNdjson } from "../helpers/files.js";

// OutputMatcher against a real job directory (made by `create`), with settings changed the way
// `notify set` changes them, and real sinks.

const KIB64 = 64 * 1024;
const WRAPPER = ["sh", "-c"];

let root: string;
let scratch: string;
beforeEach(() => {
  current = true;
  root = mkdtempSync(join(tmpdir(), "agent-exec-unit-match-"));
  scratch = mkdtempSync(join(tmpdir(), "agent-exec-unit-match-out-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

interface Setup {
  outputPattern?: string;
  outputMatchType?: string;
  outputStream?: string;
  outputCommand?: string;
  outputFile?: string;
}

// Whether the matchers below are told the job directory is still their run's.
let current = true;

/** A created job with these output-match settings, and a matcher for it. */
async function matcherFor(settings: Setup, timeoutMs = 10_000): Promise<{ dir: JobDir; matcher: OutputMatcher }> {
  const { job_id } = await create({ root, command: ["true"], shellWrapper: "sh -c", notification: settings });
  const dir = JobDir.open(root, job_id);
  return { dir, matcher: new OutputMatcher(dir, WRAPPER, timeoutMs, () => current) };
}

/** Feeds chunks (strings or buffers) to one stream. */
function feed(matcher: OutputMatcher, stream: MatchedStream, ...chunks: (string | Buffer)[]): void {
  for (const chunk of chunks) matcher.observe(stream, typeof chunk === "string" ? Buffer.from(chunk) : chunk);
}

/** The job's notification_events.ndjson once every queued delivery is done. */
async function records(dir: JobDir, matcher: OutputMatcher): Promise<any[]> {
  await matcher.drain(10_000);
  return readNdjson(dir.file(NOTIFICATION_EVENTS_FILE));
}

const lines = (list: any[]) => list.map((r) => r.line);

describe("OutputMatcher: lines", () => {
  it("joins a line split across chunks, and matches every matching line", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "MATCH" });
    feed(matcher, "stdout", "MAT", "CH 1\nno\nMA", "TCH 2\n", "MATCH 3\nMATCH 4\n");
    expect(lines(await records(dir, matcher))).toEqual(["MATCH 1", "MATCH 2", "MATCH 3", "MATCH 4"]);
  });

  it("keeps each stream's partial line apart", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "MATCH" });
    feed(matcher, "stdout", "MAT");
    feed(matcher, "stderr", "MATCH err\n");
    feed(matcher, "stdout", "CH out\n");
    const got = await records(dir, matcher);
    expect(got.map((r) => [r.stream, r.line])).toEqual([
      ["stderr", "MATCH err"],
      ["stdout", "MATCH out"],
    ]);
  });

  it("drops the CR of CRLF line ends, also when CR and LF arrive in different chunks", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "MATCH" });
    feed(matcher, "stdout", "MATCH a\r\nMATCH b\r\n", "MATCH c\r", "\n");
    expect(lines(await records(dir, matcher))).toEqual(["MATCH a", "MATCH b", "MATCH c"]);
  });

  it("a last line without a newline is matched on flush, once", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "TAIL" });
    feed(matcher, "stdout", "TAIL 1\nTAIL end");
    await matcher.drain(10_000);
    expect(lines(readNdjson(dir.file(NOTIFICATION_EVENTS_FILE)))).toEqual(["TAIL 1"]);
    matcher.flush("stdout");
    matcher.flush("stdout");
    matcher.flush("stderr");
    expect(lines(await records(dir, matcher))).toEqual(["TAIL 1", "TAIL end"]);
  });

  it("decodes a UTF-8 character split between chunks", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "ÉTÉ", outputMatchType: "regex" });
    const bytes = Buffer.from("l'ÉTÉ ☀\n");
    for (let i = 0; i < bytes.length; i++) feed(matcher, "stdout", bytes.subarray(i, i + 1));
    expect(lines(await records(dir, matcher))).toEqual(["l'ÉTÉ ☀"]);
  });

  it("empty lines are lines", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "^$", outputMatchType: "regex" });
    feed(matcher, "stdout", "a\n\nb\n", "\n");
    expect(lines(await records(dir, matcher))).toEqual(["", ""]);
  });

  it("a line longer than 64 KiB is matched in 64 KiB pieces, whether or not its newline has arrived", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "NEEDLE" });
    // One chunk, newline included: the needle sits in the second piece.
    feed(matcher, "stdout", `${"x".repeat(KIB64 + 10)}NEEDLE\n`);
    // No newline yet: a full first piece is matched as soon as it is there.
    feed(matcher, "stderr", `NEEDLE${"y".repeat(KIB64 + 100)}`);
    const early = await records(dir, matcher);
    expect(early.map((r) => [r.stream, r.line.length])).toEqual([
      ["stdout", 10 + 6],
      ["stderr", KIB64],
    ]);
    expect(early[0].line).toBe(`${"x".repeat(10)}NEEDLE`);
    expect(early[1].line.startsWith("NEEDLE")).toBe(true);
    // The rest of that stderr line, then its newline, then a next line.
    feed(matcher, "stderr", "NEEDLE tail\nNEEDLE next\n");
    const all = await records(dir, matcher);
    expect(all.slice(2).map((r) => r.line)).toEqual([`${"y".repeat(106)}NEEDLE tail`, "NEEDLE next"]);
  });
});

describe("OutputMatcher: settings", () => {
  it("without output-match settings it records nothing", async () => {
    const { dir, matcher } = await matcherFor({});
    feed(matcher, "stdout", "anything at all\n");
    matcher.flush("stdout");
    await matcher.drain(10_000);
    expect(existsSync(dir.file(NOTIFICATION_EVENTS_FILE))).toBe(false);
  });

  it("applies notify set changes from the next chunk on, and never replays earlier lines", async () => {
    const { dir, matcher } = await matcherFor({});
    feed(matcher, "stdout", "ALPHA 0\n");
    await notifySet({ root, jobId: dir.id, outputPattern: "ALPHA" });
    feed(matcher, "stdout", "ALPHA 1\nBETA 1\n");
    await notifySet({ root, jobId: dir.id, outputPattern: "BETA", outputStream: "stderr" });
    feed(matcher, "stdout", "ALPHA 2\nBETA 2\n");
    feed(matcher, "stderr", "ALPHA 3\nBETA 3\n");
    await notifySet({ root, jobId: dir.id, outputPattern: "" });
    feed(matcher, "stderr", "ALPHA 4\nBETA 4\n");
    matcher.flush("stdout");
    matcher.flush("stderr");
    const got = await records(dir, matcher);
    expect(got.map((r) => [r.pattern, r.stream, r.line])).toEqual([
      ["ALPHA", "stdout", "ALPHA 1"],
      ["BETA", "stderr", "BETA 3"],
    ]);
  });

  it("keeps its settings when meta.json is replaced by something unreadable", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "KEEP" });
    feed(matcher, "stdout", "KEEP 1\n");
    writeFileSync(dir.file("meta.json"), "{ not json");
    feed(matcher, "stdout", "KEEP 2\n");
    rmSync(dir.file("meta.json"));
    feed(matcher, "stdout", "KEEP 3\n");
    expect(lines(await records(dir, matcher))).toEqual(["KEEP 1", "KEEP 2", "KEEP 3"]);
  });
});

describe("OutputMatcher: delivery", () => {
  it("records each event with the results of its command and file sinks, in line order", async () => {
    const captured = join(scratch, "captured.ndjson");
    const file = join(scratch, "sub", "matches.ndjson");
    const command = `cat >> '${captured}'; printf '%s|%s|%s\\n' "$AGENT_EXEC_EVENT_TYPE" "$AGENT_EXEC_JOB_ID" "$AGENT_EXEC_EVENT_PATH" >> '${scratch}/env.txt'`;
    const { dir, matcher } = await matcherFor({ outputPattern: "HIT", outputCommand: command, outputFile: file });
    feed(matcher, "stdout", "HIT 1\nmiss\nHIT 2\n");
    feed(matcher, "stderr", "HIT 3\n");
    const got = await records(dir, matcher);
    expect(lines(got)).toEqual(["HIT 1", "HIT 2", "HIT 3"]);
    for (const record of got) {
      expect(record.delivery_results.map((r: any) => [r.sink_type, r.target, r.success])).toEqual([
        ["command", command, true],
        ["file", file, true],
      ]);
    }
    const events = got.map(({ delivery_results: _, ...event }) => event);
    expect(readNdjson(captured)).toEqual(events);
    expect(readNdjson(file)).toEqual(events);
    expect(events[0]).toEqual({
      schema_version: "0.1",
      event_type: "job.output.matched",
      job_id: dir.id,
      pattern: "HIT",
      match_type: "contains",
      stream: "stdout",
      line: "HIT 1",
      stdout_log_path: dir.stdoutPath,
      stderr_log_path: dir.stderrPath,
    });
    const env = readFileSync(join(scratch, "env.txt"), "utf8");
    expect(env).toBe(`job.output.matched|${dir.id}|${dir.file(NOTIFICATION_EVENTS_FILE)}\n`.repeat(3));
  });

  it("a failing sink is recorded as such and later matches are still delivered", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "HIT", outputCommand: "echo nope >&2; exit 9" });
    feed(matcher, "stdout", "HIT 1\nHIT 2\n");
    const got = await records(dir, matcher);
    expect(got).toHaveLength(2);
    for (const record of got) expect(record.delivery_results).toEqual([expect.objectContaining({ sink_type: "command", success: false, error: "exited with code 9: nope" })]);
  });

  it("matches still queued when drain's time is up are recorded as not delivered", async () => {
    const { dir, matcher } = await matcherFor({ outputPattern: "HIT", outputCommand: "sleep 0.5" });
    feed(matcher, "stdout", "HIT 1\nHIT 2\nHIT 3\n");
    await new Promise((r) => setTimeout(r, 50)); // the first delivery is under way
    await matcher.drain(100);
    const got = readNdjson(dir.file(NOTIFICATION_EVENTS_FILE));
    expect(got.map((r) => [r.line, r.delivery_results[0].success])).toEqual([
      ["HIT 1", true],
      ["HIT 2", false],
      ["HIT 3", false],
    ]);
    expect(got[1].delivery_results[0].error).toContain("not delivered");
    expect(got[1].delivery_results[0].target).toBe("sleep 0.5");
  });

  it("once the job directory is another run's (a restart), its sinks still get matches but nothing is recorded there", async () => {
    const file = join(scratch, "matches.ndjson");
    const { dir, matcher } = await matcherFor({ outputPattern: "HIT", outputFile: file });
    feed(matcher, "stdout", "HIT 1\n");
    await matcher.drain(10_000);
    current = false;
    feed(matcher, "stdout", "HIT 2\n");
    await matcher.drain(10_000);
    expect(lines(readNdjson(dir.file(NOTIFICATION_EVENTS_FILE)))).toEqual(["HIT 1"]);
    expect(lines(readNdjson(file))).toEqual(["HIT 1", "HIT 2"]);
  });

  it("beyond 1000 waiting matches, a match is recorded as not delivered instead of queued", async () => {
    const file = join(scratch, "matches.ndjson");
    const { dir, matcher } = await matcherFor({ outputPattern: "HIT", outputFile: file });
    feed(matcher, "stdout", Array.from({ length: 1003 }, (_, i) => `HIT ${i}\n`).join(""));
    const got = await records(dir, matcher);
    expect(got).toHaveLength(1003);
    const refused = got.filter((r) => !r.delivery_results[0].success);
    expect(lines(refused)).toEqual(["HIT 1000", "HIT 1001", "HIT 1002"]);
    expect(refused[0].delivery_results[0]).toMatchObject({ sink_type: "file", target: file, error: expect.stringContaining("not delivered") });
    expect(readNdjson(file)).toHaveLength(1000);
  });
});
