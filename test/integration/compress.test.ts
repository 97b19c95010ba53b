import { spawn, } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { beforeEach, describe, expect, test } from "vitest";
import { CLI } from "../helpers/cli.js";
import { failed, ok, usageError, useJobFixture } from "../helpers/jobs.js";
import { makeGitRepo } from "../helpers/git-repo.js";
import { serversEndedAfterEach } from "../helpers/servers.js";

// The `compression` object wired into run, start, restart and tail on the CLI (--compress, --rtk),
// config.toml, HTTP and MCP; 0.2.31's compression tests (tests/integration.rs) are ported here.
// What the views say is the engine's (test/unit/compress*); here: which mode reaches which door,
// and that the raw fields never change.

const f = useJobFixture();
let config = ""; // XDG_CONFIG_HOME: no user config.toml leaks into a test
beforeEach(() => {
  config = f.scratch();
});
const x = (args: string[]) => f.x(args, { env: { XDG_CONFIG_HOME: config } });

function writeConfig(mode: string): string {
  const path = join(f.scratch(), "config.toml");
  writeFileSync(path, `[compression]\ndefault = "${mode}"\n`);
  return path;
}

const TWENTY_SAME = "for i in $(seq 1 20); do printf 'same\\n'; done";
/** Everything of a run/tail answer but the view: what compression must never change. */
const RAW_FIELDS = ["stdout", "stderr", "stdout_range", "stderr_range", "stdout_total_bytes", "stderr_total_bytes", "encoding", "stdout_log_path", "stderr_log_path"];
const raw = (answer: any) => Object.fromEntries(RAW_FIELDS.map((k) => [k, answer[k]]));

