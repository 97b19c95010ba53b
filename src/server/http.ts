// The HTTP API (`agent-exec serve`): routes requests to the same command functions the CLI calls
// and answers with the CLI's envelopes. Errors are AgentExecError codes mapped to HTTP statuses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { kill } from "../commands/kill.js";
import { DEFAULT_LIST_LIMIT, list, LIST_STATES, type ListState } from "../commands/list.js";
import { run, type RunOptions } from "../commands/run.js";
import { status } from "../commands/status.js";
import { tail } from "../commands/tail.js";
import { wait, type WaitOptions } from "../commands/wait.js";
import { secondsProblem } from "../commands/duration.js";
import { log } from "../log.js";
import { errorEnvelope, okEnvelope } from "../protocol/envelope.js";
import { AgentExecError, asAgentExecError, type ErrorCode } from "../protocol/errors.js";
import { COMPRESSION_MODES, DEFAULT_BIND, NOTIFICATION_FIELDS, type CompressionMode } from "../protocol/options.js";
import { resolveRoot } from "../store/root.js";
import { bearerMatches, isLoopbackHost } from "./auth.js";
import { parseBind, portProblem } from "./bind.js";
import { dashboardApi } from "./dashboard/routes.js";
import { sendPage } from "./dashboard/page.js";
import { guardRequest, parseAllowOrigin, requestGuard, type RequestGuard } from "./request-guard.js";

export { DEFAULT_BIND, parseBind, portProblem };
/** Request bodies larger than this are refused with 413 `payload_too_large`. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** On SIGINT/SIGTERM, in-flight requests get this long to finish before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface ServeOptions {
  root?: string;
  /** HOST:PORT, [IPv6]:PORT or HOST (default 127.0.0.1:19263). */
  bind?: string;
  /** Overrides the port of `bind`; 0 picks a free port. */
  port?: number;
  /** Bearer token required on every endpoint except /health. */
  token?: string;
  /** Allow a non-loopback bind (it also needs a token). */
  insecure?: boolean;
  /** The one browser origin allowed to call the API (CORS); `*` is refused. */
  allowOrigin?: string;
}

export interface RunningServer {
  server: Server;
  /** The bound address as HOST:PORT (IPv6 hosts in brackets). */
  bind: string;
  host: string;
  port: number;
  root: string;
  /** "bearer" when a token is required. */
  auth: "bearer" | "none";
  /** The origin allowed by `allowOrigin`, serialized as browsers send it. */
  allowOrigin?: string;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  usage_error: 400,
  invalid_request: 400,
  invalid_argument: 400,
  invalid_job_id: 400,
  ambiguous_job_id: 400,
  invalid_state: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  invalid_host: 403,
  job_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS_OF[code] ?? 500;
}

/** Binds and starts serving; rejects with serve_unsafe_bind, serve_bind_failed, invalid_config or invalid_argument. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const { host, port } = parseBind(options.bind ?? DEFAULT_BIND, options.port);
  const token = options.token?.trim() || undefined;
  if (!isLoopbackHost(host) && !(token && options.insecure)) {
    const missing = [options.insecure ? "" : "--insecure", token ? "" : "a token (--token or AGENT_EXEC_SERVE_TOKEN)"].filter(Boolean);
    throw new AgentExecError(
      "serve_unsafe_bind",
      `refusing to bind non-loopback address ${host}: it needs both --insecure and a token; missing ${missing.join(" and ")}`,
    );
  }
  const allowOrigin = options.allowOrigin === undefined ? undefined : parseAllowOrigin(options.allowOrigin);
  const root = resolveRoot(options.root);
  const state = { inFlight: 0, closing: false, idle: [] as (() => void)[] };
  // Set once listening (the Host check needs the bound port); no request is read before that.
  let guard: RequestGuard | undefined;
  const server = createServer((req, res) => {
    state.inFlight++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      if (--state.inFlight === 0) for (const wake of state.idle.splice(0)) wake();
    };
    res.once("finish", done);
    res.once("close", done);
    if (state.closing) res.setHeader("Connection", "close");
    handle(req, res, { root, token, guard: guard! }).catch((error) => sendError(res, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code === "EADDRINUSE" ? "address already in use" : error.message;
      reject(new AgentExecError("serve_bind_failed", `cannot listen on ${formatHostPort(host, port)}: ${reason}`, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
  server.on("error", (error) => log("info", `serve: ${error.message}`));
  const address = server.address() as AddressInfo;
  const bound = formatHostPort(address.address, address.port);
  guard = requestGuard({ host: address.address, port: address.port }, allowOrigin);

  let closing: Promise<void> | undefined;
  const close = (graceMs = SHUTDOWN_GRACE_MS) =>
    (closing ??= (async () => {
      state.closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (state.inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => state.idle.push(resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    })());
  const auth = token ? "bearer" : "none";
  return { server, bind: bound, host: address.address, port: address.port, root, auth, allowOrigin, close };
}

function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

interface Context {
  root: string;
  token?: string;
  guard: RequestGuard;
}

/** `gone` aborts when the client disconnects before the answer is sent. */
type Handler = (ctx: Context, req: IncomingMessage, query: URLSearchParams, id: string, gone: AbortSignal) => Promise<[string, object]>;

