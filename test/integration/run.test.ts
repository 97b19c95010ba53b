import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, test } from "vitest";
import { eventually } from "../helpers/cli.js";
import { ok, sleep, usageError, useJobFixture } from "../helpers/jobs.js";
import { processesMatching } from "../helpers/procs.js";

// Sleep durations 3711-3719 belong to this file.
const fx = useJobFixture(["sleep 3711", "sleep 3712", "sleep 3713", "sleep 3714"]);

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe("run: response", () => {
  test("echo hello: envelope, output excerpt, outcome and log paths", () => {
    const r = ok(fx.x(["run", "--", "echo", "hello"]), "run");
    expect(r.job_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(r.state).toBe("exited");
    expect(r.exit_code).toBe(0);
    expect(r).not.toHaveProperty("signal");
    expect(r.stdout).toBe("hello\n");
    expect(r.stderr).toBe("");
    expect(r.stdout_range).toEqual([0, 6]);
    expect(r.stderr_range).toEqual([0, 0]);
    expect(r.stdout_total_bytes).toBe(6);
    expect(r.stderr_total_bytes).toBe(0);
    expect(r.encoding).toBe("utf-8-lossy");
    expect(r.finished_at).toMatch(TIME);
    for (const key of ["duration_ms", "elapsed_ms", "waited_ms"]) {
      expect(typeof r[key], key).toBe("number");
      expect(r[key], key).toBeGreaterThanOrEqual(0);
    }
    expect(r.tags).toEqual([]);
    expect(isAbsolute(r.stdout_log_path)).toBe(true);
    expect(isAbsolute(r.stderr_log_path)).toBe(true);
    expect(r.stdout_log_path).toBe(join(fx.root, r.job_id, "stdout.log"));
    expect(r.stderr_log_path).toBe(join(fx.root, r.job_id, "stderr.log"));
    expect(readFileSync(r.stdout_log_path, "utf8")).toBe("hello\n");
    expect(readFileSync(r.stderr_log_path, "utf8")).toBe("");
  });

  test("a non-zero exit code is reported, without a signal", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "exit 7"]), "run");
    expect(r.state).toBe("exited");
    expect(r.exit_code).toBe(7);
    expect(r).not.toHaveProperty("signal");
  });

  test("a workload killed by a signal is killed with the signal's name and no exit code", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "kill -TERM $$"]), "run");
    expect(r.state).toBe("killed");
    expect(r.signal).toBe("SIGTERM");
    expect(r).not.toHaveProperty("exit_code");
  });

  test("--until on a long job answers running, without terminal fields", () => {
    const r = ok(fx.x(["run", "--until", "0.2", "--", "sleep", "3711"]), "run");
    expect(r.state).toBe("running");
    for (const key of ["exit_code", "finished_at", "signal", "duration_ms"]) expect(r).not.toHaveProperty(key);
    expect(processesMatching("sleep 3711").length).toBeGreaterThan(0);
  });
});

describe("run: --wait handling", () => {
  test("--no-wait answers at once (waited_ms 0) while the job runs", () => {
    const r = ok(fx.x(["run", "--no-wait", "--", "sleep", "3712"]), "run");
    expect(r.waited_ms).toBe(0);
    expect(r.state).toBe("running");
  });

  test("--wait false is --no-wait", () => {
    const r = ok(fx.x(["run", "--wait", "false", "--", "sleep", "3713"]), "run");
    expect(r.waited_ms).toBe(0);
    expect(r.state).toBe("running");
  });

  test("bare --wait before the command waits for the end", () => {
    const r = ok(fx.x(["run", "--wait", "--", "sh", "-c", "sleep 0.5; echo waited"]), "run");
    expect(r.state).toBe("exited");
    expect(r.stdout).toBe("waited\n");
  });

  test("--wait true waits for the end", () => {
    const r = ok(fx.x(["run", "--wait", "true", "--", "sh", "-c", "sleep 0.5; echo waited"]), "run");
    expect(r.state).toBe("exited");
    expect(r.stdout).toBe("waited\n");
  });

  test("--wait after the command belongs to the child's argv", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", 'echo "$1"', "sh", "--wait"]), "run");
    expect(r.state).toBe("exited");
    expect(r.stdout).toBe("--wait\n");
    expect(fx.readMeta(r.job_id).command).toEqual(["sh", "-c", 'echo "$1"', "sh", "--wait"]);
  });

  test("--wait false after the command is passed through too", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", 'echo "$1 $2"', "sh", "--wait", "false"]), "run");
    expect(r.stdout).toBe("--wait false\n");
  });

  test("run without -- works", () => {
    const r = ok(fx.x(["run", "echo", "hi"]), "run");
    expect(r.state).toBe("exited");
    expect(r.stdout).toBe("hi\n");
  });
});