describe("compression on the CLI", { timeout: 120_000 }, () => {
  test("route by default; off omits the object; the raw fields are the same in every mode", () => {
    const v = ok(x(["run", "sh", "-c", "printf 'error: bad\\n'"]), "run");
    expect(v.compression).toMatchObject({ mode: "route", detected_kind: "errors", applied: true, stdout: "error: bad" });
    expect(v).toMatchObject({ stdout: "error: bad\n", stdout_range: [0, 11], stdout_total_bytes: 11, encoding: "utf-8-lossy" });
    const off = ok(x(["run", "--compress", "off", "echo", "hi"]), "run");
    expect(off).not.toHaveProperty("compression");
    const job = ok(x(["run", "sh", "-c", `${TWENTY_SAME}; printf 'warn\\n' >&2`]), "run").job_id;
    const tails = ["off", "logs", "summary", "json", "route"].map((mode) => ok(x(["tail", "--compress", mode, job]), "tail"));
    expect(tails[0]).not.toHaveProperty("compression");
    for (const t of tails) expect(raw(t)).toEqual(raw(tails[0]));
    expect(tails[1].compression).toMatchObject({ mode: "logs", applied: true });
    expect(tails[1].compression.stdout).toContain("repeated 20x");
  });

  test("--rtk is --compress; both naming different modes, or an unknown mode, is a usage error before anything runs", () => {
    const a = ok(x(["run", "--compress", "errors", "sh", "-c", "printf 'error: bad\\n'"]), "run");
    const b = ok(x(["run", "--rtk", "errors", "sh", "-c", "printf 'error: bad\\n'"]), "run");
    const both = ok(x(["run", "--compress", "errors", "--rtk", "errors", "sh", "-c", "printf 'error: bad\\n'"]), "run");
    for (const v of [a, b, both]) expect(v.compression).toMatchObject({ mode: "errors", strategy: a.compression.strategy });
    const before = readdirSync(f.root).length;
    for (const args of [
      ["run", "--compress", "errors", "--rtk", "logs", "--", "echo", "hi"],
      ["run", "--compress", "auto", "echo", "hi"],
      ["run", "--rtk", "", "echo", "hi"],
      ["tail", "--compress", "errors", "--rtk", "logs", a.job_id],
      ["start", "--rtk", "auto", a.job_id],
      ["restart", "--compress", "off", "--rtk", "route", a.job_id],
    ]) {
      const r = x(args);
      usageError(r);
      expect(r.stderr).toMatch(/--compress|--rtk/);
    }
    expect(readdirSync(f.root).length).toBe(before);
    expect(ok(x(["status", a.job_id]), "status").state).toBe("exited"); // restart did not touch it
  });

  test("the help lists both flags and the modes", () => {
    for (const verb of ["run", "start", "restart", "tail"]) {
      const help = x([verb, "--help"]).stdout.replace(/\s+/g, " "); // unwrapped
      expect(help).toContain("--compress <MODE>");
      expect(help).toContain("--rtk <MODE>");
      expect(help).toContain('(choices: "off", "route", "errors", "tests", "logs", "git", "json", "summary")');
    }
  });

  test("precedence: the flag > [compression].default > route; a bad default is config_error", () => {
    const off = writeConfig("off");
    expect(ok(x(["run", "--config", off, "echo", "hi"]), "run")).not.toHaveProperty("compression");
    expect(ok(x(["run", "--config", off, "--compress", "route", "echo", "hi"]), "run").compression.mode).toBe("route");
    expect(ok(x(["run", "--config", writeConfig("logs"), "echo", "hi"]), "run").compression.mode).toBe("logs");
    // tail (no --config, as in 0.2.31) reads the platform's config.toml.
    const job = ok(x(["run", "sh", "-c", TWENTY_SAME]), "run").job_id;
    expect(ok(x(["tail", job]), "tail").compression.mode).toBe("route");
    const dir = join(config, "agent-exec");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.toml"), '[compression]\ndefault = "summary"\n');
    expect(ok(x(["tail", job]), "tail").compression.mode).toBe("summary");
    expect(ok(x(["tail", "--rtk", "logs", job]), "tail").compression.mode).toBe("logs");
    writeFileSync(join(dir, "config.toml"), '[compression]\ndefault = "auto"\n');
    expect(failed(x(["tail", job]), "config_error").message).toContain("compression.default");
    const before = readdirSync(f.root).length;
    failed(x(["run", "--config", writeConfig("auto"), "echo", "hi"]), "config_error");
    expect(readdirSync(f.root).length).toBe(before);
  });

  test("start, restart and tail take the mode", () => {
    const id = ok(x(["create", "sh", "-c", TWENTY_SAME]), "create").job_id;
    const start = ok(x(["start", "--compress", "logs", id]), "start");
    expect(start.compression).toMatchObject({ mode: "logs", applied: true });
    const tail = ok(x(["tail", "--rtk", "logs", id]), "tail");
    expect(tail.compression.stdout).toContain("repeated 20x");
    const restart = ok(x(["restart", "--compress", "errors", id]), "restart");
    expect(restart.compression.mode).toBe("errors");
    expect(raw(restart)).toEqual(raw(start));
    expect(ok(x(["restart", "--rtk", "off", id]), "restart")).not.toHaveProperty("compression");
    const stored = ok(x(["create", "echo", "hi"]), "create").job_id;
    expect(ok(x(["start", "--config", writeConfig("off"), stored]), "start")).not.toHaveProperty("compression");
  });

  test("the expansion guard: a view not smaller than its stream is applied false with empty streams", () => {
    const json = ok(x(["run", "--compress", "json", "sh", "-c", "printf '%s' '{\"a\":1}'"]), "run");
    expect(json.stdout).toBe('{"a":1}');
    expect(json.compression).toMatchObject({ applied: false, stdout: "", stderr: "", strategy: ["expansion-guard"] });
    const perStream = ok(x(["run", "--compress", "summary", "sh", "-c", "printf 'ok\\n'; for i in $(seq 1 50); do printf 'line\\n' >&2; done"]), "run");
    expect(perStream.compression).toMatchObject({ applied: false, stdout_compressed_bytes: 0, stderr_compressed_bytes: 0, strategy: ["expansion-guard"] });
    expect(perStream.stdout).toBe("ok\n");
    const ndjson = ok(x(["run", "--compress", "off", "sh", "-c", "printf '{\"a\":1}\\n{\"b\":2}\\n'"]), "run").job_id;
    const tail = ok(x(["tail", ndjson]), "tail");
    expect(tail.compression).toMatchObject({ applied: false, stdout: "", strategy: ["expansion-guard"] });
    expect(tail.stdout_range[1]).toBe(tail.stdout_total_bytes);
    expect(JSON.stringify(tail.compression).length).toBeLessThan(tail.stdout.length + 250); // 0.2.31's bound on the fallback
  });
});