const ROUTES: Record<string, { method: "GET" | "POST"; withId: boolean; handler: Handler }> = {
  health: { method: "GET", withId: false, handler: async () => ["health", {}] },
  exec: { method: "POST", withId: false, handler: execHandler },
  jobs: { method: "GET", withId: false, handler: jobsHandler },
  status: { method: "GET", withId: true, handler: async (c, _r, _q, id) => ["status", await status({ root: c.root, jobId: id })] },
  tail: { method: "GET", withId: true, handler: tailHandler },
  wait: { method: "GET", withId: true, handler: waitHandler },
  kill: { method: "POST", withId: true, handler: killHandler },
};

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  if (guardRequest(req, res, ctx.guard)) return; // it answered a CORS preflight; refusals throw
  const url = new URL(req.url ?? "/", "http://agent-exec.invalid");
  const segments = url.pathname.split("/").slice(1);
  const name = segments[0] ?? "";
  const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
  if (url.pathname === "/" && req.method === "GET") return sendPage(res); // no data in it: it asks for the token
  // Authenticate before routing, so an unauthenticated client learns nothing about the routes.
  if (name !== "health" && ctx.token && !bearerMatches(req.headers.authorization, ctx.token)) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="agent-exec"');
    throw new AgentExecError("unauthorized", "missing or invalid bearer token: send Authorization: Bearer <token>");
  }
  if (name === "dashboard") return dashboardApi(ctx.root, req, res, segments.slice(1));
  if (!route || segments.length !== (route.withId ? 2 : 1)) {
    throw new AgentExecError("not_found", `no such endpoint: ${req.method} ${url.pathname}`);
  }
  if (req.method !== route.method) {
    res.setHeader("Allow", route.method);
    throw new AgentExecError("method_not_allowed", `${url.pathname} accepts ${route.method}, not ${req.method}`);
  }
  let id = "";
  if (route.withId) {
    try {
      id = decodeURIComponent(segments[1]!);
    } catch {
      id = segments[1]!;
    }
  }
  const gone = new AbortController();
  res.once("close", () => res.writableEnded || gone.abort());
  const [type, data] = await route.handler(ctx, req, url.searchParams, id, gone.signal);
  send(res, 200, okEnvelope(type, data));
}

function send(res: ServerResponse, code: number, body: object): void {
  if (res.headersSent || res.destroyed) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  let coded = asAgentExecError(error);
  // A command function's usage error (two fields that exclude each other) is, over HTTP, a bad request.
  if (coded.code === "usage_error") coded = new AgentExecError("invalid_request", coded.message, { details: coded.details });
  if (coded.code === "payload_too_large" && !res.headersSent) res.setHeader("Connection", "close");
  send(res, httpStatusOf(coded.code), errorEnvelope(coded));
}

// ---- request bodies ----

// A client that keeps sending past this much after being refused loses its connection.
const DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES;

/**
 * Reads the body as UTF-8, at most MAX_BODY_BYTES. A larger body is refused with 413 once it has
 * been drained (so the client is reading when the answer comes), and the connection then closes.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers["content-length"]) > MAX_BODY_BYTES;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) over = true;
      if (!over) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.once("error", reject);
    req.once("end", () => {
      if (over) {
        req.socket.setKeepAlive(false);
        reject(new AgentExecError("payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`));
      } else resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

async function readJsonObject(req: IncomingMessage, required: boolean): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === "") {
    if (required) throw invalid("a JSON object body is required");
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`invalid JSON body: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("the body must be a JSON object");
  return value as Record<string, unknown>;
}

function invalid(message: string): AgentExecError {
  return new AgentExecError("invalid_request", message);
}

function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw invalid(`unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (accepted: ${allowed.join(", ")})`);
}

function nonNegative(value: unknown, field: string, integer = false): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw invalid(`${field} must be a non-negative ${integer ? "integer" : "number"}`);
  }
  return value;
}

/** A duration field in seconds, by the one duration rule. */
function durationField(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const problem = typeof value === "number" ? secondsProblem(value) : "expected a number";
  if (problem) throw invalid(`${field} ${JSON.stringify(value)}: ${problem}`);
  return value as number;
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalid(`${field} must be true or false`);
  return value;
}

