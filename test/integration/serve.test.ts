import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { readJsonIfThere } from "../helpers/files.js";
import { processesWithArgv, useJobFixture } from "../helpers/jobs.js";
import { serversEndedAfterEach } from "../helpers/servers.js";

// Sleep durations 3661-3669 belong to this file. Only 127.0.0.1 traffic.
const fx = useJobFixture(["sleep 3661", "sleep 3662", "sleep 3663", "sleep 3664"]);

function supervisorLog(id: string): string {
  try {
    return readFileSync(join(fx.jobDir(id), "supervisor.log"), "utf8");
  } catch {
    return "";
  }
}

interface Served {
  child: ChildProcess;
  url: string;
  hello: any;
  stderr: () => string;
  /** What serve printed on stdout up to its hello line. */
  stdout: string;
  exited: Promise<number | null>;
}

const servers = serversEndedAfterEach();

/** Starts `agent-exec serve`; resolves with its first stdout line parsed, or with its exit if it ends first. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served & { code?: number | null }> {
  const child = spawn(process.execPath, ["--", CLI, "--root", fx.root, "serve", ...args], {
    cwd: fx.work,
    env: { ...process.env, AGENT_EXEC_TOKEN: "", AGENT_EXEC_SERVE_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  servers.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      const newline = stdout.indexOf("\n");
      if (newline >= 0) {
        const hello = JSON.parse(stdout.slice(0, newline));
        if (hello.ok) resolve({ child, url: hello.url, hello, stderr: () => stderr, exited, stdout });
        else exited.then((code) => resolve({ child, url: "", hello, stderr: () => stderr, exited, code, stdout }));
      }
    });
    exited.then((code) => resolve({ child, url: "", hello: undefined, stderr: () => stderr, exited, code, stdout }));
  });
}

async function started(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const s = await serve(["--port", "0", ...args], env);
  expect(s.hello, `serve did not start: ${s.stdout} ${s.stderr()}`).toMatchObject({ schema_version: "0.1", ok: true, type: "serve" });
  expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return s;
}

async function call(url: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Node's own HTTP client: unlike fetch it sends any Host and Origin it is given, as a browser or a rebound name would. */
function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: any; headers: IncomingHttpHeaders }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: init.method ?? "GET", headers: init.headers, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text === "" ? "" : JSON.parse(text), headers: res.headers }));
      },
    );
    req.once("error", reject);
    req.end(init.body);
  });
}

function expectError(r: { status: number; body: any }, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toMatchObject({ schema_version: "0.1", ok: false, type: "error", error: { code } });
}

