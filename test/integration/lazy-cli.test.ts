import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { ok, useJobFixture } from "../helpers/jobs.js";

// The CLI imports a verb's command function only when that verb runs (docs/ARCHITECTURE.md, CLI):
// a module-load hook records every file the CLI process loads.
const fx = useJobFixture();
const CHECKOUT = resolve(import.meta.dirname, "../..");
const LOAD_HOOK = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(process.env.AGENT_EXEC_TEST_LOADED, url + "\\n");
  return next(url, context);
}`;
const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(LOAD_HOOK)}`)});`;

// dist/cli.js runs esbuild's bundle (scripts/bundle.mjs): a loaded bundle file stands for the
// sources it holds, named as tsc emits them (src/x.ts as dist/x.js).
const BUNDLED: Record<string, string[]> = JSON.parse(readFileSync(join(CHECKOUT, "dist/bundle/inputs.json"), "utf8"));
const asEmitted = (source: string) => (source.startsWith("src/") ? `dist/${source.slice(4).replace(/\.ts$/, ".js")}` : source);
const sourcesOf = (path: string): string[] => BUNDLED[path]?.map(asEmitted) ?? [path];

/** The checkout-relative paths of the modules `agent-exec <args>` loads (bundled ones as their sources). */
function modulesLoaded(args: string[]): string[] {
  const out = join(fx.scratch(), "loaded.txt");
  const env = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}`, AGENT_EXEC_TEST_LOADED: out };
  ok(fx.x(args, { env }), args[0]!);
  return readFileSync(out, "utf8").trim().split("\n").flatMap((url) => sourcesOf(relative(CHECKOUT, fileURLToPath(url))));
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