describe("run: output excerpts", () => {
  test("--max-bytes cuts the head, range and total tell how much", () => {
    const r = ok(fx.x(["run", "--max-bytes", "3", "--", "printf", "hello"]), "run");
    expect(r.stdout).toBe("hel");
    expect(r.stdout_range).toEqual([0, 3]);
    expect(r.stdout_total_bytes).toBe(5);
  });

  test("a multibyte character cut by --max-bytes becomes U+FFFD", () => {
    // "a" followed by "é" (0xC3 0xA9): two bytes keep only half of the é.
    const r = ok(fx.x(["run", "--max-bytes", "2", "--", "printf", "a\\303\\251"]), "run");
    expect(r.stdout).toBe("a\uFFFD");
    expect(r.stdout_range).toEqual([0, 2]);
    expect(r.stdout_total_bytes).toBe(3);
    expect(r.encoding).toBe("utf-8-lossy");
  });
});

describe("run: logs", () => {
  test("stdout.log, stderr.log and full.log exist as soon as run --no-wait returns", () => {
    const r = ok(fx.x(["run", "--no-wait", "--", "sleep", "3714"]), "run");
    for (const name of ["stdout.log", "stderr.log", "full.log"]) {
      expect(existsSync(join(fx.root, r.job_id, name)), name).toBe(true);
    }
  });

  test("full.log interleaves lines as '<time> [STDOUT] line' and '<time> [STDERR] line'", async () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "echo out1; echo err1 >&2; echo out2"]), "run");
    expect(r.state).toBe("exited");
    const path = join(fx.root, r.job_id, "full.log");
    const lines = (await eventually(() => {
      const all = readFileSync(path, "utf8").split("\n").filter(Boolean);
      return all.length >= 3 ? all : undefined;
    }))!;
    expect(lines).toHaveLength(3);
    const parsed = lines.map((line) => /^(\S+) \[(STDOUT|STDERR)\] (.*)$/.exec(line));
    for (const [i, m] of parsed.entries()) {
      expect(m, lines[i]).not.toBeNull();
      expect(m![1]).toMatch(TIME);
    }
    const entries = parsed.map((m) => `${m![2]} ${m![3]}`);
    expect(entries.filter((e) => e.startsWith("STDOUT"))).toEqual(["STDOUT out1", "STDOUT out2"]);
    expect(entries.filter((e) => e.startsWith("STDERR"))).toEqual(["STDERR err1"]);
  });

  test("--log writes the interleaved log to the given path", async () => {
    const custom = join(fx.scratch(), "logs", "custom.log");
    const r = ok(fx.x(["run", "--log", custom, "--", "sh", "-c", "echo to-custom; echo err-custom >&2"]), "run");
    expect(r.state).toBe("exited");
    const text = await eventually(() => {
      const t = existsSync(custom) ? readFileSync(custom, "utf8") : "";
      return t.includes("err-custom") && t.includes("to-custom") ? t : undefined;
    });
    expect(text).toMatch(/^\S+ \[STDOUT\] to-custom$/m);
    expect(text).toMatch(/^\S+ \[STDERR\] err-custom$/m);
    expect(fx.readMeta(r.job_id).full_log_path).toBe(custom);
  });
});

