// The dashboard's read endpoints under /dashboard/, called by the page (page.ts) after the server's
// Host/Origin guard and token check. None of them changes anything; the page kills through /kill.
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { status } from "../../commands/status.js";
import { okEnvelope } from "../../protocol/envelope.js";
import { AgentExecError } from "../../protocol/errors.js";
import { JobDir } from "../../store/job-dir.js";
import { LOG_STREAMS, type LogStream } from "../../observe/cursor.js";
import { jobsPageHandler } from "./jobs.js";
import { streamHandler } from "./stream.js";

/** Answers GET /dashboard/<segments>; throws not_found or method_not_allowed for anything else. */
export async function dashboardApi(root: string, req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> {
  const [name = "", rawId, ...rest] = segments;
  const withId = name === "job" || name === "stream" || name === "log";
  if (!(name === "jobs" ? rawId === undefined : withId && rawId !== undefined && rawId !== "" && rest.length === 0)) {
    throw new AgentExecError("not_found", `no such endpoint: ${req.method} /dashboard/${segments.join("/")}`);
  }
  if (req.method !== "GET") {
    res.setHeader("Allow", "GET");
    throw new AgentExecError("method_not_allowed", `/dashboard/${name} accepts GET, not ${req.method}`);
  }
  const id = withId ? decodeId(rawId!) : "";
  if (name === "jobs") return sendJson(res, "dashboard_jobs", await jobsPageHandler(root, req));
  if (name === "job") return sendJson(res, "dashboard_job", await jobDetail(root, id));
  if (name === "stream") {
    const gone = new AbortController();
    res.once("close", () => gone.abort()); // the viewer left
    return streamHandler(root, req, res, id, gone.signal);
  }
  return sendLog(root, req, res, id);
}

async function jobDetail(root: string, id: string): Promise<object> {
  const found = await status({ root, jobId: id }); // command and cwd included
  const meta = new JobDir(root, found.job_id).readMeta();
  return { ...found, tags: meta.tags ?? [] };
}

/** The whole of one log as text/plain: the "full log" button. */
async function sendLog(root: string, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const stream = new URL(req.url ?? "/", "http://agent-exec.invalid").searchParams.get("stream") ?? "stdout";
  if (!(LOG_STREAMS as readonly string[]).includes(stream)) throw new AgentExecError("invalid_request", `stream must be one of ${LOG_STREAMS.join(", ")}`);
  const dir = JobDir.open(root, id);
  dir.readMeta();
  const path = (stream as LogStream) === "stdout" ? dir.stdoutPath : dir.stderrPath;
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
  await new Promise<void>((resolve) => {
    const file = createReadStream(path);
    // A job without output yet has no log file.
    file.once("error", () => {
      res.end();
      resolve();
    });
    file.once("end", resolve);
    file.pipe(res);
  });
}

function sendJson(res: ServerResponse, type: string, data: object): void {
  const text = `${JSON.stringify(okEnvelope(type, data))}\n`;
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
  res.end(text);
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
