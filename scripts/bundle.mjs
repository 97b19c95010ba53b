#!/usr/bin/env node
// Bundles the two processes every call starts, the CLI and the per-job supervisor, after tsc has
// emitted dist/ (the library, its .d.ts, and the modules tests import stay tsc's). Each is one
// CommonJS file: Node 20 resolves, reads, compiles and links each ES module on its own, and its
// ESM loader has to boot first. On the bench VM (node -e 0: 60 ms) the supervisor booted in 87 ms
// as an ESM bundle with its chunks and in 68 ms as one CommonJS file; `status` took 93 ms as ESM,
// 81 ms as CommonJS and 74 ms with V8's code cache below (one file holding all of the MCP SDK and
// zod instead took 104 ms, hence their staying in node_modules).
//
//   dist/cli.cjs                 the bin, a CommonJS launcher: compiles dist/bundle/cli.cjs with
//                                the code cache dist/bundle/cli.cache (dist/cli.js runs it too)
//   dist/bundle/ahead.cjs        a `run`'s supervisor, started by the bin before it reads the CLI
//                                (src/launch/ahead.ts); the CLI's bundle requires it
//   dist/bundle/cli.cjs          the CLI
//   dist/bundle/cli.cache        V8's code cache for it, written by one `list` run at build time; a
//                                cache V8 rejects (another node, other flags) only costs a compile
//   dist/bundle/supervisor.cjs   the supervisor, spawned directly (src/supervisor/spawn-supervisor.ts)
//   dist/supervisor/main.js      launcher for that file, for whoever starts this path
//   dist/bundle/inputs.json      the sources each file holds (test/integration/lazy-cli.test.ts)
//
// A dynamic import() of our own code becomes a lazily evaluated part of the same file: it is
// parsed with the rest but runs only when imported (esbuild names each such part by its source).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const OUT = join(DIST, "bundle");

// Sources find package files (build/Release/*.node, package.json, skills/, schema/) and sibling
// launchers relative to their own module URL, as tsc lays them out in dist/. In the bundle every
// module lands in a file of dist/bundle/, so each `import.meta.url` is replaced by the URL its
// tsc-emitted twin would have; every bundle file sits one level below dist/, hence the "../".
// CommonJS has no import.meta: the bundle's own URL is a constant of the banner (a require() in
// the replacement would be renamed along with a local `require`).
const tscUrls = {
  name: "tsc-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const twin = relative(SRC, args.path).replace(/\\/g, "/").replace(/\.ts$/, ".js");
      const source = await readFile(args.path, "utf8");
      return { contents: source.replace(/\bimport\.meta\.url\b/g, `new URL(${JSON.stringify(`../${twin}`)}, __aeBundleUrl).href`), loader: "ts" };
    });
  },
};

// commander requires node:child_process at load for its executable subcommands, which we do not
// use; child_process pulls in net and the streams (~3 ms of every start). It is required when a
// spawn is asked for instead. The build fails if commander's line changes, so this is re-checked.
const lazyChildProcess = {
  name: "commander-lazy-child-process",
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`${args.path}: commander no longer has the line ${eager}`);
      return { contents: source.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: "js" };
    });
  },
};

// The launcher starts a `run`'s supervisor from dist/bundle/ahead.cjs before it reads the CLI's
// bundle (src/launch/ahead.ts); the CLI's bundle requires that same file instead of holding a copy
// of ahead.ts, so that both see the one supervisor and job id it started.
const AHEAD = join(SRC, "launch", "ahead.js");
const sharedAhead = {
  name: "shared-ahead",
  setup(b) {
    b.onResolve({ filter: /ahead\.js$/ }, (args) => (resolve(args.resolveDir, args.path) === AHEAD ? { path: "./ahead.cjs", external: true } : undefined));
  },
};

rmSync(OUT, { recursive: true, force: true });
const bundle = (entry, outfile, external, plugins = []) =>
  build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: join(OUT, outfile),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // koffi ships a .node file per platform and finds it relative to its own package (its docs:
    // leave it to node_modules rather than bundle it); it is loaded with createRequire anyway.
    external: ["koffi", ...external],
    banner: { js: 'const __aeBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    plugins: [tscUrls, lazyChildProcess, ...plugins],
  });
