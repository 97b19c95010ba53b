import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { ok, usageError, useJobFixture } from "../helpers/jobs.js";

// `completions <shell>` prints a script; at <TAB> the script runs the hidden `__complete`, whose
// candidates are checked here directly and through real bash and fish sessions.
const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
// How each shell checks a script's syntax without running it (PowerShell is not installed here).
const SYNTAX_CHECK: Record<string, string[] | undefined> = { bash: ["bash", "-n"], zsh: ["zsh", "-n"], fish: ["fish", "--no-execute"] };

const IDS = {
  created: "01AAAAAAAAAAAAAAAAAAAAAAAA",
  running: "01BBBBBBBBBBBBBBBBBBBBBBBB",
  exited: "01CCCCCCCCCCCCCCCCCCCCCCCC",
  killed: "01DDDDDDDDDDDDDDDDDDDDDDDD",
  failed: "01EEEEEEEEEEEEEEEEEEEEEEEE",
};
const OTHER_CWD = "01FFFFFFFFFFFFFFFFFFFFFFFF";

function hasProgram(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0;
}

// Each test spawns the CLI many times; on a loaded machine that can outlast the default 60 s.
describe("completions", { timeout: 180_000 }, () => {
  const f = useJobFixture(["sleep 3792"]);

  /** A job directory as the store writes it, in the given state and working directory. */
  function writeJob(id: string, state: string, cwd = f.work): void {
    mkdirSync(join(f.root, id), { recursive: true });
    const meta = { job: { id }, schema_version: "0.1", command: ["true"], created_at: "2026-01-01T00:00:00.000Z", root: f.root, cwd, tags: [] };
    writeFileSync(join(f.root, id, "meta.json"), JSON.stringify(meta));
    const stateJson = { job: { id, status: state }, result: { exit_code: null, signal: null, duration_ms: null }, updated_at: "2026-01-01T00:00:00.000Z" };
    writeFileSync(join(f.root, id, "state.json"), JSON.stringify(stateJson));
  }

  function writeAllStates(): void {
    for (const [state, id] of Object.entries(IDS)) writeJob(id, state);
    writeJob(OTHER_CWD, "running", f.scratch());
  }

  /** Candidates for the last of `words` (the command line after the program name). */
  function candidates(words: string[], env: NodeJS.ProcessEnv = {}): string[] {
    const r = cli(["__complete", String(words.length - 1), "--", ...words], { cwd: f.work, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter(Boolean);
  }
  const ids = (words: string[], env?: NodeJS.ProcessEnv) => candidates(["--root", f.root, ...words], env).sort();

  test.each(SHELLS)("%s: prints a script that calls back into __complete (zsh: clap's COMPLETE protocol)", (shell) => {
    const r = cli(["completions", shell]);
    expect(r.code).toBe(0);
    if (shell === "zsh") expect(r.stdout).toMatch(/_clap_dynamic_completer_agent_exec[\s\S]*COMPLETE="zsh"/);
    else expect(r.stdout).toContain("__complete");
    expect(r.stdout).toContain("agent-exec");
    const check = SYNTAX_CHECK[shell];
    if (!check || !hasProgram(check[0]!)) return; // PowerShell (pwsh) is not installed here: content only
    const file = join(f.scratch(), `agent-exec.${shell}`);
    writeFileSync(file, r.stdout);
    const syntax = spawnSync(check[0]!, [...check.slice(1), file], { encoding: "utf8" });
    expect(syntax.status, syntax.stderr).toBe(0);
  });

  test("an unknown or missing shell is a usage error", () => {
    usageError(cli(["completions", "tcsh"]));
    usageError(cli(["completions"]));
    usageError(cli(["completions", "bash", "extra"]));
  });

  test("job ids: status, tail, restart and tag set offer every job; start created; wait created and running; kill running; delete finished", () => {
    writeAllStates();
    const all = Object.values(IDS).sort();
    expect(ids(["status", ""])).toEqual(all);
    expect(ids(["tail", "--tail-lines", "5", ""])).toEqual(all);
    expect(ids(["restart", ""])).toEqual(all);
    expect(ids(["tag", "set", ""])).toEqual(all);
    expect(ids(["start", ""])).toEqual([IDS.created]);
    expect(ids(["wait", ""])).toEqual([IDS.created, IDS.running].sort());
    expect(ids(["kill", ""])).toEqual([IDS.running]);
    expect(ids(["delete", ""])).toEqual([IDS.exited, IDS.killed, IDS.failed].sort());
    expect(ids(["rm", "--dry-run", ""])).toEqual([IDS.exited, IDS.killed, IDS.failed].sort());
  });

  test("job ids are scoped to the caller's directory and filtered by the typed prefix, in any case", () => {
    writeAllStates();
    expect(ids(["status", ""])).not.toContain(OTHER_CWD);
    expect(ids(["status", "01c"])).toEqual([IDS.exited]);
    expect(ids(["status", "01X"])).toEqual([]);
    expect(ids(["status", IDS.exited, ""])).toEqual([]); // one job id per command
  });

  test("the root comes from --root (either form, before or after the subcommand) or AGENT_EXEC_ROOT", () => {
    writeAllStates();
    expect(candidates([`--root=${f.root}`, "kill", ""])).toEqual([IDS.running]);
    expect(candidates(["kill", "--root", f.root, ""])).toEqual([IDS.running]);
    expect(candidates(["kill", ""], { AGENT_EXEC_ROOT: f.root })).toEqual([IDS.running]);
    expect(candidates(["--root", join(f.root, "missing"), "status", ""])).toEqual([]);
  });

  test("subcommands, their flags and flag values come from the command definitions", () => {
    const subcommands = candidates([""]);
    expect(subcommands).toEqual(expect.arrayContaining(["run", "status", "tail", "wait", "kill", "list", "ps", "doctor", "schema", "install-skills", "completions"]));
    expect(subcommands.filter((c) => c.startsWith("_"))).toEqual([]);
    expect(candidates(["stat"])).toEqual(["status"]);
    expect(candidates(["tag", ""])).toContain("set");
    expect(candidates(["kill", "--"])).toEqual(expect.arrayContaining(["--signal", "--no-wait", "--root"]));
    expect(candidates(["install-skills", "--"])).toEqual(expect.arrayContaining(["--claude", "--global"]));
    expect(candidates(["list", "--state", "r"])).toEqual(["running"]);
    expect(candidates(["completions", ""])).toEqual([...SHELLS]);
    expect(candidates(["--root", ""])).toEqual([]); // a path: left to the shell
    expect(candidates(["run", "--", "ec"])).toEqual([]); // the workload's own words
  });

  // What 0.2.31's scripts (clap_complete's CompleteEnv) send: COMPLETE=<shell> [completer] -- agent-exec words…
  test("clap's protocol: COMPLETE=<shell>, the words after --, _CLAP_COMPLETE_INDEX and _CLAP_IFS", () => {
    writeAllStates();
    const clap = (args: string[], env: NodeJS.ProcessEnv) => {
      const r = cli(args, { cwd: f.work, env: { COMPLETE: "bash", ...env } });
      expect([r.code, r.stderr]).toEqual([0, ""]);
      return r.stdout;
    };
    const lines = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(lines(clap(["/bin/agent-exec", "--", "agent-exec", "kill", ""], { AGENT_EXEC_ROOT: f.root, _CLAP_COMPLETE_INDEX: "2" }))).toEqual([IDS.running]);
    expect(lines(clap(["--", "agent-exec", "--root", f.root, "status", "01c"], { COMPLETE: "zsh", _CLAP_COMPLETE_INDEX: "4" }))).toEqual([IDS.exited]);
    // no index: the last word; _CLAP_IFS separates the candidates
    expect(clap(["--", "/usr/local/bin/agent-exec", "--root", f.root, "start", ""], { _CLAP_IFS: "\u000b" })).toBe(`${IDS.created}\u000b`);
    expect(lines(clap(["x", "--", "agent-exec", "status", ""], { AGENT_EXEC_ROOT: "/nonexistent/path", _CLAP_COMPLETE_INDEX: "2" }))).toEqual([]);
  });

  test("a COMPLETE variable left in the environment does not hijack a command line", () => {
    const r = ok(f.x(["run", "--", "echo", "hi"], { env: { COMPLETE: "bash" } }), "run");
    expect(r.stdout).toBe("hi\n");
    expect(ok(f.x(["list"], { env: { COMPLETE: "zsh" } }), "list").jobs).toHaveLength(1);
  });

  test("never prints JSON or fails, whatever it is given", () => {
    const calls = [["__complete"], ["__complete", "x"], ["__complete", "--help"], ["__complete", "5", "--", "nope", "status"], ["__complete", "1", "--", "status", ""]];
    for (const args of calls) {
      const r = cli(args, { env: { AGENT_EXEC_ROOT: "/dev/null/not-a-dir" } });
      expect(r.stdout.startsWith("{")).toBe(false);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
  });

  test("bash: the sourced script fills COMPREPLY with real jobs' ids", () => {
    const started = ok(f.x(["run", "--no-wait", "--", "sleep", "3792"]), "run");
    expect(started.state).toBe("running");
    const running = started.job_id;
    const exited = ok(f.x(["run", "--", "true"]), "run").job_id;
    const script = join(f.scratch(), "agent-exec.bash");
    writeFileSync(script, cli(["completions", "bash"]).stdout);
    const complete = (...words: string[]) => {
      const body = `source "$1"; COMP_WORDS=(agent-exec "\${@:2}"); COMP_CWORD=$(($# - 1)); _agent_exec_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync("bash", ["-c", body, "bash", script, ...words], { cwd: f.work, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split("\n").filter(Boolean).sort();
    };
    expect(complete("--root", f.root, "kill", ""), JSON.stringify(f.readState(running))).toEqual([running]);
    expect(complete("--root", f.root, "status", "")).toEqual([running, exited].sort());
    expect(complete("--root", f.root, "wa")).toEqual(["wait"]);
    // bash splits --root=DIR at "=" (COMP_WORDBREAKS) into three words
    expect(complete("--root", "=", f.root, "kill", "")).toEqual([running]);
  });

  test.runIf(hasProgram("zsh"))("zsh: the sourced script hands compadd real jobs' ids", () => {
    writeAllStates();
    const script = join(f.scratch(), "agent-exec.zsh");
    writeFileSync(script, cli(["completions", "zsh"]).stdout);
    // compadd and compdef exist only inside zsh's completion system: stand-ins that print what they get
    const body = `compdef() {}; compadd() { print -l -- "\${(@P)2}" }; source "$1"; words=(agent-exec "\${@:2}"); CURRENT=$#; _clap_dynamic_completer_agent_exec`;
    const r = spawnSync("zsh", ["-f", "-c", body, "zsh", script, "--root", f.root, "kill", ""], { cwd: f.work, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([IDS.running]);
  });

  test.runIf(hasProgram("fish"))("fish: complete -C offers the candidates", () => {
    writeAllStates();
    const script = join(f.scratch(), "agent-exec.fish");
    writeFileSync(script, cli(["completions", "fish"]).stdout);
    const r = spawnSync("fish", ["-c", `source ${script}; complete -C "agent-exec --root ${f.root} kill "`], { cwd: f.work, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([IDS.running]);
  });
});
