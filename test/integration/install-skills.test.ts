import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { failed, ok, usageError } from "../helpers/jobs.js";

// `install-skills` copies the bundled skill into .agents/ or .claude/ (here or under $HOME) and
// records it in the .skill-lock.json beside skills/.
const BUNDLED = readFileSync(resolve(import.meta.dirname, "../../skills/agent-exec/SKILL.md"), "utf8");

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
