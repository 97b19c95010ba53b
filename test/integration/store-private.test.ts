import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { CLI, cli, type CliResult } from "../helpers/cli.js";
import { failed, ok, useJobFixture } from "../helpers/jobs.js";

// The job store is private to the user and never follows a link planted in it (issue 11, items 7
// and 8). Sleep durations 3871-3874 belong to this file. Only 127.0.0.1 traffic.
const fx = useJobFixture(["sleep 3871"]);

const SECRET = "OUTSIDE-SECRET-7f3a";

/** The CLI under a given umask (a shell sets it, then execs node). */
function underUmask(umask: string, args: string[]): CliResult {
  const r = spawnSync("sh", ["-c", `umask ${umask} && exec "$0" -- "$@"`, process.execPath, CLI, "--root", fx.root, ...args], {
    cwd: fx.work,
    encoding: "utf8",
    timeout: 45_000,
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

const modeOf = (path: string) => lstatSync(path).mode & 0o777;

/** A file outside the root holding a secret; the test checks it is never read, changed or appended to. */
function outsideFile(content = `${SECRET}\n`): { path: string; unchanged: () => void } {
  const path = join(fx.scratch(), "outside.txt");
  writeFileSync(path, content);
  return { path, unchanged: () => expect(readFileSync(path, "utf8")).toBe(content) };
}

/** Replaces a job file with a symlink to `target`. */
function plantLink(id: string, name: string, target: string): void {
  const path = join(fx.jobDir(id), name);
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

describe("the store is private (0700 directories, 0600 files) whatever the umask", () => {
  test.each(["000", "022"])("umask %s", async (umask) => {
    rmSync(fx.root, { recursive: true }); // the CLI makes the root itself
    const elsewhere = fx.scratch();
    const logFile = join(elsewhere, "logs", "full.log");
    const run = underUmask(umask, [
      "run", "--stdin", "in", "--env", "A=1", "--log", logFile,
      "--notify-file", join(elsewhere, "events.ndjson"),
      "--output-pattern", "x", "--output-file", join(elsewhere, "matches.ndjson"),
      "--", "sh", "-c", "cat; echo x",
    ]);
    const ran = ok(run, "run").job_id;
    const created = ok(underUmask(umask, ["create", "--env", "T=s", "--mask", "T", "--", "true"]), "create").job_id;
    await fx.finishedSupervisor(ran); // its notification records are written by then

    expect(modeOf(fx.root)).toBe(0o700);
    const files: Record<string, number> = {};
    for (const id of [ran, created]) {
      expect(modeOf(fx.jobDir(id))).toBe(0o700);
      for (const name of readdirSync(fx.jobDir(id))) files[`${id === ran ? "run" : "create"}/${name}`] = modeOf(join(fx.jobDir(id), name));
    }
    for (const name of ["meta.json", "state.json", "stdout.log", "stderr.log", "full.log", "stdin.bin", "completion_event.json", "notification_events.ndjson"]) {
      expect(files).toHaveProperty([`run/${name}`]);
    }
    expect(files).toHaveProperty(["create/secrets.json"]);
    expect(Object.entries(files).filter(([, mode]) => mode !== 0o600)).toEqual([]);
    // --log elsewhere: the file and the directory made for it are private too
    expect(readFileSync(logFile, "utf8")).toContain("[STDOUT] inx");
    expect(modeOf(logFile)).toBe(0o600);
    expect(modeOf(join(elsewhere, "logs"))).toBe(0o700);
  });
});

describe("masked --env values are never written to meta.json nor echoed", () => {
  const token = "s3cret-tk-91";
  // The workload proves it got the value without the value appearing in its command.
  const script = 'echo "$TOKEN" | tr a-z A-Z';
  const shown = "S3CRET-TK-91\n";

  test("create keeps them in secrets.json (0600); start and restart still get them", async () => {
    const c = ok(fx.x(["create", "--env", `TOKEN=${token}`, "--env", "PLAIN=p", "--mask", "TOKEN", "--", script]), "create");
    const id = c.job_id;
    const metaText = readFileSync(join(fx.jobDir(id), "meta.json"), "utf8");
    expect(metaText).not.toContain(token);
    expect(JSON.parse(metaText).env_vars).toEqual(["TOKEN=***", "PLAIN=p"]);
    expect(JSON.parse(metaText)).not.toHaveProperty("env_vars_runtime");
    expect(modeOf(join(fx.jobDir(id), "secrets.json"))).toBe(0o600);

    const started = fx.x(["start", id]);
    expect(ok(started, "start").stdout).toBe(shown);
    const restarted = fx.x(["restart", id]);
    expect(ok(restarted, "restart").stdout).toBe(shown);
    const outputs = [c, started.stdout, restarted.stdout, fx.x(["status", id]).stdout, fx.x(["list", "--all"]).stdout, fx.x(["tail", id]).stdout];
    for (const output of outputs) expect(JSON.stringify(output)).not.toContain(token);
  });

  test("a run job writes no secrets file", () => {
    const id = ok(fx.x(["run", "--env", `TOKEN=${token}`, "--mask", "TOKEN", "--", script]), "run").job_id;
    expect(readdirSync(fx.jobDir(id))).not.toContain("secrets.json");
    expect(readFileSync(join(fx.jobDir(id), "meta.json"), "utf8")).not.toContain(token);
  });

  test("POST /exec takes mask like --mask", async () => {
    const server = spawn(process.execPath, ["--", CLI, "--root", fx.root, "serve", "--port", "0"], {
      cwd: fx.work,
      env: { ...process.env, AGENT_EXEC_TOKEN: "" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const hello = await new Promise<any>((resolve) => {
        let out = "";
        server.stdout!.on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))));
        });
      });
      const post = (body: object) =>
        fetch(`${hello.url}/exec`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const res = await post({ command: ["sh", "-c", script], env: { TOKEN: token }, mask: ["TOKEN"] });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(text).not.toContain(token);
      const body = JSON.parse(text);
      expect(body).toMatchObject({ ok: true, type: "run", env_vars: ["TOKEN=***"], stdout: shown });
      expect(readFileSync(join(fx.jobDir(body.job_id), "meta.json"), "utf8")).not.toContain(token);

      const bad = await post({ command: ["true"], mask: "TOKEN" });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.code).toBe("invalid_request");
    } finally {
      server.kill("SIGKILL");
    }
  });
});

