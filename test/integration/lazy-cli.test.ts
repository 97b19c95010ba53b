import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { ok, useJobFixture } from "../helpers/jobs.js";

// The CLI imports a verb's command function only when that verb runs (docs/ARCHITECTURE.md, CLI).
// dist/cli.cjs runs one CommonJS bundle (scripts/bundle.mjs) in which every module is a lazily
// evaluated part named by its source ("src/commands/status.ts", "node_modules/smol-toml/…"); V8's
// coverage of one CLI run says which parts ran, and lists every other file the process loaded.
const fx = useJobFixture();
const CHECKOUT = resolve(import.meta.dirname, "../..");
const BUNDLE = join(CHECKOUT, "dist/bundle/cli.cjs");
const asEmitted = (source: string) => (source.startsWith("src/") ? `dist/${source.slice(4).replace(/\.ts$/, ".js")}` : source);

interface Coverage {
  result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[];
}

/** The checkout-relative paths of the modules `agent-exec <args>` evaluated (bundled ones as their sources, tsc-named). */
function modulesLoaded(args: string[]): string[] {
  const dir = fx.scratch();
  ok(fx.x(args, { env: { NODE_V8_COVERAGE: dir } }), args[0]!);
  const loaded: string[] = [];
  for (const name of readdirSync(dir)) {
    const coverage = JSON.parse(readFileSync(join(dir, name), "utf8")) as Coverage;
    for (const script of coverage.result) {
      if (!script.url.startsWith("file:")) continue;
      const path = fileURLToPath(script.url);
      if (path !== BUNDLE) loaded.push(relative(CHECKOUT, path));
      else for (const fn of script.functions) if (/^(src|node_modules)\//.test(fn.functionName) && fn.ranges[0]!.count > 0) loaded.push(asEmitted(fn.functionName));
    }
  }
  return loaded;
}

test("status loads status's code and none of launch, the supervisor, config.toml, gc, kill or the server", () => {
  const { job_id } = ok(fx.x(["create", "--", "true"]), "create");
  const loaded = modulesLoaded(["status", job_id]);
  expect(loaded).toContain("dist/commands/status.js");
  const unused = loaded.filter((path) =>
    /^dist\/(launch|supervisor|mcp)\/|^dist\/server\/http\.js|^dist\/config\.js|^dist\/commands\/(run|create|gc|kill|list|tail|wait)\.js|node_modules\/(smol-toml|human-signals|yaml|dotenv|re2js)\//.test(path),
  );
  expect(unused).toEqual([]);
});

test("status, list and tail load neither node:child_process nor node:net, and print without process.stdout", () => {
  // commander's child_process (its executable subcommands) and the wake socket's net are required
  // when used; a pipe's process.stdout is a net.Socket, so the answer goes out with writeSync.
  const { job_id } = ok(fx.x(["run", "--", "echo", "hi"]), "run");
  const dir = fx.scratch();
  const preload = join(dir, "modules.cjs");
  writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(join(dir, "list.txt"))}, process.moduleLoadList.join("\\n")));`);
  for (const args of [["status", job_id], ["list"], ["tail", job_id]]) {
    ok(fx.x(args, { env: { NODE_OPTIONS: `--require ${preload}` } }), args[0]!);
    const builtins = readFileSync(join(dir, "list.txt"), "utf8").split("\n");
    expect(builtins.filter((m) => /^NativeModule (child_process|net|tty|stream)$/.test(m))).toEqual([]);
  }
});

test("V8 accepts the CLI's code cache, which holds compression's code", () => {
  // V8 checks a cache against the source and the flags: a cache it rejects would be thrown away on
  // every start (~8 ms each) without anything failing.
  const check = `
    const { readFileSync } = require("node:fs");
    const file = ${JSON.stringify(BUNDLE)};
    const source = require("node:module").wrap(readFileSync(file, "utf8").replace(/^#!.*/, ""));
    const script = new (require("node:vm").Script)(source, { filename: file, cachedData: readFileSync(${JSON.stringify(join(CHECKOUT, "dist/bundle/cli.cache"))}) });
    process.stdout.write(String(script.cachedDataRejected));`;
  expect(execFileSync(process.execPath, ["-e", check], { encoding: "utf8" })).toBe("false");
  // The run that wrote it compressed the corpus first (src/cli/code-cache-warmup.ts): V8's cache
  // of a `list` run alone was 193 KB.
  expect(statSync(join(CHECKOUT, "dist/bundle/cli.cache")).size).toBeGreaterThan(240_000);
});