describe("serve", () => {
  test("startup line, /health, and every endpoint with the CLI's shapes", async () => {
    const s = await started();
    expect(s.hello.root).toBe(fx.root);
    expect(s.hello.auth).toBe("none");

    expect((await call(`${s.url}/health`)).body).toEqual({ schema_version: "0.1", ok: true, type: "health" });

    // POST /exec with the run defaults (waits): argv, env, cwd
    const cwd = fx.scratch();
    const exec = await call(`${s.url}/exec`, {
      method: "POST",
      json: { command: ["sh", "-c", 'echo "$GREETING from $(pwd)"; echo err >&2; exit 3'], env: { GREETING: "hi" }, cwd },
    });
    expect(exec.status).toBe(200);
    expect(exec.headers.get("content-type")).toMatch(/^application\/json/);
    expect(exec.body).toMatchObject({ schema_version: "0.1", ok: true, type: "run", state: "exited", exit_code: 3 });
    expect(exec.body.stdout).toBe(`hi from ${cwd}\n`);
    expect(exec.body.stderr).toBe("err\n");
    expect(exec.body.env_vars).toEqual(["GREETING=hi"]);
    expect(exec.body.stdout_range).toEqual([0, exec.body.stdout_total_bytes]);
    const id = exec.body.job_id as string;
    expect(fx.readMeta(id).cwd).toBe(cwd);

    // a single string is a shell string
    const shell = await call(`${s.url}/exec`, { method: "POST", json: { command: "echo $((40+2)) | tr 4 X", max_bytes: 2 } });
    expect(shell.body).toMatchObject({ ok: true, type: "run", state: "exited", exit_code: 0, stdout: "X2", stdout_total_bytes: 3 });

    const st = await call(`${s.url}/status/${id}`);
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ schema_version: "0.1", ok: true, type: "status", job_id: id, state: "exited", exit_code: 3 });

    // prefixes work in any case, as on the CLI
    const byPrefix = await call(`${s.url}/status/${id.slice(0, 24).toLowerCase()}`);
    expect(byPrefix.body.job_id).toBe(id);

    const tl = await call(`${s.url}/tail/${id}?tail_lines=1&max_bytes=100`);
    expect(tl.body).toMatchObject({ ok: true, type: "tail", job_id: id, stderr: "err\n", encoding: "utf-8-lossy" });
    expect(tl.body.stdout_range).toEqual([0, tl.body.stdout_total_bytes]);

    const w = await call(`${s.url}/wait/${id}`);
    expect(w.body).toMatchObject({ ok: true, type: "wait", job_id: id, state: "exited", exit_code: 3 });

    // wait:false returns at once with a running job; /wait?until answers running; /kill ends it
    const long = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3661"], wait: false } });
    expect(long.body).toMatchObject({ ok: true, type: "run", state: "running", waited_ms: 0 });
    const running = await call(`${s.url}/wait/${long.body.job_id}?until=0.2`);
    expect(running.body).toMatchObject({ ok: true, type: "wait", state: "running" });
    const killed = await call(`${s.url}/kill/${long.body.job_id}`, { method: "POST", json: { signal: "KILL" } });
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ ok: true, type: "kill", signal: "KILL", sent_signal: "SIGKILL", state: "killed" });

    // the signal may also come in the query; the default is TERM
    const other = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3662"], wait: false, tags: ["web.api"] } });
    const byQuery = await call(`${s.url}/kill/${other.body.job_id}?signal=INT`, { method: "POST" });
    expect(byQuery.body).toMatchObject({ ok: true, type: "kill", signal: "INT", sent_signal: "SIGINT", state: "killed" });
    const forever = await call(`${s.url}/wait/${other.body.job_id}?forever=1`);
    expect(forever.body).toMatchObject({ type: "wait", state: "killed" });

    // timeout (seconds) ends the tree
    const timed = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3663"], timeout: 0.3, until: 20 } });
    expect(timed.body).toMatchObject({ ok: true, type: "run", state: "killed", reason: "timeout" });

    // GET /jobs: every directory by default; state, limit, cwd, tag filters
    const jobs = await call(`${s.url}/jobs`);
    expect(jobs.body).toMatchObject({ schema_version: "0.1", ok: true, type: "list", root: fx.root, truncated: false });
    expect(jobs.body.jobs).toHaveLength(5);
    const limited = await call(`${s.url}/jobs?limit=2`);
    expect(limited.body.jobs).toHaveLength(2);
    expect(limited.body.truncated).toBe(true);
    expect((await call(`${s.url}/jobs?state=killed`)).body.jobs).toHaveLength(3);
    expect((await call(`${s.url}/jobs?cwd=${encodeURIComponent(cwd)}`)).body.jobs.map((j: any) => j.job_id)).toEqual([id]);
    expect((await call(`${s.url}/jobs?all=true&state=exited`)).body.jobs).toHaveLength(2);
    const tagged = await call(`${s.url}/jobs?tag=web.*`);
    expect(tagged.body.jobs.map((j: any) => j.job_id)).toEqual([other.body.job_id]);
    expect((await call(`${s.url}/jobs?tag=web`)).body.jobs).toHaveLength(0);
  });

  test("GET /wait returns output; /exec and /wait take excerpt and until_output, /tail since, judged by the commands", async () => {
    const s = await started();
    const exec = await call(`${s.url}/exec`, {
      method: "POST",
      json: { command: ["sh", "-c", "echo one; echo ready; sleep 0.3; echo two; exec sleep 3664"], until: 60, until_output: "^ready$", excerpt: "tail", tail_lines: 1 },
    });
    expect(exec.body).toMatchObject({ ok: true, type: "run", state: "running", stdout: "ready\n", until_output: { pattern: "^ready$", matched: true, stream: "stdout", line: "ready" } });
    const id = exec.body.job_id as string;
    const w = await call(`${s.url}/wait/${id}?until=60&until_output=two&excerpt=head&max_bytes=4`);
    expect(w.body).toMatchObject({ ok: true, type: "wait", state: "running", stdout: "one\n", stdout_truncated: true, encoding: "utf-8-lossy", until_output: { matched: true, line: "two" } });
    const since = await call(`${s.url}/tail/${id}?since=${exec.body.cursor}`);
    expect(since.body).toMatchObject({ ok: true, type: "tail", stdout: "two\n", stdout_range: [10, 14] });
    // A head excerpt's cursor continues after the head.
    expect((await call(`${s.url}/tail/${id}?since=${w.body.cursor}`)).body.stdout).toBe("ready\ntwo\n");
    // The same validation as the CLI's, in the API's words.
    expectError(await call(`${s.url}/tail/${id}?since=nope`), 400, "invalid_argument");
    expectError(await call(`${s.url}/wait/${id}?excerpt=middle`), 400, "invalid_argument");
    expectError(await call(`${s.url}/wait/${id}?until_output=(x`), 400, "invalid_argument");
    const before = readdirSync(fx.root).length;
    const bad = await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], until_output: "(x" } });
    expectError(bad, 400, "invalid_argument");
    expect(bad.body.error.message).toMatch(/^until_output "\(x": not a valid regex/);
    expectError(await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], excerpt: 3 } }), 400, "invalid_argument");
    expect(readdirSync(fx.root).length).toBe(before);
  });

  test("errors: 400, 404, 405, 413 and 500 with error codes", async () => {
    const s = await started();
    const post = (path: string, body: string) => call(`${s.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expectError(await post("/exec", "{}"), 400, "invalid_request");
    expectError(await post("/exec", ""), 400, "invalid_request");
    expectError(await post("/exec", "{not json"), 400, "invalid_request");
    expectError(await post("/exec", "[1]"), 400, "invalid_request");
    expectError(await post("/exec", '{"command":[]}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["echo",1]}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["true"],"bogus":1}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["true"],"env":{"A":1}}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["true"],"timeout":-1}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["true"],"until":1,"forever":true}'), 400, "invalid_request");
    expectError(await post("/exec", '{"command":["true"],"tags":["bad tag"]}'), 400, "invalid_request");
    expectError(await post("/exec", `{"command":["true"],"cwd":${JSON.stringify(join(fx.work, "missing"))}}`), 400, "invalid_argument");
    expectError(await call(`${s.url}/tail/X?tail_lines=abc`), 400, "invalid_request");
    expectError(await call(`${s.url}/wait/X?until=-1`), 400, "invalid_request");
    expectError(await call(`${s.url}/jobs?state=sleeping`), 400, "invalid_request");
    expectError(await call(`${s.url}/jobs?all=1&cwd=/tmp`), 400, "invalid_request");
    expectError(await call(`${s.url}/status/..%2Fetc`), 400, "invalid_job_id");
    expectError(await call(`${s.url}/status/a.b`), 400, "invalid_job_id");
    // nothing was created by any of the above
    expect((await call(`${s.url}/jobs`)).body.jobs).toHaveLength(0);

    for (const path of ["/status/0123456789ABCDEFGHJKMNPQRS", "/status/nonexistent_id_xyz", "/tail/7ZZZ", "/wait/7ZZZ"]) {
      expectError(await call(`${s.url}${path}`), 404, "job_not_found");
    }
    expectError(await call(`${s.url}/kill/7ZZZ`, { method: "POST" }), 404, "job_not_found");
    expectError(await call(`${s.url}/nope`), 404, "not_found");
    expectError(await call(`${s.url}/status`), 404, "not_found");
    expectError(await call(`${s.url}/status/a/b`), 404, "not_found");

    const wrong = await call(`${s.url}/exec`);
    expectError(wrong, 405, "method_not_allowed");
    expect(wrong.headers.get("allow")).toBe("POST");
    expectError(await call(`${s.url}/kill/7ZZZ`), 405, "method_not_allowed");
    expectError(await call(`${s.url}/status/7ZZZ`, { method: "POST" }), 405, "method_not_allowed");
    expectError(await call(`${s.url}/health`, { method: "DELETE" }), 405, "method_not_allowed");

    const big = JSON.stringify({ command: ["echo", "x".repeat(1024 * 1024)] });
    expectError(await post("/exec", big), 413, "payload_too_large");
    // the server is still fine afterwards
    expect((await call(`${s.url}/health`)).status).toBe(200);

    // kill on a job that was never started: invalid_state; ambiguous prefix; corrupt state: 500
    const done = await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"] } });
    const id = done.body.job_id as string;
    const twin = `${id.slice(0, 25)}${id.endsWith("Z") ? "Y" : "Z"}`;
    cpSync(fx.jobDir(id), fx.jobDir(twin), { recursive: true });
    const state = fx.readState(twin);
    writeFileSync(join(fx.jobDir(twin), "state.json"), JSON.stringify({ ...state, job: { ...state.job, id: twin, status: "created" }, pid: undefined, supervisor_pid: undefined }));
    expectError(await call(`${s.url}/kill/${twin}`, { method: "POST" }), 400, "invalid_state");
    const ambiguous = await call(`${s.url}/status/${id.slice(0, 25)}`);
    expectError(ambiguous, 400, "ambiguous_job_id");
    expect(ambiguous.body.error.details.candidates).toHaveLength(2);
    writeFileSync(join(fx.jobDir(twin), "state.json"), "{broken");
    expectError(await call(`${s.url}/status/${twin}`), 500, "corrupt_job");
  });

  test("GET /tail?max_bytes= beyond the documented maximum (4 MiB) returns the maximum from the end of a 300 MB log", async () => {
    const s = await started();
    const id = (await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"] } })).body.job_id as string;
    const size = 300 * 1024 * 1024;
    truncateSync(join(fx.jobDir(id), "stdout.log"), size); // sparse: NUL bytes at no cost
    const tl = await call(`${s.url}/tail/${id}?tail_lines=0&max_bytes=4e9`);
    expect(tl.status, JSON.stringify(tl.body).slice(0, 300)).toBe(200);
    expect(tl.body).toMatchObject({ ok: true, type: "tail", stdout_total_bytes: size, stdout_range: [size - 4 * 1024 * 1024, size] });
    expect(tl.body.stdout.length).toBe(4 * 1024 * 1024);
    // The server's peak resident set stays far below the log's size (before the cap: 2.2 GB, then a 500).
    const peakKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${s.child.pid}/status`, "utf8"))![1]);
    expect(peakKiB).toBeLessThan(320 * 1024);
  });

  test("POST /exec takes the CLI's notification options; bad ones are 400 and create no job", async () => {
    const s = await started();
    const events = join(fx.work, "served-events.ndjson");
    const matches = join(fx.work, "served-matches.ndjson");
    const r = await call(`${s.url}/exec`, {
      method: "POST",
      json: { command: ["sh", "-c", "echo ERROR one; echo fine; echo ERROR two"], notify_file: events, output_pattern: "^ERROR", output_match_type: "regex", output_file: matches },
    });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe("exited");
    const lines = (path: string) => () => {
      try {
        return readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line));
      } catch {
        return undefined;
      }
    };
    const finished = await eventually(lines(events));
    expect(finished).toEqual([expect.objectContaining({ event_type: "job.finished", job_id: r.body.job_id, state: "exited", exit_code: 0 })]);
    expect((await eventually(lines(matches))).map((m: any) => m.line)).toEqual(["ERROR one", "ERROR two"]);

    // A relative sink file is under the body's cwd, where the command runs.
    const relative = await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], cwd: fx.work, notify_file: "relative/events.ndjson" } });
    expect(relative.status).toBe(200);
    await eventually(lines(join(fx.work, "relative", "events.ndjson")));

    expectError(await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], notify_file: 3 } }), 400, "invalid_request");
    expectError(await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], output_pattern: "(", output_match_type: "regex" } }), 400, "invalid_argument");
    expectError(await call(`${s.url}/exec`, { method: "POST", json: { command: ["true"], output_stream: "stdin", output_pattern: "x" } }), 400, "invalid_argument");
    expect((await call(`${s.url}/jobs`)).body.jobs).toHaveLength(2);
  });

  test("a bearer token is required on every endpoint except /health", async () => {
    const s = await started(["--token", "s3cret"]);
    expect(s.hello.auth).toBe("bearer");
    expect(s.stdout).not.toContain("s3cret");
    expect((await call(`${s.url}/health`)).status).toBe(200);
    for (const [method, path] of [["GET", "/jobs"], ["POST", "/exec"], ["GET", "/status/7ZZZ"], ["GET", "/tail/7ZZZ"], ["GET", "/wait/7ZZZ"], ["POST", "/kill/7ZZZ"], ["GET", "/nope"]]) {
      const missing = await call(`${s.url}${path}`, { method });
      expectError(missing, 401, "unauthorized");
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expectError(await call(`${s.url}${path}`, { method, token: "s3cre" }), 401, "unauthorized");
      expectError(await call(`${s.url}${path}`, { method, token: "s3cret-and-more" }), 401, "unauthorized");
      expectError(await call(`${s.url}${path}`, { method, headers: { authorization: "Basic s3cret" } }), 401, "unauthorized");
    }
    const exec = await call(`${s.url}/exec`, { method: "POST", token: "s3cret", json: { command: ["echo", "ok"] } });
    expect(exec.body).toMatchObject({ ok: true, type: "run", stdout: "ok\n" });
    expect((await call(`${s.url}/status/${exec.body.job_id}`, { token: "s3cret" })).body.state).toBe("exited");
    expect((await call(`${s.url}/jobs`, { token: "s3cret" })).body.jobs).toHaveLength(1);

    // AGENT_EXEC_SERVE_TOKEN (the reference's name) and AGENT_EXEC_TOKEN work the same way, the first first
    for (const env of [{ AGENT_EXEC_SERVE_TOKEN: "from-env" }, { AGENT_EXEC_TOKEN: "from-env" }, { AGENT_EXEC_SERVE_TOKEN: "from-env", AGENT_EXEC_TOKEN: "other" }]) {
      const e = await started([], env);
      expect(e.hello.auth).toBe("bearer");
      expectError(await call(`${e.url}/jobs`), 401, "unauthorized");
      expect((await call(`${e.url}/jobs`, { token: "from-env" })).status).toBe(200);
      // jobs do not inherit the server's token
      const leak = await call(`${e.url}/exec`, { method: "POST", token: "from-env", json: { command: 'echo "${AGENT_EXEC_SERVE_TOKEN-unset} ${AGENT_EXEC_TOKEN-unset}"' } });
      expect(leak.body).toMatchObject({ ok: true, type: "run", stdout: "unset unset\n" });
      e.child.kill("SIGKILL");
    }
  });

  test("a non-loopback bind needs both --insecure and a token; a busy port is an error envelope", async () => {
    for (const [args, env, missing] of [
      [[], {}, /missing --insecure and a token/],
      [["--token", "t"], {}, /missing --insecure$/],
      [["--insecure"], {}, /missing a token/],
      [["--insecure"], { AGENT_EXEC_SERVE_TOKEN: "  " }, /missing a token/],
    ] as const) {
      const refused = await serve(["--bind", "0.0.0.0:0", ...args], env);
      expect(refused.code, refused.stdout).toBe(1);
      expect(refused.stdout.split("\n")).toHaveLength(2);
      const envelope = JSON.parse(refused.stdout);
      expect(envelope).toMatchObject({ schema_version: "0.1", ok: false, type: "error", error: { code: "serve_unsafe_bind" } });
      expect(envelope.error.message).toMatch(missing);
    }

    const exposed = await serve(["--bind", "0.0.0.0:0", "--insecure"], { AGENT_EXEC_SERVE_TOKEN: "t" });
    expect(exposed.hello).toMatchObject({ ok: true, type: "serve", auth: "bearer" });
    expect(exposed.hello.bind).toMatch(/^0\.0\.0\.0:\d+$/);
    // reach it over loopback only; the names that reach a non-loopback bind cannot be known, so any
    // Host is accepted (the token is what guards it), but a browser's Origin is still refused
    const port = exposed.hello.bind.split(":")[1];
    expect((await raw(`http://127.0.0.1:${port}/health`, { headers: { host: `devbox.lan:8080` } })).status).toBe(200);
    expectError(await raw(`http://127.0.0.1:${port}/jobs`, { headers: { host: "devbox.lan" } }), 401, "unauthorized");
    expect((await raw(`http://127.0.0.1:${port}/jobs`, { headers: { host: "devbox.lan", authorization: "Bearer t" } })).status).toBe(200);
    expectError(await raw(`http://127.0.0.1:${port}/jobs`, { headers: { authorization: "Bearer t", origin: "https://evil.example" } }), 403, "forbidden_origin");

    const first = await started();
    const busy = await serve(["--bind", first.hello.bind]);
    expect(busy.code).toBe(1);
    expect(JSON.parse(busy.stdout)).toMatchObject({ ok: false, type: "error", error: { code: "serve_bind_failed" } });

    const bad = await serve(["--bind", "127.0.0.1:99999"]);
    expect(bad.code).toBe(2); // a usage error, like --port 99999 (test/integration/durations.test.ts)
    expect(bad.stdout).toBe("");
  });

  test("a web page cannot drive the server: a foreign Origin, a rebound Host, a non-JSON body are refused before anything runs", async () => {
    const s = await started();
    const port = new URL(s.url).port;
    const marker = join(fx.work, "pwned");
    const exec = JSON.stringify({ command: ["touch", marker] });
    const json = { "content-type": "application/json" };

    // what a page on another site can send without a CORS preflight: text/plain, a form, no body type
    const forged: { method: string; headers: Record<string, string>; code: string; status?: number }[] = [
      { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain;charset=UTF-8" }, code: "forbidden_origin" },
      { method: "POST", headers: { origin: "https://evil.example", ...json }, code: "forbidden_origin" },
      { method: "POST", headers: { origin: "null", ...json }, code: "forbidden_origin" },
      { method: "POST", headers: { origin: `http://localhost:${Number(port) + 1}`, ...json }, code: "forbidden_origin" },
      // DNS rebinding: the page's own name now resolves to 127.0.0.1, so the browser sends no Origin
      { method: "POST", headers: { host: `rebind.evil.example:${port}`, ...json }, code: "invalid_host" },
      { method: "POST", headers: { host: `127.0.0.1.evil.example:${port}`, ...json }, code: "invalid_host" },
      { method: "POST", headers: { host: "localhost", ...json }, code: "invalid_host" },
      { method: "POST", headers: { "content-type": "text/plain" }, code: "unsupported_media_type", status: 415 },
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, code: "unsupported_media_type", status: 415 },
      { method: "POST", headers: { "content-type": "multipart/form-data; boundary=x" }, code: "unsupported_media_type", status: 415 },
      { method: "POST", headers: { "content-type": "application/jsonx" }, code: "unsupported_media_type", status: 415 },
      { method: "POST", headers: {}, code: "unsupported_media_type", status: 415 },
    ];
    for (const { method, headers, code, status } of forged) {
      const r = await raw(`${s.url}/exec`, { method, headers, body: exec });
      expectError(r, status ?? 403, code);
      expect(r.headers["access-control-allow-origin"], JSON.stringify(headers)).toBeUndefined();
    }
    // reads are refused too: a rebound page could otherwise read every job's output
    expectError(await raw(`${s.url}/jobs`, { headers: { host: `rebind.evil.example:${port}` } }), 403, "invalid_host");
    expectError(await raw(`${s.url}/tail/7ZZZ`, { headers: { origin: "https://evil.example" } }), 403, "forbidden_origin");
    // an <img>/<script> request carries no Origin, but Sec-Fetch-Site says it came from elsewhere
    expectError(await raw(`${s.url}/jobs`, { headers: { "sec-fetch-site": "cross-site" } }), 403, "forbidden_origin");
    expectError(await raw(`${s.url}/jobs`, { headers: { "sec-fetch-site": "same-site" } }), 403, "forbidden_origin");
    // no CORS by default: a preflight is refused and gets no Access-Control-* header
    const preflight = await raw(`${s.url}/exec`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expectError(preflight, 403, "forbidden_origin");
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(fx.root)).toEqual([]);

    // curl, agents, scripts: no Origin, and the Host of a loopback name or the bound address
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`]) {
      expect((await raw(`${s.url}/health`, { headers: { host } })).status, host).toBe(200);
    }
    expect((await raw(`${s.url}/jobs`, { headers: { "sec-fetch-site": "none" } })).status).toBe(200);
    const legit = await raw(`${s.url}/exec`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: exec });
    expect(legit.status, JSON.stringify(legit.body)).toBe(200);
    expect(legit.body).toMatchObject({ ok: true, type: "run", state: "exited", exit_code: 0 });
    expect(existsSync(marker)).toBe(true);
    expect(legit.headers["access-control-allow-origin"]).toBeUndefined();
    // a POST without a body needs no Content-Type
    expectError(await raw(`${s.url}/kill/7ZZZ?signal=INT`, { method: "POST" }), 404, "job_not_found");
  });

  test("--allow-origin: CORS for exactly that origin, preflight included; * and non-origins are refused at startup", async () => {
    const app = "https://app.example.com";
    const s = await started(["--allow-origin", "HTTPS://App.Example.com:443/", "--token", "t"]);
    expect(s.hello.allow_origin).toBe(app);

    const preflight = await raw(`${s.url}/exec`, {
      method: "OPTIONS",
      headers: { origin: app, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type", "access-control-request-private-network": "true" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": app,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "Authorization, Content-Type",
      "access-control-allow-private-network": "true",
      vary: "Origin",
    });
    expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();

    // the page's requests are answered with the header, errors included, so it can read them
    const denied = await raw(`${s.url}/exec`, { method: "POST", headers: { origin: app, "content-type": "application/json" }, body: '{"command":["true"]}' });
    expectError(denied, 401, "unauthorized");
    expect(denied.headers["access-control-allow-origin"]).toBe(app);
    const ran = await raw(`${s.url}/exec`, { method: "POST", headers: { origin: app, authorization: "Bearer t", "content-type": "application/json" }, body: '{"command":["echo","from the page"]}' });
    expect(ran.body).toMatchObject({ ok: true, type: "run", stdout: "from the page\n" });
    expect(ran.headers["access-control-allow-origin"]).toBe(app);
    expect(ran.headers.vary).toBe("Origin");
    // still JSON only, even from the allowed origin
    expectError(await raw(`${s.url}/exec`, { method: "POST", headers: { origin: app, authorization: "Bearer t", "content-type": "text/plain" }, body: "{}" }), 415, "unsupported_media_type");

    // any other origin: refused, no CORS header; a request without Origin gets none either
    for (const origin of ["http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.example", "null"]) {
      for (const method of ["OPTIONS", "GET"]) {
        const r = await raw(`${s.url}/jobs`, { method, headers: { origin, "access-control-request-method": "GET", authorization: "Bearer t" } });
        expectError(r, 403, "forbidden_origin");
        expect(r.headers["access-control-allow-origin"]).toBeUndefined();
      }
    }
    const plain = await raw(`${s.url}/jobs`, { headers: { authorization: "Bearer t" } });
    expect(plain.status).toBe(200);
    expect(plain.headers["access-control-allow-origin"]).toBeUndefined();

    for (const bad of ["*", "https://app.example.com/path", "app.example.com", "ftp://app.example.com", "null"]) {
      const refused = await serve(["--port", "0", "--allow-origin", bad]);
      expect(refused.code, bad).toBe(1);
      expect(JSON.parse(refused.stdout), bad).toMatchObject({ ok: false, type: "error", error: { code: "invalid_config" } });
    }
  });

  test("SIGTERM: stops accepting, lets the in-flight request finish, exits 0", async () => {
    const s = await started();
    // The job (and so the request) ends only when the test creates `go`, after the SIGTERM.
    const go = join(fx.work, "go");
    const inFlight = call(`${s.url}/exec`, { method: "POST", json: { command: ["sh", "-c", `until [ -e '${go}' ]; do sleep 0.02; done; echo finished`] } });
    // the request is in flight once its job runs
    await eventually(() => readdirSync(fx.root).some((id) => readJsonIfThere(join(fx.jobDir(id), "state.json"))?.job.status === "running"), 20_000);
    s.child.kill("SIGTERM");
    // no longer accepting (within the grace the in-flight request has)
    while (await fetch(`${s.url}/health`).then(() => true, () => false)) await new Promise((r) => setTimeout(r, 20));
    expect(s.child.exitCode).toBe(null); // still answering the request in flight
    writeFileSync(go, "");
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, type: "run", state: "exited", exit_code: 0, stdout: "finished\n" });
    expect(await s.exited).toBe(0);
  });

  test("200 concurrent POST /exec (wait:false), then GET /wait for each: every job accounted for", { timeout: 300_000 }, async () => {
    const s = await started();
    const N = 200;
    const execs = await Promise.all(
      Array.from({ length: N }, (_, n) => call(`${s.url}/exec`, { method: "POST", json: { command: ["echo", String(n)], wait: false } })),
    );
    for (const e of execs) expect(e.status, JSON.stringify(e.body)).toBe(200);
    const ids = execs.map((e) => e.body.job_id as string);
    expect(new Set(ids).size).toBe(N);
    const waits = await Promise.all(ids.map((id) => call(`${s.url}/wait/${id}?forever=true`)));
    for (const w of waits) {
      expect(w.body, `${JSON.stringify(w.body)} ${supervisorLog(w.body.job_id)}`).toMatchObject({ ok: true, type: "wait", state: "exited", exit_code: 0 });
    }
    expect(waits.map((w) => w.body.job_id)).toEqual(ids);
    for (const [n, id] of ids.entries()) expect(readFileSync(join(fx.jobDir(id), "stdout.log"), "utf8")).toBe(`${n}\n`);
    const listed = await call(`${s.url}/jobs?limit=0`);
    expect(listed.body.jobs).toHaveLength(N);
  });

  test("POST /kill/{id} takes grace (body or query): SIGKILL for a job still running after it", async () => {
    const s = await started();
    const job = await call(`${s.url}/exec`, { method: "POST", json: { command: "trap '' TERM; sleep 3664", wait: false } });
    // The sleep running means the trap is set: a TERM before it would end the shell at once.
    await eventually(() => processesWithArgv(["sleep", "3664"]).length > 0, 20_000);
    const bad = await call(`${s.url}/kill/${job.body.job_id}?grace=-1`, { method: "POST" });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const wrongType = await call(`${s.url}/kill/${job.body.job_id}`, { method: "POST", json: { grace: "1" } });
    expect(wrongType.body).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const killed = await call(`${s.url}/kill/${job.body.job_id}`, { method: "POST", json: { grace: 0.3 } });
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ ok: true, type: "kill", sent_signal: "SIGTERM", escalated_to: "SIGKILL", state: "killed", terminated_signal: "SIGKILL" });
  });

  test("POST /exec refuses timeout_ms (0.2.31: timeout is in seconds), naming the field to use; nothing is started", async () => {
    const s = await started();
    const refused = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3664"], timeout_ms: 1000 } });
    expectError(refused, 400, "invalid_request");
    expect(refused.body.error.message).toContain('give "timeout" in seconds');
    expect((await call(`${s.url}/jobs?all=true`)).body.jobs).toEqual([]);
  });

  test("POST /kill/{id}?no_wait=true signals and answers at once in the legacy shape", async () => {
    const s = await started();
    const job = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3664"], wait: false } });
    await eventually(() => fx.readState(job.body.job_id).pgid, 20_000);
    const killed = await call(`${s.url}/kill/${job.body.job_id}?no_wait=true`, { method: "POST" });
    expect(killed.status).toBe(200);
    expect(killed.body).toEqual({ schema_version: "0.1", ok: true, type: "kill", job_id: job.body.job_id, signal: "TERM", sent_signal: "SIGTERM" });
    expect((await call(`${s.url}/wait/${job.body.job_id}?forever=1`)).body).toMatchObject({ state: "killed", signal: "SIGTERM" });
  });
});
