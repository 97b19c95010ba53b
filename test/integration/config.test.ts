import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { failed, ok, useJobFixture } from "../helpers/jobs.js";

const fx = useJobFixture();

/** An XDG_CONFIG_HOME holding agent-exec/config.toml with this text. */
function xdg(text: string): NodeJS.ProcessEnv {
  const home = fx.scratch();
  mkdirSync(join(home, "agent-exec"));
  writeFileSync(join(home, "agent-exec", "config.toml"), text);
  return { XDG_CONFIG_HOME: home };
}
const WHICH_SHELL = "echo $0";

describe("config.toml", () => {
  test("[shell] unix from $XDG_CONFIG_HOME sets the wrapper", () => {
    const r = ok(fx.x(["run", "--", WHICH_SHELL], { env: xdg('[shell]\nunix = ["bash", "-c"]\n') }), "run");
    expect(r.stdout).toBe("bash\n");
    expect(fx.readMeta(r.job_id).shell_wrapper).toEqual(["bash", "-c"]);
  });

  test("precedence: --shell-wrapper > --config > XDG > built-in", () => {
    const env = xdg('[shell]\nunix = ["bash", "-c"]\n');
    const file = join(fx.work, "mine.toml");
    writeFileSync(file, '[shell]\nunix = ["sh", "-c"]\n');
    expect(fx.readMeta(ok(fx.x(["run", "--config", file, "--", "true"], { env }), "run").job_id).shell_wrapper).toEqual(["sh", "-c"]);
    expect(fx.readMeta(ok(fx.x(["run", "--config", file, "--shell-wrapper", "bash -lc", "--", "true"], { env }), "run").job_id).shell_wrapper).toEqual(["bash", "-lc"]);
    expect(fx.readMeta(ok(fx.x(["run", "--", "true"], { env: { XDG_CONFIG_HOME: fx.scratch() } }), "run").job_id).shell_wrapper).toEqual(["sh", "-lc"]);
  });

  test("create uses it too, and start keeps the wrapper chosen at create", () => {
    const c = ok(fx.x(["create", "--", WHICH_SHELL], { env: xdg('[shell]\nunix = ["bash", "-c"]\n') }), "create");
    expect(ok(fx.x(["start", c.job_id]), "start").stdout).toBe("bash\n");
  });

  test("[gc] sets the auto-gc defaults", () => {
    const env = xdg("[gc]\nmax_jobs = 1\n");
    const first = ok(fx.x(["run", "--", "true"], { env }), "run").job_id;
    ok(fx.x(["run", "--", "true"], { env }), "run");
    expect(ok(fx.x(["list"]), "list").jobs.map((j: any) => j.job_id)).not.toContain(first);
    const off = xdg("[gc]\nauto = false\nmax_jobs = 0\n");
    ok(fx.x(["run", "--", "true"], { env: off }), "run");
    expect(ok(fx.x(["list"]), "list").jobs.length).toBe(2);
  });

  test.each([
      ["[shell\n", "not valid TOML"],
      ['[shell]\nunix = "sh -c"\n', "shell.unix"],
      ["[shell]\nunix = []\n", "shell.unix"],
      ["shell = 1\n", "[shell] must be a table"],
      ['[gc]\nmax_jobs = "many"\n', "gc.max_jobs"],
      ["[gc]\nauto = 1\n", "gc.auto"],
  ])("an invalid --config file (%j) is config_error naming the file", (text, what) => {
    const file = join(fx.scratch(), "config.toml");
    writeFileSync(file, text);
    const error = failed(fx.x(["run", "--config", file, "--", "true"]), "config_error");
    expect(error.message).toContain(file);
    expect(error.message).toContain(what);
    expect(error.details).toEqual({ path: file });
  });

  test("a missing --config file or an invalid XDG file is config_error, and no job is created", () => {
    const missing = join(fx.work, "missing.toml");
    expect(failed(fx.x(["create", "--config", missing, "--", "true"]), "config_error").message).toContain(missing);
    failed(fx.x(["run", "--", "true"], { env: xdg("[[[") }), "config_error");
    expect(ok(fx.x(["list", "--all"]), "list").jobs).toEqual([]);
  });
});
