import { spawn, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, eventually } from "../helpers/cli.js";
import { useJobFixture } from "../helpers/jobs.js";
import { isAlive } from "../helpers/procs.js";
import { ajv } from "../helpers/schema.js";

// `agent-exec mcp` driven by the SDK's own client over stdio, spawning the built CLI.

const fx = useJobFixture(["sleep 3861", "sleep 3862", "sleep 3863", "sleep 3864"]);
const clients: Client[] = [];

// Every tool result checked against the shipped schema: an envelope by its type, an error as McpToolError.
const DEFINITION: Record<string, string> = { run: "RunResponse", status: "StatusResponse", tail: "TailResponse", wait: "WaitResponse", kill: "KillResponse", list: "ListResponse", error: "McpToolError" };

function expectValid(envelope: any): void {
  const validate = ajv.getSchema(`agent-exec#/definitions/${DEFINITION[envelope.type]}`)!;
  expect(validate(envelope), `${envelope.type}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(envelope)}`).toBe(true);
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

async function connect(env: Record<string, string> = {}): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--", CLI, "mcp", "--root", fx.root],
    cwd: fx.work,
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: "pipe",
  });
  const client = new Client({ name: "agent-exec-test", version: "1" });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

/** The tool's envelope (structuredContent), after checking the text block carries the same object. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ envelope: any; isError: boolean }> {
  const result: any = await client.callTool({ name, arguments: args });
  expect(JSON.parse(result.content[0].text)).toEqual(result.structuredContent);
  expectValid(result.structuredContent);
  return { envelope: result.structuredContent, isError: result.isError === true };
}

async function okCall(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const { envelope, isError } = await call(client, name, args);
  expect(isError, JSON.stringify(envelope)).toBe(false);
  expect(envelope).toMatchObject({ schema_version: "0.1", ok: true, type: name });
  return envelope;
}

async function errorCall(client: Client, name: string, args: Record<string, unknown>, code: string): Promise<any> {
  const { envelope, isError } = await call(client, name, args);
  expect(isError).toBe(true);
  expect(envelope).toMatchObject({ schema_version: "0.1", ok: false, type: "error", error: { code, retryable: false }, isError: true });
  expect(envelope.message).toBe(envelope.error.message);
  return envelope.error;
}

const jobs = () => readdirSync(fx.root);

describe("agent-exec mcp", () => {
  it("lists 0.2.31's tools and list, with their input schemas", async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["kill", "list", "run", "status", "tail", "wait"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const t of tools) expect(t.outputSchema?.type).toBe("object");
    const run = byName.run!.inputSchema as any;
    expect(run.additionalProperties).toBe(false);
    expect(run.required).toEqual(["command"]);
    // 0.2.31's parameters, then issue 14's output and readiness ones.
    expect(Object.keys(run.properties).sort()).toEqual(["command", "compress", "cwd", "env", "excerpt", "max_bytes", "stdin", "stdin_file", "tail_lines", "timeout", "until", "until_output"]);
    expect(run.properties.command).toMatchObject({ type: "array", items: { type: "string" } });
    expect(run.properties.stdin.type).toBe("string");
    expect(run.properties.stdin_file.description).toContain("server-local");
    expect(byName.status!.inputSchema).toMatchObject({ required: ["job_id"], properties: { job_id: { type: "string" } } });
    expect(byName.kill!.inputSchema).toMatchObject({ required: ["job_id"] });
    expect(byName.tail!.inputSchema).toMatchObject({ properties: { lines: { type: "integer", minimum: 0 }, max_bytes: { type: "integer", minimum: 0 } } });
    expect(byName.wait!.inputSchema).toMatchObject({ properties: { until: { type: "number" }, until_output: { type: "string" }, excerpt: { enum: ["head", "tail", "both"] } } });
    expect(byName.tail!.inputSchema).toMatchObject({ properties: { since: { type: "string" } } });
    expect(Object.keys((byName.list!.inputSchema as any).properties).sort()).toEqual(["all", "cwd", "limit", "state", "tags"]);
  });

  it("runs a job and follows it with status, tail, wait, list and kill", async () => {
    const { client } = await connect();
    const run = await okCall(client, "run", { command: ["sh", "-c", "printf 'first\\nsecond\\n'; exec sleep 3861"], until: 0, env: { GREETING: "hi" } });
    expect(["created", "running"]).toContain(run.state);
    const id = run.job_id;
    expect(fx.readMeta(id).env_vars).toEqual(["GREETING=hi"]);
    await eventually(() => fx.readState(id).job.status === "running" && fx.readState(id).pid);
    const pid = fx.readState(id).pid;

    expect(await okCall(client, "status", { job_id: id })).toMatchObject({ job_id: id, state: "running" });
    await eventually(async () => (await okCall(client, "tail", { job_id: id })).stdout === "first\nsecond\n");
    const tail = await okCall(client, "tail", { job_id: id, lines: 1, max_bytes: 128 });
    expect(tail).toMatchObject({ stdout: "second\n", stdout_range: [6, 13], stdout_total_bytes: 13, stderr_total_bytes: 0 });

    const waited = await okCall(client, "wait", { job_id: id, until: 0 });
    expect(waited.state).toBe("running");
    expect(waited.exit_code).toBeUndefined();
    expect(isAlive(pid)).toBe(true);

    const listed = await okCall(client, "list", {});
    expect(listed.jobs.map((j: any) => j.job_id)).toEqual([id]);

    const killed = await okCall(client, "kill", { job_id: id });
    expect(killed).toMatchObject({ job_id: id, signal: "TERM", state: "killed" });
    await eventually(() => !isAlive(pid));
    expect(fx.x(["status", id]).json.state).toBe("killed");
  });

  it("passes inline stdin as bytes, '-' included, and a server-local stdin_file", async () => {
    const { client } = await connect();
    expect((await okCall(client, "run", { command: ["cat"], stdin: "alpha\nbeta\n" })).stdout).toBe("alpha\nbeta\n");
    // The transport is this server's stdin: "-" must not read it.
    expect((await okCall(client, "run", { command: ["cat"], stdin: "-" })).stdout).toBe("-");
    const file = join(fx.scratch(), "input.txt");
    writeFileSync(file, "from a file\n");
    expect((await okCall(client, "run", { command: ["cat"], stdin_file: file })).stdout).toBe("from a file\n");
    // Neither: null stdin, so cat sees EOF at once instead of JSON-RPC frames.
    expect((await okCall(client, "run", { command: ["sh", "-c", "cat; echo eof"] })).stdout).toBe("eof\n");
  });

  it("refuses an inline stdin over 64 MiB with stdin_too_large, launching nothing", async () => {
    // A 64 MiB message is read in one pass (the SDK's own buffer alone takes minutes over it).
    const { client } = await connect();
    await errorCall(client, "run", { command: ["cat"], stdin: "a".repeat(64 * 1024 * 1024 + 1) }, "stdin_too_large");
    expect(jobs()).toEqual([]);
    expect((await okCall(client, "run", { command: ["echo", "ok"] })).stdout).toBe("ok\n");
  });

  it("answers a bad job id, a bad duration and bad arguments with the error envelope, creating nothing", async () => {
    const { client } = await connect();
    expect((await errorCall(client, "status", { job_id: "no-such-job" }, "job_not_found")).message).toContain("no-such-job");
    await errorCall(client, "wait", { job_id: "../etc", until: 1 }, "invalid_job_id");
    expect((await errorCall(client, "run", { command: ["true"], until: -1 }, "invalid_argument")).message).toContain("until");
    // Whole seconds, as 0.2.31's schema says; nothing is created.
    expect((await errorCall(client, "run", { command: ["true"], until: 1.5 }, "invalid_argument")).message).toContain("whole number");
    await errorCall(client, "run", { command: ["true"], timeout: 1e300 }, "invalid_argument");
    await errorCall(client, "run", { command: [] }, "invalid_argument");
    await errorCall(client, "run", { command: ["true"], env: { "A=B": "c" } }, "invalid_argument");
    expect((await errorCall(client, "list", { all: true, cwd: fx.work }, "invalid_argument")).message).toContain("cannot be used together");
    expect((await errorCall(client, "run", { command: ["cat"], stdin: "x", stdin_file: "/etc/hostname" }, "invalid_argument")).message).toContain("stdin_file");
    await errorCall(client, "run", { command: ["cat"], stdin_file: join(fx.work, "missing") }, "invalid_argument");
    // A wrong shape is a JSON-RPC InvalidParams error, as in 0.2.31, before anything runs.
    await expect(client.callTool({ name: "run", arguments: { command: "echo hello" } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "run", arguments: { command: ["true"], mask: ["X"] } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "tail", arguments: { job_id: "x", lines: 1.5 } })).rejects.toMatchObject({ code: -32602 });
    await expect(client.callTool({ name: "nope", arguments: {} })).rejects.toMatchObject({ code: -32602 });
    expect(jobs()).toEqual([]);
    // The session still serves.
    expect((await okCall(client, "run", { command: ["echo", "ok"] })).stdout).toBe("ok\n");
  });

  it("writes nothing but JSON-RPC on stdout, even with debug logging", async () => {
    const server = spawn(process.execPath, ["--", CLI, "mcp", "--root", fx.root, "-vv"], { cwd: fx.work, env: { ...process.env, AGENT_EXEC_LOG: "debug" } });
    let stdout = "";
    let stderr = "";
    server.stdout.on("data", (d) => (stdout += d));
    server.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => server.on("close", resolve));
    const send = (message: object) => server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/list" });
    send({ id: 3, method: "tools/call", params: { name: "run", arguments: { command: ["sh", "-c", "echo out; echo err >&2"] } } });
    send({ id: 4, method: "tools/call", params: { name: "status", arguments: { job_id: "missing" } } });
    send({ id: 5, method: "tools/call", params: { name: "run", arguments: { command: 1 } } });
    await eventually(() => stdout.split("\n").filter(Boolean).length === 5, 30_000);
    server.stdin.end();
    expect(await exited, stderr).toBe(0);
    const lines = stdout.split("\n");
    expect(lines.pop()).toBe("");
    // Requests are served concurrently, so answers may come in any order.
    const messages = lines.map((line) => JSON.parse(line)).sort((a, b) => a.id - b.id);
    for (const m of messages) expect(m.jsonrpc).toBe("2.0");
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(messages[2].result.structuredContent).toMatchObject({ ok: true, type: "run", stdout: "out\n", stderr: "err\n" });
    expect(messages[3].result).toMatchObject({ isError: true, structuredContent: { error: { code: "job_not_found" } } });
    expect(messages[4].error.code).toBe(-32602);
  });

  it("leaves a running job running when the client closes the transport", async () => {
    const { client, transport } = await connect();
    const serverPid = transport.pid!;
    // The job ends only when the test creates `go`, after the server is gone: a fixed sleep could
    // end first on a loaded machine.
    const go = join(fx.work, "go");
    const run = await okCall(client, "run", { command: ["sh", "-c", `until [ -e '${go}' ]; do sleep 0.02; done; echo done`], until: 0 });
    const id = run.job_id;
    await eventually(() => fx.readState(id).pid);
    const { pid, supervisor_pid } = fx.readState(id);
    await client.close();
    clients.splice(0);
    await eventually(() => !isAlive(serverPid));
    expect(isAlive(pid)).toBe(true);
    expect(isAlive(supervisor_pid)).toBe(true);
    expect(fx.readState(id).job.status).toBe("running");
    writeFileSync(go, "");
    const settled = await fx.settledStatus(id);
    expect(settled).toMatchObject({ state: "exited", exit_code: 0 });
    expect(fx.x(["tail", id]).json.stdout).toBe("done\n");
  });

  it("starts the job of a run still under way when stdin closes", async () => {
    const server = spawn(process.execPath, ["--", CLI, "mcp", "--root", fx.root], { cwd: fx.work, stdio: ["pipe", "ignore", "inherit"] });
    const exited = new Promise<number | null>((resolve) => server.on("close", resolve));
    const send = (message: object) => server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/call", params: { name: "run", arguments: { command: ["sh", "-c", "sleep 0.1; echo done"], until: 0 } } });
    server.stdin.end(); // before the answer
    expect(await exited).toBe(0);
    const [id] = await eventually(() => (jobs().length === 1 ? jobs() : undefined), 20_000);
    expect(await fx.settledStatus(id!)).toMatchObject({ state: "exited", exit_code: 0 });
    expect(fx.x(["tail", id!]).json.stdout).toBe("done\n");
  });

  it("caps every until at AGENT_EXEC_MCP_MAX_UNTIL_SECONDS instead of failing", async () => {
    const { client } = await connect({ AGENT_EXEC_MCP_MAX_UNTIL_SECONDS: "0" });
    // until 100 is cut to 0: run answers while the job still runs, and so does wait.
    const run = await okCall(client, "run", { command: ["sleep", "3862"], until: 100 });
    expect(["created", "running"]).toContain(run.state);
    await eventually(() => fx.readState(run.job_id).job.status === "running");
    const waited = await okCall(client, "wait", { job_id: run.job_id, until: 100 });
    expect(waited.state).toBe("running");
    // No until at all: run's 10 s default, capped too.
    expect(["created", "running"]).toContain((await okCall(client, "run", { command: ["sleep", "3862"] })).state);
    // A value the duration rule rejects is still an error, not capped into range.
    await errorCall(client, "wait", { job_id: run.job_id, until: 1e18 }, "invalid_argument");
    expect(fx.readState(run.job_id).job.status).toBe("running");
  });

  it("uses AGENT_EXEC_MCP_DEFAULT_UNTIL_SECONDS for an omitted until, and an explicit one over it", async () => {
    const { client } = await connect({ AGENT_EXEC_MCP_DEFAULT_UNTIL_SECONDS: "0" });
    const run = await okCall(client, "run", { command: ["sleep", "3863"] });
    expect(["created", "running"]).toContain(run.state);
    expect((await okCall(client, "wait", { job_id: run.job_id })).state).toMatch(/^(created|running)$/);
    // An explicit until wins over the default: the job is watched until it exits.
    expect(await okCall(client, "run", { command: ["echo", "waited"], until: 30 })).toMatchObject({ state: "exited", stdout: "waited\n" });
  });

  it("run and wait take excerpt and until_output, tail takes since; the commands judge the values", async () => {
    const { client } = await connect();
    const run = await okCall(client, "run", { command: ["sh", "-c", "echo one; echo ready; sleep 0.3; echo two; exec sleep 3864"], until: 60, until_output: "ready" });
    expect(run).toMatchObject({ state: "running", until_output: { matched: true, line: "ready" } });
    const waited = await okCall(client, "wait", { job_id: run.job_id, until: 60, until_output: "^two$", excerpt: "tail", tail_lines: 1 });
    expect(waited).toMatchObject({ state: "running", stdout: "two\n", stdout_truncated: true, until_output: { matched: true, line: "two" } });
    const since = await okCall(client, "tail", { job_id: run.job_id, since: run.cursor });
    expect(since).toMatchObject({ stdout: "two\n", cursor: waited.cursor });
    expect((await okCall(client, "status", { job_id: run.job_id })).command).toEqual(["sh", "-c", "echo one; echo ready; sleep 0.3; echo two; exec sleep 3864"]);
    expect((await errorCall(client, "tail", { job_id: run.job_id, since: "nope" }, "invalid_argument")).message).toMatch(/^since "nope": not a cursor/);
    const before = jobs().length;
    expect((await errorCall(client, "run", { command: ["true"], until_output: "(x" }, "invalid_argument")).message).toMatch(/^until_output/);
    expect(jobs().length).toBe(before);
  });

  it("refuses a malformed until variable on stderr before serving, with nothing on stdout", () => {
    for (const name of ["AGENT_EXEC_MCP_DEFAULT_UNTIL_SECONDS", "AGENT_EXEC_MCP_MAX_UNTIL_SECONDS"]) {
      for (const value of ["invalid", "-1.5", "18446744073709551615"]) {
        const result = spawnSync(process.execPath, ["--", CLI, "mcp", "--root", fx.root], { env: { ...process.env, [name]: value }, input: "", encoding: "utf8" });
        expect(result.status, `${name}=${value}`).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain(name);
      }
    }
  });
});
