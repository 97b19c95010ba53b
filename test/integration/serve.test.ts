import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { useJobFixture } from "../helpers/jobs.js";

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
  exited: Promise<number | null>;
}

const servers: ChildProcess[] = [];

afterEach(async () => {
  for (const child of servers.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
});

/** Starts `agent-exec serve`; resolves with its first stdout line parsed, or with its exit if it ends first. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served & { code?: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--", CLI, "--root", fx.root, "serve", ...args], {
    cwd: fx.work,
    env: { ...process.env, AGENT_EXEC_TOKEN: "", ...env },
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

    // timeout_ms ends the tree
    const timed = await call(`${s.url}/exec`, { method: "POST", json: { command: ["sleep", "3663"], timeout_ms: 300, until: 20 } });
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
    expectError(await post("/exec", '{"command":["true"],"timeout_ms":-1}'), 400, "invalid_request");
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

    // AGENT_EXEC_TOKEN works the same way
    const e = await started([], { AGENT_EXEC_TOKEN: "from-env" });
    expect(e.hello.auth).toBe("bearer");
    expectError(await call(`${e.url}/jobs`), 401, "unauthorized");
    expect((await call(`${e.url}/jobs`, { token: "from-env" })).status).toBe(200);
    // jobs do not inherit the server's token
    const leak = await call(`${e.url}/exec`, { method: "POST", token: "from-env", json: { command: 'echo "${AGENT_EXEC_TOKEN-unset}"' } });
    expect(leak.body).toMatchObject({ ok: true, type: "run", stdout: "unset\n" });
  });

  test("non-loopback binds need a token or --insecure; a busy port is an error envelope", async () => {
    const refused = await serve(["--bind", "0.0.0.0:0"]);
    expect(refused.code).toBe(1);
    const envelope = JSON.parse(refused.stdout);
    expect(envelope).toMatchObject({ schema_version: "0.1", ok: false, type: "error", error: { code: "serve_unsafe_bind" } });
    expect(refused.stdout.split("\n")).toHaveLength(2);

    const withToken = await serve(["--bind", "0.0.0.0:0", "--token", "t"]);
    expect(withToken.hello).toMatchObject({ ok: true, type: "serve", auth: "bearer" });
    expect(withToken.hello.bind).toMatch(/^0\.0\.0\.0:\d+$/);
    const insecure = await serve(["--bind", "0.0.0.0:0", "--insecure"]);
    expect(insecure.hello).toMatchObject({ ok: true, type: "serve", auth: "none" });
    // reach them over loopback only
    const port = insecure.hello.bind.split(":")[1];
    expect((await call(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const first = await started();
    const busy = await serve(["--bind", first.hello.bind]);
    expect(busy.code).toBe(1);
    expect(JSON.parse(busy.stdout)).toMatchObject({ ok: false, type: "error", error: { code: "serve_bind_failed" } });

    const bad = await serve(["--bind", "127.0.0.1:99999"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
  });

  test("SIGTERM: stops accepting, lets the in-flight request finish, exits 0", async () => {
    const s = await started();
    const inFlight = call(`${s.url}/exec`, { method: "POST", json: { command: ["sh", "-c", "sleep 1; echo finished"] } });
    // the request is in flight once its job exists
    for (let i = 0; i < 200 && (await listJobs()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    s.child.kill("SIGTERM");
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, type: "run", state: "exited", exit_code: 0, stdout: "finished\n" });
    expect(await s.exited).toBe(0);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();

    async function listJobs(): Promise<string[]> {
      const { readdirSync } = await import("node:fs");
      try {
        return readdirSync(fx.root);
      } catch {
        return [];
      }
    }
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
    ids.forEach((id, n) => expect(readFileSync(join(fx.jobDir(id), "stdout.log"), "utf8")).toBe(`${n}\n`));
    const listed = await call(`${s.url}/jobs?limit=0`);
    expect(listed.body.jobs).toHaveLength(N);
  });

  test("POST /kill/{id} takes grace (body or query): SIGKILL for a job still running after it", async () => {
    const s = await started();
    const job = await call(`${s.url}/exec`, { method: "POST", json: { command: "trap '' TERM; sleep 3664", wait: false } });
    await eventually(() => fx.readState(job.body.job_id).pgid, 20_000);
    const bad = await call(`${s.url}/kill/${job.body.job_id}?grace=-1`, { method: "POST" });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const wrongType = await call(`${s.url}/kill/${job.body.job_id}`, { method: "POST", json: { grace: "1" } });
    expect(wrongType.body).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const killed = await call(`${s.url}/kill/${job.body.job_id}`, { method: "POST", json: { grace: 0.3 } });
    expect(killed.status).toBe(200);
    expect(killed.body).toMatchObject({ ok: true, type: "kill", sent_signal: "SIGTERM", escalated_to: "SIGKILL", state: "killed", terminated_signal: "SIGKILL" });
  });
});