// ---- query parameters ----

function queryNumber(query: URLSearchParams, name: string, integer: boolean): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const value = raw.trim() === "" ? NaN : Number(raw);
  return nonNegative(value, name, integer);
}

function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (["", "1", "true", "yes"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no"].includes(raw.toLowerCase())) return false;
  throw invalid(`${name} must be true or false`);
}

// ---- handlers ----

const EXEC_FIELDS = ["command", "cwd", "env", "mask", "timeout", "wait", "until", "forever", "max_bytes", "compress", "tags", "excerpt", "tail_lines", "until_output", ...Object.keys(NOTIFICATION_FIELDS)];

async function execHandler(ctx: Context, req: IncomingMessage): Promise<[string, object]> {
  const body = await readJsonObject(req, true);
  // As in 0.2.31: the timeout is in seconds; the old millisecond field is refused, not guessed at.
  if (Object.hasOwn(body, "timeout_ms")) throw invalid('timeout_ms is not accepted: give "timeout" in seconds (e.g. "timeout": 30)');
  onlyKeys(body, EXEC_FIELDS);
  const options: RunOptions = { root: ctx.root, command: execCommand(body.command) };
  if (body.cwd !== undefined && body.cwd !== null) {
    if (typeof body.cwd !== "string" || body.cwd === "") throw invalid("cwd must be a non-empty string");
    options.cwd = body.cwd;
  }
  if (body.env !== undefined && body.env !== null) options.env = execEnv(body.env);
  // Like --mask: these variables' values show as *** in the response and in meta.json.
  if (body.mask !== undefined && body.mask !== null) {
    if (!Array.isArray(body.mask) || !body.mask.every((key) => typeof key === "string")) throw invalid("mask must be an array of variable names");
    options.mask = body.mask as string[];
  }
  options.timeout = durationField(body.timeout, "timeout") ?? 0;
  options.wait = bool(body.wait, "wait");
  options.until = durationField(body.until, "until");
  options.forever = bool(body.forever, "forever");
  if (options.forever && options.until !== undefined) throw invalid("give until or forever, not both");
  options.maxBytes = nonNegative(body.max_bytes, "max_bytes", true);
  options.compress = compressField(body.compress);
  // Values as sent: run judges them (the same checks as the CLI's, MCP's and the library's).
  options.excerpt = (body.excerpt ?? undefined) as RunOptions["excerpt"];
  options.tailLines = (body.tail_lines ?? undefined) as number | undefined;
  options.untilOutput = (body.until_output ?? undefined) as string | undefined;
  if (body.tags !== undefined && body.tags !== null) {
    if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === "string")) throw invalid("tags must be an array of strings");
    options.tags = body.tags as string[];
  }
  options.notification = {};
  for (const [field, option] of Object.entries(NOTIFICATION_FIELDS)) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw invalid(`${field} must be a string`);
    // A client's working directory means nothing here: relative sink files are under the job's cwd.
    const isFile = field === "notify_file" || field === "output_file";
    options.notification[option] = isFile && value !== "" && options.cwd !== undefined ? resolve(options.cwd, value) : value;
  }
  return ["run", await run(options)];
}

/** An array of strings is argv (one element: a shell string, as on the CLI); a string is a shell string. */
function execCommand(value: unknown): string[] {
  if (value === undefined || value === null) throw invalid("command is required: an array of strings (argv) or one string (a shell command)");
  const command = typeof value === "string" ? [value] : value;
  if (!Array.isArray(command) || !command.every((part) => typeof part === "string")) {
    throw invalid("command must be an array of strings (argv) or one string (a shell command)");
  }
  if (command.length === 0 || command[0] === "") throw invalid("command must not be empty");
  return command as string[];
}

