import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { cli, eventually } from "../helpers/cli.js";
import { failed, ok, usageError } from "../helpers/jobs.js";

// `install-skills` copies the bundled skill into .agents/ or .claude/ (here or under $HOME) and
// records it in the .skill-lock.json beside skills/.
const BUNDLED_DIR = resolve(import.meta.dirname, "../../skills/agent-exec");
const BUNDLED = readFileSync(join(BUNDLED_DIR, "SKILL.md"), "utf8");

describe("install-skills", () => {
  let work = "";
  let home = "";
  beforeEach(() => {
    work = realpathSync(mkdtempSync(join(tmpdir(), "agent-exec-skills-")));
    home = realpathSync(mkdtempSync(join(tmpdir(), "agent-exec-home-")));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const install = (...flags: string[]) => cli(["install-skills", ...flags], { cwd: work, env: { HOME: home } });
  const readLock = (base: string) => JSON.parse(readFileSync(join(base, ".skill-lock.json"), "utf8"));

  test.each([
    [[], () => join(work, ".agents"), false],
    [["--claude"], () => join(work, ".claude"), false],
    [["--global"], () => join(home, ".agents"), true],
    [["--claude", "--global"], () => join(home, ".claude"), true],
  ] as const)("install-skills %j", (flags, base, global) => {
    const r = ok(install(...flags), "install_skills");
    const path = join(base(), "skills", "agent-exec");
    expect(r).toEqual({
      schema_version: "0.1",
      ok: true,
      type: "install_skills",
      skills: [{ name: "agent-exec", source_type: "embedded", path }],
      global,
      lock_file_path: join(base(), ".skill-lock.json"),
    });
    expect(readFileSync(join(path, "SKILL.md"), "utf8")).toBe(BUNDLED);
    expect(readLock(base())).toEqual({
      skills: [{ name: "agent-exec", source_type: "embedded", installed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), path }],
    });
  });

  test("installing again updates the one entry and keeps other skills' entries where they were", () => {
    const base = join(work, ".agents");
    mkdirSync(base);
    const other = { name: "other", source_type: "git", installed_at: "2026-01-01T00:00:00Z", path: "/x" };
    const stale = { name: "agent-exec", source_type: "embedded", installed_at: "2026-01-01T00:00:00Z", path: "/old" };
    writeFileSync(join(base, ".skill-lock.json"), JSON.stringify({ skills: [stale, other] }));
    ok(install(), "install_skills");
    ok(install(), "install_skills");
    const { skills } = readLock(base);
    expect(skills.map((s: { name: string }) => s.name)).toEqual(["agent-exec", "other"]);
    expect(skills[0].path).toBe(join(base, "skills", "agent-exec"));
    expect(skills[0].installed_at).not.toBe(stale.installed_at);
    expect(skills[1]).toEqual(other);
  });

  test("the references and scripts are installed too (0.2.31's references, plus hermes.md and its hook)", () => {
    const path = ok(install(), "install_skills").skills[0].path;
    for (const file of ["cli-contract.md", "completion-events.md", "openclaw.md", "hermes.md"]) {
      expect(readFileSync(join(path, "references", file), "utf8"), file).toBe(readFileSync(join(BUNDLED_DIR, "references", file), "utf8"));
    }
    const hook = join(path, "scripts", "hermes-notify-hook");
    expect(statSync(hook).mode & 0o111, "executable").not.toBe(0);
  });

  // The installed hook is a working completion command: here with a stand-in `hermes`.
  test.skipIf(process.platform === "win32")("the installed hermes-notify-hook sends the job id and event path to hermes notify", async () => {
    const hook = join(ok(install(), "install_skills").skills[0].path, "scripts", "hermes-notify-hook");
    const fakeHermes = join(home, "hermes");
    const said = join(home, "said.txt");
    writeFileSync(fakeHermes, `#!/bin/sh\nprintf '%s\\n' "$@" > '${said}'\n`);
    chmodSync(fakeHermes, 0o755);
    const root = join(work, "jobs");
    const env = { HOME: home, HERMES_BIN: fakeHermes, HERMES_NOTIFY_MODEL: "m1" };
    const run = ok(cli(["--root", root, "run", "--notify-command", hook, "--", "true"], { cwd: work, env }), "run");
    const lines = await eventually(() => existsSync(said) && readFileSync(said, "utf8").split("\n"), 20_000);
    expect(lines.slice(0, 6)).toEqual(["notify", "--provider", "cliproxy", "--model", "m1", "-m"]);
    expect(lines[6]).toBe(`job_id=${run.job_id} event_path=${join(root, run.job_id, "completion_event.json")}`);
  });

  test("an installed SKILL.md that was edited is restored", () => {
    ok(install(), "install_skills");
    const skill = join(work, ".agents", "skills", "agent-exec", "SKILL.md");
    writeFileSync(skill, "edited");
    ok(install(), "install_skills");
    expect(readFileSync(skill, "utf8")).toBe(BUNDLED);
  });

  test("a lock file in the older map form is read; a damaged one is replaced", () => {
    const base = join(work, ".agents");
    mkdirSync(base);
    const other = { source_type: "git", installed_at: "2026-01-01T00:00:00Z", path: "/x" };
    writeFileSync(join(base, ".skill-lock.json"), JSON.stringify({ skills: { other } }));
    ok(install(), "install_skills");
    expect(readLock(base).skills.map((s: { name: string }) => s.name)).toEqual(["other", "agent-exec"]);
    writeFileSync(join(base, ".skill-lock.json"), "{not json");
    ok(install(), "install_skills");
    expect(readLock(base).skills.map((s: { name: string }) => s.name)).toEqual(["agent-exec"]);
  });

  test("a target that cannot be created is io_error", () => {
    writeFileSync(join(work, ".agents"), "a file, not a directory");
    expect(failed(install(), "io_error").message).toContain(join(work, ".agents"));
  });

  test("unknown flags, flag values and arguments are usage errors", () => {
    usageError(install("--user"));
    usageError(install("--global=yes"));
    usageError(install("agent-exec"));
  });
});
