import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { ok, useJobFixture } from "../helpers/jobs.js";

// The caller's PATH wins over a login shell's profile, and a program that is not there is
// `failed` "command not found" before launch. Each test gets a HOME whose login profiles reset
// PATH (as Debian's /etc/profile does), add a directory of their own, and define a function, for
// each wrapper that is installed: so they fail wherever the caller's PATH is dropped.

const fx = useJobFixture();

const WRAPPERS = ["sh -lc", "bash -lc", "zsh -lc", "fish -lc"].filter(
  (wrapper) => spawnSync(wrapper.split(" ")[0]!, ["-c", "exit 0"], { stdio: "ignore" }).status === 0,
);

let home = "";
let callerDir = "";
const callerPath = () => `${callerDir}:${process.env.PATH}`;

function tool(dir: string, name: string, says: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\necho ${says} "$@"\n`);
  chmodSync(join(dir, name), 0o755);
}

beforeEach(() => {
  home = fx.scratch();
  callerDir = join(fx.scratch(), "caller-bin");
  const added = join(home, "added");
  tool(callerDir, "ae-caller-tool", "caller-tool");
  tool(added, "ae-profile-tool", "profile-tool");
  const posix = `PATH=/usr/bin:/bin:${added}; export PATH\naefn() { echo fn "$@"; }\n`;
  for (const file of [".profile", ".bash_profile", ".zprofile"]) writeFileSync(join(home, file), posix);
  mkdirSync(join(home, ".config", "fish"), { recursive: true });
  writeFileSync(join(home, ".config", "fish", "config.fish"), `set -gx PATH /usr/bin /bin ${added}\nfunction aefn; echo fn $argv; end\n`);
});

/** `run` under `wrapper` with the test's HOME and the caller's PATH (tool directory first). */
function run(wrapper: string, args: string[], env: NodeJS.ProcessEnv = {}): any {
  return ok(
    fx.x(["run", "--shell-wrapper", wrapper, ...args], { env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), PATH: callerPath(), ...env } }),
    "run",
  );
}

describe.each(WRAPPERS)("the caller's PATH wins under %s", { timeout: 120_000 }, (wrapper) => {
  test("a program only on the caller's PATH runs, in argv mode and as a shell string", () => {
    for (const command of [["ae-caller-tool", "a"], ["ae-caller-tool a"]]) {
      const r = run(wrapper, ["--", ...command]);
      expect([r.state, r.stdout, r.reason], command.join(" ")).toEqual(["exited", "caller-tool a\n", undefined]);
    }
  });

  test("--env PATH is the PATH that wins", () => {
    const dir = join(fx.scratch(), "env-bin");
    tool(dir, "ae-env-tool", "env-tool");
    const r = run(wrapper, ["--env", `PATH=${dir}:/usr/bin:/bin`, "--", "ae-env-tool", "b"]);
    expect([r.state, r.stdout]).toEqual(["exited", "env-tool b\n"]);
  });

  test("the workload's PATH is the caller's, then what the profile added, once each; the carrier variable is gone", () => {
    const caller = [callerDir, "/usr/local/bin", "/usr/bin", "/bin"];
    const r = run(wrapper, ["--", "sh", "-c", 'printf "%s\\n%s" "$PATH" "${AGENT_EXEC_CALLER_PATH-unset}"'], { PATH: caller.join(":") });
    const [path, carrier] = r.stdout.split("\n");
    const entries = path.split(":");
    expect(entries.slice(0, caller.length)).toEqual(caller);
    expect(entries).toContain(join(home, "added"));
    expect(new Set(entries).size).toBe(entries.length);
    expect(carrier).toBe("unset");
  });

  test("a program the profile's PATH adds still runs", () => {
    const r = run(wrapper, ["--", "ae-profile-tool", "c"]);
    expect([r.state, r.stdout]).toEqual(["exited", "profile-tool c\n"]);
  });
});

describe("command not found, before launch", { timeout: 120_000 }, () => {
  const WRAPPER = "sh -lc";

  test("a missing program is failed with the reason, as a string and as argv; nothing ran", () => {
    for (const command of [["ae-nosuchcmd"], ["ae-nosuchcmd", "--flag"]]) {
      const r = run(WRAPPER, ["--", ...command]);
      expect([r.state, r.reason], command.join(" ")).toEqual(["failed", "command not found: ae-nosuchcmd"]);
      expect(r).not.toHaveProperty("exit_code");
      expect(r.stderr).toBe("");
      expect(fx.readState(r.job_id)).toMatchObject({ job: { status: "failed" }, reason: "command not found: ae-nosuchcmd" });
    }
  });

  test("the default wrapper says the same", () => {
    const r = ok(fx.x(["run", "--", "ae-nosuchcmd"]), "run");
    expect([r.state, r.reason]).toEqual(["failed", "command not found: ae-nosuchcmd"]);
  });

  test("a name with a slash is looked up relative to --cwd", () => {
    const cwd = fx.scratch();
    tool(cwd, "here.sh", "here");
    const found = run(WRAPPER, ["--cwd", cwd, "--", "./here.sh", "d"]);
    expect([found.state, found.stdout]).toEqual(["exited", "here d\n"]);
    const missing = run(WRAPPER, ["--cwd", cwd, "--", "./missing.sh"]);
    expect([missing.state, missing.reason]).toEqual(["failed", "command not found: ./missing.sh"]);
  });

  test("builtins, the profile's functions and shell constructs are left to the shell", () => {
    expect(run(WRAPPER, ["--", "cd /"])).toMatchObject({ state: "exited", exit_code: 0 });
    expect(run(WRAPPER, ["--", "aefn e"])).toMatchObject({ state: "exited", stdout: "fn e\n" });
    expect(run(WRAPPER, ["--", "ae-nosuchcmd 2>/dev/null || echo handled"])).toMatchObject({ state: "exited", stdout: "handled\n" });
  });

  test("a shell string keeps its line numbers: the PATH restore is on a line of its own making", () => {
    const r = run(WRAPPER, ["--", "ae-nosuchcmd; echo after"]);
    expect(r).toMatchObject({ state: "exited", exit_code: 0, stdout: "after\n" });
    expect(r.stderr).toMatch(/\b1: ae-nosuchcmd: not found/);
  });
});

describe("the workload's environment", () => {
  test("AGENT_EXEC_JOB_ID and AGENT_EXEC_ROOT name the job and its (absolute) root, whatever --env said", () => {
    const r = ok(fx.x(["run", "--env", "AGENT_EXEC_ROOT=elsewhere", "--", "sh", "-c", 'printf "%s %s" "$AGENT_EXEC_JOB_ID" "$AGENT_EXEC_ROOT"']), "run");
    expect(r.stdout).toBe(`${r.job_id} ${fx.root}`);
  });
});
