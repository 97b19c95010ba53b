// GET /dashboard/stream/{id}?stdout=N&stderr=M: a job's output as it is written, as server-sent
// events from a log cursor (cursor.ts), ending once the job is terminal and both logs are read.
// The page reads it with fetch() (an EventSource cannot send the bearer header).
//
// Viewers never slow the job: the supervisor appends to the logs on its own and no viewer holds
// it back. What a viewer costs is bounded: one poll per POLL_MS, at most CHUNK_BYTES per log per
// poll (more than a person can read), a viewer that does not read its socket is not read for
// (backpressure), and one that falls more than MAX_LAG_BYTES behind jumps ahead (and is told how
// much it skipped) instead of reading everything. Viewers of the same job at the same offset share
// one read and one encoded event (sharedRead); skips land on CHUNK_BYTES boundaries, so viewers
// that fell behind converge on the same offsets.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readJobState } from "../../job/read.js";
import { outcomeOf, project } from "../../job/projection.js";
import { asAgentExecError } from "../../protocol/errors.js";
import { JobDir } from "../../store/job-dir.js";
import { isTerminal, type JobState } from "../../store/types.js";
import { LOG_STREAMS, parseCursor, readChunk, type LogChunk, type LogStream } from "../../observe/cursor.js";

export const POLL_MS = 100;
export const CHUNK_BYTES = 16 * 1024;
export const MAX_LAG_BYTES = 256 * 1024;
const KEEPALIVE_MS = 15_000;

export async function streamHandler(root: string, req: IncomingMessage, res: ServerResponse, id: string, gone: AbortSignal): Promise<void> {
  const url = new URL(req.url ?? "/", "http://agent-exec.invalid");
  const dir = JobDir.open(root, id);
  dir.readMeta(); // a directory without a readable definition is not a job
  const cursor = parseCursor(url.searchParams);
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.flushHeaders();
  let lastState = "";
  let lastWrite = Date.now();
  const send = async (event: string, data: object | string) => {
    lastWrite = Date.now();
    if (!res.write(typeof data === "string" ? data : frame(event, data))) await drained(res, gone);
  };
  try {
    await follow();
  } catch (error) {
    // The headers are out: a coded error becomes the stream's last event instead of an envelope.
    const coded = asAgentExecError(error);
    res.write(frame("error", { code: coded.code, message: coded.message }));
  } finally {
    res.end();
  }

  async function follow(): Promise<void> {
    // A server shutting down stops listening first: end the stream then, rather than hold the
    // shutdown for its whole grace (the page reconnects from its cursor once a server is back).
    const server = (req.socket as { server?: { listening: boolean } }).server;
    while (!gone.aborted && !res.destroyed && server?.listening !== false) {
      // State first: output written before the job ended is then read below, before the end event.
      const state = sharedState(dir);
      const terminal = isTerminal(state.job.status);
      const summary = JSON.stringify({ state: state.job.status, ...outcomeOf(project(state)) });
      if (summary !== lastState) {
        lastState = summary;
        await send("state", JSON.parse(summary) as object);
      }
      let pending = false;
      for (const stream of LOG_STREAMS) {
        const { chunk, event } = sharedRead(stream, stream === "stdout" ? dir.stdoutPath : dir.stderrPath, cursor[stream], terminal);
        if (chunk.bytes.length > 0 || chunk.skipped > 0) {
          await send("output", event);
          cursor[stream] = chunk.to;
        }
        if (chunk.to < chunk.size) pending = true;
      }
      if (terminal && !pending) {
        await send("end", { ...cursor });
        break;
      }
      if (Date.now() - lastWrite > KEEPALIVE_MS) {
        lastWrite = Date.now();
        res.write(": keep-alive\n\n");
      }
      await sleep(POLL_MS, gone);
    }
  }
}

// ---- sharing work between viewers of one job ----

// Entries live for one poll: long enough for every viewer's poll to find them, short enough that
// a result is never older than a viewer's own poll would have been.
const recentReads = new Map<string, { at: number; chunk: LogChunk; event: string }>();
const recentStates = new Map<string, { at: number; state: JobState }>();

function sharedRead(stream: LogStream, path: string, offset: number, final: boolean): { chunk: LogChunk; event: string } {
  const key = `${path}\0${offset}\0${final}`;
  const now = Date.now();
  const hit = recentReads.get(key);
  if (hit && now - hit.at < POLL_MS) return hit;
  const chunk = readChunk(path, offset, CHUNK_BYTES, { maxLag: MAX_LAG_BYTES, align: CHUNK_BYTES, final });
  const event = frame("output", { stream, from: chunk.from, to: chunk.to, skipped: chunk.skipped, text: chunk.bytes.toString("utf8") });
  prune(recentReads, now);
  const entry = { at: now, chunk, event };
  recentReads.set(key, entry);
  return entry;
}

function frame(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function sharedState(dir: JobDir): JobState {
  const now = Date.now();
  const hit = recentStates.get(dir.path);
  if (hit && now - hit.at < POLL_MS) return hit.state;
  const state = readJobState(dir);
  prune(recentStates, now);
  recentStates.set(dir.path, { at: now, state });
  return state;
}

function prune<T extends { at: number }>(map: Map<string, T>, now: number): void {
  for (const [key, entry] of map) if (now - entry.at >= POLL_MS) map.delete(key);
}

function sleep(ms: number, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      gone.removeEventListener("abort", done);
      resolve();
    }
    gone.addEventListener("abort", done, { once: true });
  });
}

function drained(res: ServerResponse, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      gone.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
    gone.addEventListener("abort", done, { once: true });
  });
}