// Only `mcp` uses the MCP SDK and zod (1.2 MB with ajv): required from node_modules when it runs.
const results = await Promise.all([
  bundle("src/cli.ts", "cli.cjs", ["@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk/*", "zod", "zod/*"], [sharedAhead]),
  bundle("src/launch/ahead.ts", "ahead.cjs", []),
  bundle("src/supervisor/main.ts", "supervisor.cjs", []),
]);
const outputs = Object.assign({}, ...results.map((r) => r.metafile.outputs));

// The \`--\` keeps Node from reading agent-exec's own flags (src/cli.ts says why). The bin is a
// CommonJS file: an ES module entry costs Node 20 ~4 ms more to start (its ESM loader boots
// first). The compile cache (Node >= 22.1) serves modules required later (the MCP SDK); the
// bundle has its own cache.
writeFileSync(
  join(DIST, "cli.cjs"),
  `#!/usr/bin/env -S node --
// Generated by scripts/bundle.mjs: compiles bundle/cli.cjs with V8's code cache bundle/cli.cache.
"use strict";
// A \`run\` starts its supervisor first, while this process goes on to load the CLI (src/launch/ahead.ts).
const args = process.argv.slice(2);
if (args.includes("run")) require("./bundle/ahead.cjs").startAhead(args);
const Module = require("node:module");
const { readFileSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { Script } = require("node:vm");
Module.enableCompileCache?.();
const dir = join(__dirname, "bundle");
const file = join(dir, "cli.cjs");
const cacheFile = join(dir, "cli.cache");
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // no cache: V8 compiles as usual
}
const script = new Script(Module.wrap(readFileSync(file, "utf8").replace(/^#!.*/, "")), { filename: file, cachedData });
if (process.env.AGENT_EXEC_WRITE_CODE_CACHE === "1") process.on("exit", () => writeFileSync(cacheFile, script.createCachedData()));
const exports_ = {};
script.runInThisContext()(exports_, Module.createRequire(file), { exports: exports_ }, file, dir);
`,
);
// dist/cli.js, the bin of earlier builds (completion scripts saved then name it), runs the same.
writeFileSync(
  join(DIST, "cli.js"),
  `#!/usr/bin/env -S node --
// Generated by scripts/bundle.mjs: the CLI is dist/cli.cjs.
import { createRequire } from "node:module";
createRequire(import.meta.url)("./cli.cjs");
`,
);
for (const launcher of ["cli.cjs", "cli.js"]) chmodSync(join(DIST, launcher), 0o755);
mkdirSync(join(DIST, "supervisor"), { recursive: true });
writeFileSync(
  join(DIST, "supervisor", "main.js"),
  `// Generated by scripts/bundle.mjs: the supervisor is dist/bundle/supervisor.cjs (spawn-supervisor.ts starts it directly).
import { createRequire } from "node:module";
createRequire(import.meta.url)("../bundle/supervisor.cjs");
`,
);

// The code cache holds what one run compiled: the commander program every verb builds, the
// envelope, the root, a job listing, and compression's code for every family (the run compresses
// the outputs of the compression corpus first: src/cli/code-cache-warmup.ts). A verb's own code is
// compiled when it runs, as before.
const scratch = mkdtempSync(join(tmpdir(), "agent-exec-bundle-"));
try {
  const corpus = join(ROOT, "bench", "compress", "corpus");
  const warm = spawnSync(process.execPath, [join(DIST, "cli.cjs"), "--root", join(scratch, "jobs"), "list"], {
    env: { ...process.env, AGENT_EXEC_WRITE_CODE_CACHE: "1", ...(existsSync(corpus) ? { AGENT_EXEC_CODE_CACHE_WARMUP: corpus } : {}) },
    encoding: "utf8",
  });
  if (warm.status !== 0) throw new Error(`writing the code cache: list failed: ${warm.stdout}${warm.stderr}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const inputsOf = Object.fromEntries(Object.entries(outputs).map(([file, o]) => [relative(ROOT, join(ROOT, file)).replace(/\\/g, "/"), Object.keys(o.inputs)]));
writeFileSync(join(OUT, "inputs.json"), `${JSON.stringify(inputsOf, null, 1)}\n`);
const sizes = Object.entries(outputs).map(([file, o]) => `${relative(DIST, join(ROOT, file))} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log(`agent-exec: bundled ${sizes.join(", ")}; code cache bundle/cli.cache`);