describe("route sees the job's command and output (0.2.31's route tests, through the CLI)", { timeout: 120_000 }, () => {
  function gitRepo(): string {
    const repo = f.scratch();
    makeGitRepo(repo);
    writeFileSync(join(repo, "file1.txt"), "line 1\nnew 1\nadded\n");
    return repo;
  }
  const smaller = (v: any) => expect(v.compression.stdout.length, JSON.stringify(v)).toBeLessThan(v.stdout.length);

  test("git log, diff, show and a guarded git branch", () => {
    const repo = gitRepo();
    const inRepo = (args: string[]) => ok(f.x(args, { cwd: repo, env: { XDG_CONFIG_HOME: config } }), "run");
    const log = inRepo(["run", "--rtk", "route", "--", "git", "log", "--stat", "-30"]);
    expect(log.compression).toMatchObject({ detected_kind: "git-log", applied: true });
    expect(log.compression.stdout).toContain("commit ");
    expect(log.compression.stdout).toContain("files, +");
    smaller(log);
    const diff = inRepo(["run", "--rtk", "route", "--", "git", "diff"]);
    expect(diff.stdout).toContain("diff --git");
    expect(diff.compression.detected_kind).toBe("git-diff");
    for (const part of ["file1.txt", "@@", "+"]) expect(diff.compression.stdout).toContain(part);
    smaller(diff);
    const show = inRepo(["run", "--rtk", "route", "--", "git", "show", "--stat", "--patch", "HEAD"]);
    expect(show.compression.detected_kind).toBe("git-show");
    expect(show.compression.stdout).toContain("file");
    const branch = inRepo(["run", "--rtk", "route", "--", "git", "branch"]);
    expect(branch.stdout).toContain("*");
    expect(branch.compression).toMatchObject({ applied: false, strategy: ["expansion-guard"] });
  });

  test("find, grep of stdin, env (secrets masked in the view only), a synthetic cargo test", () => {
    const src = join(f.scratch(), "src");
    for (const dir of ["a", "b"]) mkdirSync(join(src, dir), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(src, i % 2 ? "a" : "b", `module-${i}.ts`), "");
    const list = ok(x(["run", "--compress", "route", "find", src, "-type", "f"]), "run");
    expect(list.compression.detected_kind).toBe("list");
    expect(list.compression.stdout).toContain(":");
    smaller(list);
    const search = ok(x(["run", "--stdin", "needle one\nneedle two\nother\nneedle three\n", "--compress", "route", "grep", "-Hn", "needle", "/dev/stdin"]), "run");
    expect(search.compression.detected_kind).toBe("search");
    expect(search.compression.stdout).toContain("/dev/stdin: 3 match(es)");
    const env = ok(x(["run", "--compress", "route", "env", "SECRET_TOKEN=super_secret_value", "AWS_REGION=us-east-1"]), "run");
    expect(env.compression).toMatchObject({ detected_kind: "env", applied: true });
    expect(env.compression.stdout).toContain("SECRET_TOKEN=***");
    expect(env.compression.stdout).not.toContain("super_secret_value");
    expect(env.stdout).toContain("super_secret_value");
    // Variables of different prefixes each (no group to share a label) still make a smaller view,
    // once the secret's value is masked (it is long enough to pay for the AGENT_EXEC_ group's label).
    const vars = [`SECRET_TOKEN=${"s".repeat(60)}`, "AWS_REGION=us-east-1", "HOME=/home/someone", "LANG=C.UTF-8", "SHELL=/bin/sh", "TERM=xterm"];
    const few = ok(x(["run", "--no-inherit-env", ...vars.flatMap((v) => ["--env", v]), "--compress", "route", "--", "/usr/bin/env"]), "run");
    expect(few.compression).toMatchObject({ detected_kind: "env", applied: true });
    expect(few.compression.stdout).toContain("SECRET_TOKEN=***");
    const passing = "test tests::ok ... ok\\n".repeat(80);
    const frames = "   1: frame\\n".repeat(40);
    const script = `printf '%b' '${passing}test tests::broken ... FAILED\\n\\nfailures:\\n---- tests::broken stdout ----\\nassertion failed at src/lib.rs:9:5\\n${frames}test result: FAILED. 80 passed; 1 failed; 0 ignored; finished in 0.01s\\n'`;
    const cargo = ok(x(["run", "--rtk", "tests", "--", "sh", "-c", script]), "run");
    expect(cargo.compression.applied).toBe(true);
    for (const line of ["tests::broken", "assertion failed at src/lib.rs:9:5", "test result: FAILED"]) expect(cargo.compression.stdout).toContain(line);
    smaller(cargo);
  });
});