describe("run: environment", () => {
  test("--env is seen by the child and listed in env_vars", () => {
    const r = ok(fx.x(["run", "--env", "AX_RUN_A=1", "--", "sh", "-c", 'echo "A=$AX_RUN_A"']), "run");
    expect(r.stdout).toBe("A=1\n");
    expect(r.env_vars).toEqual(["AX_RUN_A=1"]);
  });

  test("--mask hides the value in the response and meta.json, not from the child", () => {
    const r = ok(
      fx.x(["run", "--env", "AX_SECRET=hunter2-xyz", "--mask", "AX_SECRET", "--", "sh", "-c", 'echo "$AX_SECRET"']),
      "run",
    );
    expect(r.stdout).toBe("hunter2-xyz\n");
    expect(r.env_vars).toEqual(["AX_SECRET=***"]);
    const metaText = readFileSync(join(fx.root, r.job_id, "meta.json"), "utf8");
    expect(JSON.parse(metaText).env_vars).toEqual(["AX_SECRET=***"]);
    expect(metaText).not.toContain("hunter2-xyz");
  });

  test("--env-file (dotenv: quotes, comments) applies in order and --env overrides it", () => {
    const dir = fx.scratch();
    const first = join(dir, "first.env");
    const second = join(dir, "second.env");
    writeFileSync(first, ['# a comment line', 'AX_F1="double quoted value"', "AX_F2='single quoted'", "AX_F3=from-first", "AX_F4=from-first", ""].join("\n"));
    writeFileSync(second, ["AX_F3=from-second # trailing comment", "", "AX_F4=from-second", ""].join("\n"));
    const r = ok(
      fx.x([
        "run",
        "--env-file",
        first,
        "--env-file",
        second,
        "--env",
        "AX_F4=from-cli",
        "--",
        "sh",
        "-c",
        'printf "%s|%s|%s|%s\\n" "$AX_F1" "$AX_F2" "$AX_F3" "$AX_F4"',
      ]),
      "run",
    );
    expect(r.stdout).toBe("double quoted value|single quoted|from-second|from-cli\n");
  });

  test("--no-inherit-env starts from an empty environment", () => {
    const env = { AX_INHERIT_PROBE_4471: "present" };
    const script = 'echo "[${AX_INHERIT_PROBE_4471-unset}]"';
    const inherited = ok(fx.x(["run", "--", "sh", "-c", script], { env }), "run");
    expect(inherited.stdout).toBe("[present]\n");
    const cleared = ok(fx.x(["run", "--no-inherit-env", "--", "sh", "-c", script], { env }), "run");
    expect(cleared.state).toBe("exited");
    expect(cleared.stdout).toBe("[unset]\n");
    expect(fx.readMeta(cleared.job_id).inherit_env).toBe(false);
  });

  test("--inherit-env with --no-inherit-env is a usage error", () => {
    usageError(fx.x(["run", "--inherit-env", "--no-inherit-env", "--", "true"]));
  });
});

describe("run: working directory, tags, wrappers", () => {
  test("--cwd runs the job there and meta.json records the canonical path", () => {
    const real = join(fx.scratch(), "real-dir");
    mkdirSync(real);
    const link = join(fx.scratch(), "link-dir");
    symlinkSync(real, link);
    const r = ok(fx.x(["run", "--cwd", link, "--", "pwd", "-P"]), "run");
    expect(r.stdout).toBe(`${realpathSync(real)}\n`);
    expect(fx.readMeta(r.job_id).cwd).toBe(realpathSync(real));
  });

  test("--tag is validated and de-duplicated in order", () => {
    const r = ok(fx.x(["run", "--tag", "a", "--tag", "b.c", "--tag", "a", "--", "true"]), "run");
    expect(r.tags).toEqual(["a", "b.c"]);
    expect(fx.readMeta(r.job_id).tags).toEqual(["a", "b.c"]);
  });

  test.each([["bad tag!"], ["x.*"]])("--tag %j is a usage error", (tag) => {
    usageError(fx.x(["run", "--tag", tag, "--", "true"]));
  });

  test("one argument is a shell string", () => {
    const r = ok(fx.x(["run", "--", "echo a && echo b"]), "run");
    expect(r.stdout).toBe("a\nb\n");
  });

  test("several arguments are argv, handed over unchanged", () => {
    const r = ok(fx.x(["run", "--", "sh", "-c", "echo $0", "x"]), "run");
    expect(r.stdout).toBe("x\n");
    const spaced = ok(fx.x(["run", "--", "printf", "%s|", "two words", "*", "$HOME"]), "run");
    expect(spaced.stdout).toBe("two words|*|$HOME|");
  });

  test('--shell-wrapper "bash -c" starts the command with bash', () => {
    const r = ok(fx.x(["run", "--shell-wrapper", "bash -c", "--", 'echo "bash=${BASH_VERSION:+yes}"']), "run");
    expect(r.state).toBe("exited");
    expect(r.stdout).toBe("bash=yes\n");
    expect(fx.readMeta(r.job_id).shell_wrapper).toEqual(["bash", "-c"]);
  });
});

