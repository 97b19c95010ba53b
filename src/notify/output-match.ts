import { statSync } from "node:fs";
import { SCHEMA_VERSION } from "../protocol/envelope.js";
import { META_FILE, NOTIFICATION_EVENTS_FILE } from "../job/files.js";
import type { JobDir } from "../store/job-dir.js";
import { appendJobFile } from "../store/job-file.js";
import { lineMatcher, type MatchType, type OutputMatchConfig } from "./config.js";
import { MAX_LINE_BYTES, NEWLINE } from "../supervisor/log-pump.js"; // lines are cut as full.log cuts them
import { deliverToSinks, notDelivered, type SinkResult } from "./sinks.js";

// job.output.matched: the supervisor shows every line of the workload's output to an
// OutputMatcher, which fires for each line matching meta.json's `on_output_match` as it is *now*.
// `notify set` rewrites meta.json (atomically, so it gets a new inode); the matcher notices with
// one stat per chunk of output and applies the new settings from the next line on. Output seen
// before that is never replayed.

export type MatchedStream = "stdout" | "stderr";

export interface OutputMatchEvent {
  schema_version: string;
  event_type: "job.output.matched";
  job_id: string;
  pattern: string;
  match_type: MatchType;
  stream: MatchedStream;
  line: string;
  stdout_log_path: string;
  stderr_log_path: string;
}

// Deliveries run one at a time, in line order. A job printing matches faster than its sinks take
// them would otherwise grow the queue without bound: beyond this many waiting, a match is recorded
// as not delivered instead.
const MAX_PENDING = 1000;

interface Active {
  config: OutputMatchConfig;
  test: (line: string) => boolean;
}

export class OutputMatcher {
  private seen = "";
  private active: Active | undefined;
  private readonly carry: Record<MatchedStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private deadline = Infinity;

  constructor(
    private readonly dir: JobDir,
    private readonly wrapper: readonly string[],
    private readonly timeoutMs: number,
    /** Whether the job directory still records this run (a restart starts another). */
    private readonly current: () => boolean,
  ) {
    this.reload();
  }

  /** A chunk of the workload's output; complete lines in it are matched now. */
  observe(stream: MatchedStream, chunk: Buffer): void {
    this.reload();
    // Without settings, only the line still open at the chunk's end can matter later: skip the rest.
    const chunkNewline = this.active ? -1 : chunk.lastIndexOf(NEWLINE);
    let data: Buffer;
    if (chunkNewline !== -1) data = chunk.subarray(chunkNewline + 1);
    else data = this.carry[stream].length > 0 ? Buffer.concat([this.carry[stream], chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last !== -1) {
      if (this.active) this.matchLines(stream, data.subarray(0, last));
      data = data.subarray(last + 1);
    }
    for (; data.length > MAX_LINE_BYTES; data = data.subarray(MAX_LINE_BYTES)) {
      if (this.active) this.matchLine(stream, data.subarray(0, MAX_LINE_BYTES));
    }
    this.carry[stream] = Buffer.from(data);
  }

  /** The stream ended (or the job did): a last line without a newline is still a line. */
  flush(stream: MatchedStream): void {
    if (this.carry[stream].length > 0 && this.active) this.matchLine(stream, this.carry[stream]);
    this.carry[stream] = Buffer.alloc(0);
  }

  /** Waits for queued deliveries; those not started within `withinMs` are recorded as not delivered. */
  async drain(withinMs: number): Promise<void> {
    this.deadline = Date.now() + withinMs;
    await this.queue;
  }

  private matchLines(stream: MatchedStream, lines: Buffer): void {
    // A substring absent from the whole run of lines is absent from each: skip decoding them.
    const { config } = this.active!;
    if (config.stream !== "either" && config.stream !== stream) return;
    if (config.match_type === "contains" && lines.indexOf(config.pattern) === -1) return;
    if (lines.length <= MAX_LINE_BYTES) {
      // No line here needs cutting: decode once (a newline byte never sits inside a UTF-8 sequence).
      for (const line of lines.toString("utf8").split("\n")) this.matchText(stream, line.replace(/\r$/, ""));
      return;
    }
    for (let start = 0; start <= lines.length; ) {
      const nl = lines.indexOf(NEWLINE, start);
      const end = nl === -1 ? lines.length : nl;
      this.matchLine(stream, lines.subarray(start, end));
      start = end + 1;
    }
  }

  private matchLine(stream: MatchedStream, bytes: Buffer): void {
    const { config } = this.active!;
    if (config.stream !== "either" && config.stream !== stream) return;
    for (let at = 0; at < bytes.length || at === 0; at += MAX_LINE_BYTES) {
      this.matchText(stream, bytes.subarray(at, at + MAX_LINE_BYTES).toString("utf8").replace(/\r$/, ""));
    }
  }

  private matchText(stream: MatchedStream, line: string): void {
    const { config, test } = this.active!;
    if (test(line)) this.enqueue(stream, line, config);
  }

  private enqueue(stream: MatchedStream, line: string, config: OutputMatchConfig): void {
    const event: OutputMatchEvent = {
      schema_version: SCHEMA_VERSION,
      event_type: "job.output.matched",
      job_id: this.dir.id,
      pattern: config.pattern,
      match_type: config.match_type,
      stream,
      line,
      stdout_log_path: this.dir.stdoutPath,
      stderr_log_path: this.dir.stderrPath,
    };
    if (this.pending >= MAX_PENDING) {
      this.record(event, notDelivered(config, `not delivered: ${MAX_PENDING} earlier matches were still waiting`));
      return;
    }
    this.pending++;
    this.queue = this.queue.then(async () => {
      const results =
        Date.now() > this.deadline
          ? notDelivered(config, "not delivered: the job had ended and earlier deliveries used up the time left")
          : await this.deliver(event, config);
      this.record(event, results);
      this.pending--;
    });
  }

  private deliver(event: OutputMatchEvent, config: OutputMatchConfig): Promise<SinkResult[]> {
    const context = {
      wrapper: this.wrapper,
      jobId: this.dir.id,
      eventType: "job.output.matched",
      eventPath: this.dir.file(NOTIFICATION_EVENTS_FILE),
      timeoutMs: this.timeoutMs,
    } as const;
    return deliverToSinks(config, JSON.stringify(event), context);
  }

  private record(event: OutputMatchEvent, delivery_results: SinkResult[]): void {
    if (!this.current()) return;
    try {
      appendJobFile(this.dir.file(NOTIFICATION_EVENTS_FILE), `${JSON.stringify({ ...event, delivery_results })}\n`);
    } catch {
      // the job directory is gone (deleted while running): there is nowhere to record it
    }
  }

  /** Re-reads the settings when meta.json was replaced since the last look. */
  private reload(): void {
    let seen: string;
    try {
      const stat = statSync(this.dir.file(META_FILE));
      seen = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return; // keep the settings we have
    }
    if (seen === this.seen) return;
    this.seen = seen;
    try {
      const config = this.dir.readMeta().notification?.on_output_match;
      this.active = config ? { config, test: lineMatcher(config) } : undefined;
    } catch {
      // a meta.json edited by hand into something invalid: keep the settings we have
    }
  }
}