// ---- HTTP ----

const servers = serversEndedAfterEach();

/** `agent-exec serve --port 0`: its URL once it listens. */
function serve(): Promise<string> {
  const child = spawn(process.execPath, ["--", CLI, "--root", f.root, "serve", "--port", "0"], {
    cwd: f.work,
    env: { ...process.env, XDG_CONFIG_HOME: config, AGENT_EXEC_TOKEN: "", AGENT_EXEC_SERVE_TOKEN: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))).url);
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/exec`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe("compression over HTTP and MCP", { timeout: 120_000 }, () => {
  test("POST /exec and GET /tail/:id take compress; a bad one is invalid_request and runs nothing", async () => {
    const url = await serve();
    const command = ["sh", "-c", TWENTY_SAME];
    const byDefault = await post(url, { command });
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.compression).toMatchObject({ mode: "route" });
    const logs = await post(url, { command, compress: "logs" });
    expect(logs.body.compression).toMatchObject({ mode: "logs", applied: true });
    expect(logs.body.compression.stdout).toContain("repeated 20x");
    expect((await post(url, { command, compress: "off" })).body).not.toHaveProperty("compression");
    const before = readdirSync(f.root).length;
    for (const compress of ["auto", 3, ["logs"]]) {
      const bad = await post(url, { command, compress });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: "invalid_request" });
      expect(bad.body.error.message).toContain("compress");
    }
    expect(readdirSync(f.root).length).toBe(before);
    const id = logs.body.job_id;
    const tail = async (query: string) => (await fetch(`${url}/tail/${id}${query}`)).json() as Promise<any>;
    expect((await tail("")).compression.mode).toBe("route");
    const tailed = await tail("?compress=logs");
    expect(tailed.compression.stdout).toContain("repeated 20x");
    expect(raw(tailed)).toEqual(raw(await tail("?compress=off")));
    expect(await tail("?compress=off")).not.toHaveProperty("compression");
    expect((await tail("?compress=auto")).error).toMatchObject({ code: "invalid_request" });
  });

  test("MCP run and tail take compress, one of the modes", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--", CLI, "mcp", "--root", f.root],
      cwd: f.work,
      env: { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: config },
      stderr: "pipe",
    });
    const client = new Client({ name: "agent-exec-test", version: "1" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      for (const name of ["run", "tail"]) {
        const schema = tools.find((t) => t.name === name)!.inputSchema as any;
        expect(schema.properties.compress.enum).toEqual(["off", "route", "errors", "tests", "logs", "git", "json", "summary"]);
      }
      const call = async (name: string, args: object) => ((await client.callTool({ name, arguments: args as Record<string, unknown> })) as any).structuredContent;
      const run = await call("run", { command: ["sh", "-c", TWENTY_SAME], compress: "logs" });
      expect(run.compression).toMatchObject({ mode: "logs", applied: true });
      expect((await call("run", { command: ["echo", "hi"] })).compression.mode).toBe("route");
      expect(await call("tail", { job_id: run.job_id, compress: "off" })).not.toHaveProperty("compression");
      expect((await call("tail", { job_id: run.job_id, compress: "logs" })).compression.stdout).toContain("repeated 20x");
      await expect(client.callTool({ name: "run", arguments: { command: ["true"], compress: "auto" } })).rejects.toMatchObject({ code: -32602 });
    } finally {
      await client.close();
    }
  });
});