describe("links inside a job directory are never followed", () => {
  test("tail refuses a symlinked log instead of printing its target, and a FIFO does not hang it", () => {
    const outside = outsideFile();
    const id = ok(fx.x(["run", "--", "echo", "hi"]), "run").job_id;
    plantLink(id, "stdout.log", outside.path);
    rmSync(join(fx.jobDir(id), "stderr.log"));
    expect(spawnSync("mkfifo", [join(fx.jobDir(id), "stderr.log")]).status).toBe(0);
    const r = fx.x(["tail", id], { timeoutMs: 15_000 });
    expect(r.code, "tail hung on a FIFO").not.toBeNull();
    expect(r.stdout).not.toContain(SECRET);
    expect(failed(r, "unsafe_job_file").message).toContain("stdout.log");
    rmSync(join(fx.jobDir(id), "stdout.log"));
    writeFileSync(join(fx.jobDir(id), "stdout.log"), "hi\n");
    expect(failed(fx.x(["tail", id], { timeoutMs: 15_000 }), "unsafe_job_file").message).toContain("stderr.log");
  });

  test("restart neither truncates a symlinked log's target nor writes to it", () => {
    const outside = outsideFile();
    const id = ok(fx.x(["run", "--", "echo", "hi"]), "run").job_id;
    plantLink(id, "stdout.log", outside.path);
    const error = failed(fx.x(["restart", id]), "unsafe_job_file");
    expect(error.message).toContain("symbolic link");
    outside.unchanged();
  });

  test("a started job does not append its output to a symlinked log's target", async () => {
    const outside = outsideFile();
    const id = ok(fx.x(["create", "--", "echo", "leaked"]), "create").job_id;
    plantLink(id, "stdout.log", outside.path);
    fx.x(["start", id]);
    const status = await fx.settledStatus(id);
    expect(status.state).toBe("failed");
    expect(status.reason).toContain("symbolic link");
    outside.unchanged();
  });

  test("a --log path that is a link is refused before any job exists", () => {
    const outside = outsideFile();
    const link = join(fx.scratch(), "full.log");
    symlinkSync(outside.path, link);
    expect(failed(fx.x(["run", "--log", link, "--", "echo", "leaked"]), "invalid_argument").message).toContain("symbolic link");
    expect(readdirSync(fx.root)).toEqual([]);
    outside.unchanged();
  });

  test("tag set does not rewrite a symlinked meta.json's target", () => {
    const id = ok(fx.x(["run", "--", "true"]), "run").job_id;
    const outside = outsideFile(readFileSync(join(fx.jobDir(id), "meta.json"), "utf8"));
    plantLink(id, "meta.json", outside.path);
    failed(fx.x(["tag", "set", id, "--tag", "changed"]), "unsafe_job_file");
    outside.unchanged();
  });

  test("kill does not rewrite a symlinked state.json's target", () => {
    const id = ok(fx.x(["run", "--", "true"]), "run").job_id;
    // An orphaned "running" job, which kill would record as ended: pids of processes already reaped.
    const gone = spawnSync("true").pid;
    const orphan = { ...fx.readState(id), job: { id, status: "running" }, pid: gone, supervisor_pid: gone, finished_at: null };
    const outside = outsideFile(JSON.stringify(orphan));
    plantLink(id, "state.json", outside.path);
    failed(fx.x(["kill", id]), "unsafe_job_file");
    outside.unchanged();
  });

  test("kill replaces a link at kill-request.json instead of writing through it", async () => {
    const outside = outsideFile();
    const id = ok(fx.x(["run", "--no-wait", "--", "sleep", "3871"]), "run").job_id;
    plantLink(id, "kill-request.json", outside.path);
    expect(ok(fx.x(["kill", id]), "kill").sent_signal).toBe("SIGTERM");
    outside.unchanged();
    expect(lstatSync(join(fx.jobDir(id), "kill-request.json")).isFile()).toBe(true);
    expect((await fx.settledStatus(id)).state).toBe("killed");
  });
});

describe("a root someone else could write into is refused", () => {
  afterEach(() => chmodSync(fx.root, 0o700));

  test.each([
    ["0777", 0o777],
    ["0770", 0o770],
    ["1777 (like /tmp)", 0o1777],
  ])("mode %s", (_, mode) => {
    chmodSync(fx.root, mode);
    const error = failed(fx.x(["run", "--", "true"]), "unsafe_root");
    expect(error.message).toContain("writable by");
    expect(error.details.root).toBe(fx.root);
    expect(readdirSync(fx.root)).toEqual([]);
    failed(fx.x(["list"]), "unsafe_root");
  });

  test("a root owned by another user", () => {
    let root = "/"; // owned by root: another user unless this test runs as root
    if (process.getuid!() === 0) {
      root = join(fx.scratch(), "theirs");
      mkdirSync(root, { mode: 0o700 });
      chownSync(root, 65534, 65534);
    }
    expect(statSync(root).uid).not.toBe(process.getuid!());
    const error = failed(cli(["--root", root, "list"]), "unsafe_root");
    expect(error.message).toContain("owned by uid");
  });
});
