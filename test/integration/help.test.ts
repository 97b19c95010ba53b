import { expect, test } from "vitest";
import { cli, tempRoot } from "../helpers/cli.js";

// The help texts agent-exec 0.2.31's own tests pin (issue 10, item 4).
const help = (verb: string) => {
  const r = cli([verb, "--help"]);
  expect(r.code).toBe(0);
  return r.stdout.replace(/\s+/g, " ");
};

test("run --help says piped stdin is forwarded and create's is not", () => {
  const text = help("run");
  for (const phrase of [
    "piped or redirected (non-tty) caller stdin is forwarded automatically",
    "`producer | agent-exec run -- consumer`",
    "takes precedence and suppresses that detection",
    "A tty stdin is never read",
    "`create` never captures stdin implicitly",
  ]) {
    expect(text).toContain(phrase);
  }
  expect(help("create")).toContain("`create` never captures piped stdin implicitly");
});

test("the job id placeholder is JOB_ID", () => {
  for (const verb of ["status", "tail", "wait", "kill", "start", "restart"]) expect(help(verb)).toContain("<JOB_ID>");
  expect(help("delete")).toContain("[JOB_ID]");
});

// Only the verb that runs is defined (src/cli/main.ts, defineVerbs); whatever needs them all gets them all.
test("program help lists every verb; help VERB, a misspelled verb and globals before the verb still work", () => {
  const all = cli(["--help"]);
  expect(all.code).toBe(0);
  for (const verb of ["run", "create", "start", "restart", "tag", "notify", "delete|rm", "gc", "status", "tail", "wait", "kill", "list", "ps", "doctor", "schema", "install-skills", "completions", "serve", "mcp"]) {
    expect(all.stdout).toMatch(new RegExp(`^  ${verb.replace("|", "\\|")}\\b`, "m"));
  }
  expect(all.stdout).not.toContain("__complete");
  const helpStatus = cli(["help", "status"]);
  expect(helpStatus.code).toBe(0);
  expect(helpStatus.stdout).toContain("Usage: agent-exec status [options] <JOB_ID>");
  const typo = cli(["stauts", "x"]);
  expect(typo.code).toBe(2);
  expect(typo.stderr).toContain("(Did you mean status?)");
  const { root, cleanup } = tempRoot();
  try {
    expect(cli(["--root", root, "-v", "list"]).json).toMatchObject({ ok: true, type: "list", root });
    expect(cli(["--root", root, "rm", "--dry-run", "--all"]).json).toMatchObject({ ok: true, type: "delete" });
  } finally {
    cleanup();
  }
});
