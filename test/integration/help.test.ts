import { expect, test } from "vitest";
import { cli } from "../helpers/cli.js";

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