/**
 * Reads state.json over and over until the job is terminal; throws on the first read that is not
 * whole JSON. Once `enough` distinct running states were seen, it creates `go` in the job's working
 * directory, which the workload waits for: the job runs as long as the check needs, not a guess.
 */
async function readStateUntilTerminal(path: string, pauseMs: number, enough: number) {
  const seenWhileRunning = new Set<string>();
  let reads = 0;
  let last: any;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const raw = readFileSync(path, "utf8");
    reads++;
    try {
      last = JSON.parse(raw);
    } catch (error) {
      throw new Error(`state.json was not valid JSON on read ${reads}: ${JSON.stringify(raw)}`, { cause: error });
    }
    if (last.job.status === "running") seenWhileRunning.add(last.updated_at);
    else if (last.job.status !== "created") break;
    if (seenWhileRunning.size >= enough) writeFileSync(join(fx.work, "go"), "");
    if (Date.now() > deadline) throw new Error("job did not finish");
    await sleep(pauseMs);
  }
  return { last, seenWhileRunning, reads };
}

const UNTIL_GO = "until [ -e go ]; do sleep 0.01; done";

describe("run: state.json", () => {
  test("has the job, result, pid and supervisor fields", () => {
    const r = ok(fx.x(["run", "--", "true"]), "run");
    const state = fx.readState(r.job_id);
    expect(state.job.id).toBe(r.job_id);
    expect(state.job.status).toBe("exited");
    expect(state.job.started_at).toMatch(TIME);
    for (const key of ["exit_code", "signal", "duration_ms"]) expect(state.result).toHaveProperty(key);
    expect(state.result.exit_code).toBe(0);
    expect(state.updated_at).toMatch(TIME);
    expect(Number.isInteger(state.pid)).toBe(true);
    expect(Number.isInteger(state.supervisor_pid)).toBe(true);
    expect(state.pid).not.toBe(state.supervisor_pid);
  });

  test("--progress-every refreshes updated_at while running; state.json is always whole JSON", async () => {
    const r = ok(fx.x(["run", "--no-wait", "--progress-every", "0.1", "--", "sh", "-c", UNTIL_GO, "progress-3715"]), "run");
    const { last, seenWhileRunning } = await readStateUntilTerminal(join(fx.root, r.job_id, "state.json"), 10, 3);
    expect(last.job.status).toBe("exited");
    expect(seenWhileRunning.size, [...seenWhileRunning].join(", ")).toBeGreaterThanOrEqual(2);
    const times = [...seenWhileRunning].sort();
    expect(times[times.length - 1]! > times[0]!).toBe(true);
  });

  test("frequent progress writes never expose a half-written state.json", async () => {
    // Many writes (every 10 ms, until 150 of them were seen) and reads with almost no pause: an
    // in-place rewrite (truncate, then write) would be caught here; the atomic rename never is.
    const r = ok(fx.x(["run", "--no-wait", "--progress-every", "0.01", "--", "sh", "-c", UNTIL_GO, "progress-3716"]), "run");
    const { last, seenWhileRunning } = await readStateUntilTerminal(join(fx.root, r.job_id, "state.json"), 1, 150);
    expect(last.job.status).toBe("exited");
    expect(seenWhileRunning.size).toBeGreaterThan(2);
  });
});