function execEnv(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("env must be an object of string values");
  return Object.entries(value).map(([key, v]) => {
    if (key === "" || key.includes("=") || key.includes("\0")) throw invalid(`env: invalid variable name ${JSON.stringify(key)}`);
    if (typeof v !== "string") throw invalid(`env.${key} must be a string`);
    return `${key}=${v}`;
  });
}

/** `compress`, a mode name as on the CLI; which names are modes is the command function's to check. */
function compressField(value: unknown): CompressionMode | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`compress must be one of ${COMPRESSION_MODES.join(", ")}`);
  return value as CompressionMode;
}

async function tailHandler(ctx: Context, _req: IncomingMessage, query: URLSearchParams, id: string): Promise<[string, object]> {
  const tailLines = queryNumber(query, "tail_lines", true);
  const maxBytes = queryNumber(query, "max_bytes", true);
  const since = query.get("since") ?? undefined;
  const compress = compressField(query.get("compress") ?? undefined);
  return ["tail", await tail({ root: ctx.root, jobId: id, tailLines, maxBytes, since, compress })];
}

async function waitHandler(ctx: Context, _req: IncomingMessage, query: URLSearchParams, id: string, gone: AbortSignal): Promise<[string, object]> {
  const raw = query.get("until");
  const problem = raw === null ? undefined : secondsProblem(raw);
  if (problem) throw invalid(`until ${JSON.stringify(raw)}: ${problem}`);
  const until = raw === null ? undefined : Number(raw);
  const forever = queryBool(query, "forever");
  if (forever && until !== undefined) throw invalid("give until or forever, not both");
  const output = {
    excerpt: (query.get("excerpt") ?? undefined) as WaitOptions["excerpt"],
    maxBytes: queryNumber(query, "max_bytes", true),
    tailLines: queryNumber(query, "tail_lines", true),
    untilOutput: query.get("until_output") ?? undefined,
  };
  // A client that went away stops the wait: its watcher is not kept until the job ends.
  return ["wait", await wait({ root: ctx.root, jobId: id, until, forever, ...output, signal: gone })];
}

async function killHandler(ctx: Context, req: IncomingMessage, query: URLSearchParams, id: string): Promise<[string, object]> {
  const body = await readJsonObject(req, false);
  onlyKeys(body, ["signal", "grace"]);
  if (body.signal !== undefined && typeof body.signal !== "string" && typeof body.signal !== "number") {
    throw invalid("signal must be a signal name or number");
  }
  const fromBody = body.signal === undefined ? undefined : String(body.signal);
  const fromQuery = query.get("signal") ?? undefined;
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery) {
    throw invalid("signal given in both the query and the body, with different values");
  }
  const signal = fromBody ?? fromQuery;
  if (signal !== undefined && signal.trim() === "") throw invalid("signal must not be empty");
  // Seconds, as `kill --grace`; kill() itself rejects a negative or huge value (invalid_argument).
  if (body.grace !== undefined && typeof body.grace !== "number") throw invalid("grace must be a number of seconds");
  if (body.grace !== undefined && query.has("grace")) throw invalid("give grace in the query or the body, not both");
  const grace = (body.grace as number | undefined) ?? query.get("grace") ?? undefined;
  // ?no_wait=true: signal and answer at once, in the reference's legacy shape (no observed state).
  return ["kill", await kill({ root: ctx.root, jobId: id, signal, grace, noWait: queryBool(query, "no_wait") })];
}

/**
 * GET /jobs: `list` with its filters as query parameters (`tag` repeatable: every pattern must
 * match, `prefix.*` matches a tag and those below it). Unlike the CLI, whose default scope is its
 * working directory, the server lists every directory unless `cwd` is given (the server's own
 * working directory means nothing to a client).
 */
async function jobsHandler(ctx: Context, _req: IncomingMessage, query: URLSearchParams): Promise<[string, object]> {
  const state = query.get("state") ?? undefined;
  if (state !== undefined && !(LIST_STATES as readonly string[]).includes(state)) {
    throw invalid(`state must be one of ${LIST_STATES.join(", ")}`);
  }
  const limit = queryNumber(query, "limit", true) ?? DEFAULT_LIST_LIMIT;
  const cwd = query.get("cwd") ?? undefined;
  const all = queryBool(query, "all");
  if (cwd !== undefined && all) throw invalid("give cwd or all, not both");
  const scope = cwd !== undefined && cwd !== "" ? { cwd } : { all: true };
  const tags = query.getAll("tag");
  return ["list", await list({ root: ctx.root, state: state as ListState | undefined, limit, tags, ...scope })];
}
