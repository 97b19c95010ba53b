#!/usr/bin/env node
// Regenerates bench/compress/corpus/: real outputs of real tools on this machine, one JSON file per
// case ({name, class, command, exit_code, stdout, stderr}), each stream cut to its last 64 KiB as
// `agent-exec tail` returns it. The fixture projects are written to a temp dir here.
//
//   TOOLS=/tmp/compress-tools [ONLY=case,case] node bench/compress/make-corpus.mjs
//
// TOOLS is an npm project with vitest jest mocha typescript eslint @eslint/js pnpm installed (outside the
// repository, so none of them is a dependency of agent-exec). pytest, go, cargo, gcc, git, pip come
// from the system; a case whose tool is missing is skipped and said so.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "corpus");
const tools = process.env.TOOLS ?? "/tmp/compress-tools";
const bin = (name) => join(tools, "node_modules", ".bin", name);
const work = mkdtempSync(join(tmpdir(), "compress-corpus-"));
const TAIL = 64 * 1024;
mkdirSync(out, { recursive: true });

const write = (dir, files) => {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
};
const tail = (buf) => {
  const b = buf.length > TAIL ? buf.subarray(buf.length - TAIL) : buf;
  return b.toString("utf8");
};

/** Runs `argv` in `cwd`; `shown` is the command as an agent would type it (what route sees). */
const only = process.env.ONLY?.split(","); // regenerate just these cases

// `keep`: patterns picking the raw lines that say what failed (must_keep, checked by the bench on
// top of its generic failure-line count); chosen by a reader of the output, not by the engine.
function capture(name, cls, cwd, argv, shown = argv, env = {}, keep = []) {
  if (only && !only.includes(name)) return;
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, maxBuffer: 256 << 20 });
  if (r.error) {
    console.log(`skip ${name}: ${r.error.message}`);
    return;
  }
  const record = { name, class: cls, command: shown, exit_code: r.status, stdout: tail(r.stdout), stderr: tail(r.stderr) };
  if (keep.length > 0) {
    const raw = `${record.stdout}\n${record.stderr}`.split("\n").map((l) => l.trim());
    record.must_keep = [...new Set(raw.filter((l) => l !== "" && keep.some((k) => k.test(l))))];
    if (record.must_keep.length === 0) console.log(`warning ${name}: no must_keep line matched`);
  }
  writeFileSync(join(out, `${name}.json`), JSON.stringify(record, null, 1) + "\n");
  console.log(`${name}: exit ${r.status}, ${r.stdout.length}+${r.stderr.length} bytes`);
}

// A small library with a suite the size of a small real project: 16 files x 8 tests.
const lib = `export const add = (a, b) => a + b;\nexport const mul = (a, b) => a * b;\nexport const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");\nexport const chunk = (xs, n) => { const o = []; for (let i = 0; i < xs.length; i += n) o.push(xs.slice(i, i + n)); return o; };\n`;
const areas = ["math", "strings", "arrays", "parser", "format", "cache", "router", "config", "dates", "units", "queue", "tokens", "paths", "retry", "schema", "events"];
function suite(importLine, header, failing) {
  const files = { "lib.mjs": lib };
  for (const [i, area] of areas.entries()) {
    const tests = [];
    for (let t = 0; t < 8; t++) {
      const broken = failing && ((i === 1 && t === 3) || (i === 4 && t === 6));
      tests.push(`  it("${area} case ${t} keeps ${broken ? "the slug stable" : "its invariant"}", () => {\n    assert.equal(${broken ? `slug("Hello World ${t}")` : `add(${t}, ${i})`}, ${broken ? `"hello_world_${t}"` : t + i});\n  });`);
    }
    files[`test/${area}.test.mjs`] = `${importLine}\nimport { add, slug } from "../lib.mjs";\n\n${header}describe("${area}", () => {\n${tests.join("\n")}\n});\n`;
  }
  return files;
}
const assertImport = `import assert from "node:assert/strict";`;

// vitest
for (const failing of [false, true]) {
  const dir = join(work, `vitest-${failing}`);
  write(dir, { ...suite(`${assertImport}\nimport { describe, it } from "vitest";`, "", failing), "package.json": `{"type":"module"}` });
  capture(`vitest-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, [bin("vitest"), "run"], ["npx", "vitest", "run"]);
}
// jest (ESM through node's vm modules)
for (const failing of [false, true]) {
  const dir = join(work, `jest-${failing}`);
  write(dir, { ...suite(`${assertImport}`, "", failing), "package.json": `{"type":"module","jest":{"testMatch":["**/test/*.test.mjs"],"transform":{}}}` });
  capture(`jest-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, [bin("jest"), "--verbose"], ["npx", "jest", "--verbose"], { NODE_OPTIONS: "--experimental-vm-modules" });
}
// mocha
for (const failing of [false, true]) {
  const dir = join(work, `mocha-${failing}`);
  write(dir, { ...suite(assertImport, "", failing), "package.json": `{"type":"module"}` });
  capture(`mocha-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, [bin("mocha"), "test/*.test.mjs"], ["npx", "mocha", "test/*.test.mjs"]);
}
// node --test
for (const failing of [false, true]) {
  const dir = join(work, `node-${failing}`);
  write(dir, { ...suite(`${assertImport}\nimport { describe, it } from "node:test";`, "", failing), "package.json": `{"type":"module"}` });
  capture(`node-test-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, ["node", "--test", "--test-reporter=spec"], ["node", "--test"]);
}
// pytest
for (const failing of [false, true]) {
  const dir = join(work, `pytest-${failing}`);
  const files = { "calc.py": "def add(a, b):\n    return a + b\n\ndef slug(s):\n    return '-'.join(s.lower().split())\n" };
  for (const [i, area] of areas.entries()) {
    const body = [];
    for (let t = 0; t < 8; t++) {
      const broken = failing && ((i === 1 && t === 3) || (i === 4 && t === 6));
      body.push(`def test_${area}_case_${t}():\n    assert ${broken ? `slug("Hello World ${t}") == "hello_world_${t}"` : `add(${t}, ${i}) == ${t + i}`}\n`);
    }
    files[`tests/test_${area}.py`] = `from calc import add, slug\n\n\n${body.join("\n\n")}`;
  }
  write(dir, files);
  capture(`pytest-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, ["python3", "-m", "pytest", "-v", "-p", "no:cacheprovider"], ["pytest", "-v"], { PYTHONPATH: dir });
}
// go test -v
for (const failing of [false, true]) {
  const dir = join(work, `go-${failing}`);
  const tests = [];
  for (let t = 0; t < 30; t++) {
    const broken = failing && (t === 7 || t === 19);
    tests.push(`func TestCase${t}(t *testing.T) {\n\tif got := Add(${t}, 1); got != ${broken ? t + 2 : t + 1} {\n\t\tt.Errorf("Add(${t}, 1) = %d, want %d", got, ${broken ? t + 2 : t + 1})\n\t}\n}\n`);
  }
  write(dir, { "go.mod": "module example.com/calc\n\ngo 1.19\n", "calc.go": "package calc\n\nfunc Add(a, b int) int { return a + b }\n", "calc_test.go": `package calc\n\nimport "testing"\n\n${tests.join("\n")}` });
  capture(`go-test-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, ["go", "test", "-v", "./..."], ["go", "test", "-v", "./..."], { GOFLAGS: "-mod=mod", GOCACHE: join(work, "gocache"), GOPATH: join(work, "gopath") });
}
// cargo test
for (const failing of [false, true]) {
  const dir = join(work, `cargo-${failing}`);
  const tests = [];
  for (let t = 0; t < 30; t++) {
    const broken = failing && (t === 5 || t === 21);
    tests.push(`    #[test]\n    fn case_${t}() {\n        assert_eq!(add(${t}, 1), ${broken ? t + 2 : t + 1});\n    }\n`);
  }
  write(dir, { "Cargo.toml": `[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n`, "src/lib.rs": `pub fn add(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n${tests.join("\n")}}\n` });
  capture(`cargo-test-${failing ? "fail" : "pass"}`, failing ? "test-fail" : "test-pass", dir, ["cargo", "test", "--offline"], ["cargo", "test"], { CARGO_TARGET_DIR: join(work, "target") });
}
// a long verbose vitest pass: 40 files x 14 tests, every test named on its own line
{
  const dir = join(work, "vitest-verbose");
  const files = { "lib.mjs": lib, "package.json": `{"type":"module"}` };
  for (let i = 0; i < 40; i++) {
    const area = `${areas[i % areas.length]}-${Math.floor(i / areas.length)}`;
    const tests = [];
    for (let t = 0; t < 14; t++) tests.push(`  it("${area} handles input ${t} without surprises", () => {\n    assert.equal(add(${t}, ${i}), ${t + i});\n  });`);
    files[`test/${area}.test.mjs`] = `${assertImport}\nimport { describe, it } from "vitest";\nimport { add } from "../lib.mjs";\n\ndescribe("${area}", () => {\n${tests.join("\n")}\n});\n`;
  }
  write(dir, files);
  capture("vitest-verbose-pass", "test-pass", dir, [bin("vitest"), "run", "--reporter=verbose"], ["npx", "vitest", "run", "--reporter=verbose"]);
}
// tsc with many errors in three files, plain and --pretty (code frames, squiggles, colours off)
{
  const dir = join(work, "tsc-many");
  const files = { "tsconfig.json": `{"compilerOptions":{"strict":true,"noEmit":true,"target":"ES2022","module":"NodeNext"},"include":["src"]}` };
  // What a refactor leaves behind: a renamed field, changed signatures, a dropped helper; varied
  // names, so that messages repeat only where a real report repeats them.
  const fields = ["id", "age", "score", "rank"];
  const typos = ["nmae", "emial", "nam", "adress", "phnoe", "titel", "naem"];
  for (const [f, name] of ["api/client", "api/routes", "model/user"].entries()) {
    const body = [`export interface User { id: number; age: number; score: number; rank: number; name: string; email?: string }`, `declare function fetchUser(id: number): User;`];
    for (let k = 0; k < 14; k++) {
      body.push(`export function handler${k}(u: User): string {`, `  const v: string = u.${fields[(k + f) % 4]};`, `  const w = fetchUser(${k % 3 === 0 ? `"${k}"` : `${k}, ${f}`});`, `  return u.${typos[(k + f) % 7]} + v + w.email.trim() + ${k % 2 ? `missing${k}` : `u.name`};`, `}`);
    }
    files[`src/${name}.ts`] = body.join("\n") + "\n";
  }
  write(dir, files);
  capture("tsc-many-errors", "diagnostics", dir, [bin("tsc"), "-p", "."], ["npx", "tsc", "-p", "."]);
  capture("tsc-many-errors-pretty", "diagnostics", dir, [bin("tsc"), "-p", ".", "--pretty"], ["npx", "tsc", "-p", ".", "--pretty"]);
}
// eslint (stylish) with many problems in few files
{
  const dir = join(work, "eslint-many");
  const files = { "eslint.config.mjs": `import js from "@eslint/js";\nexport default [js.configs.recommended, { rules: { eqeqeq: "error", "no-var": "error", "prefer-const": "error", curly: "warn" } }];\n`, "package.json": `{"type":"module"}` };
  for (const name of ["src/server.js", "src/util/format.js", "lib/legacy.js"]) {
    const body = [];
    for (let k = 0; k < 12; k++) {
      body.push(`var count${k} = 0;`, `let fixed${k} = ${k};`, `function step${k}(a, b) {`, `  if (a == b) return fixed${k} + helper${k % 3}(a);`, `  try { debugger; } catch (e) {}`, `  return a;`, `}`);
    }
    files[name] = body.join("\n") + "\nexport { " + Array.from({ length: 12 }, (_, k) => `step${k}`).join(", ") + " };\n";
  }
  write(dir, files);
  symlinkSync(join(tools, "node_modules"), join(dir, "node_modules"));
  capture("eslint-many-errors", "diagnostics", dir, [bin("eslint"), "src", "lib"], ["npx", "eslint", "src", "lib"]);
}
// tsc errors
{
  const dir = join(work, "tsc");
  const files = { "tsconfig.json": `{"compilerOptions":{"strict":true,"noEmit":true,"target":"ES2022","module":"NodeNext"},"include":["src"]}` };
  for (let f = 0; f < 6; f++) files[`src/module${f}.ts`] = `export interface Item${f} { id: number; name: string }\nexport function make${f}(id: number): Item${f} {\n  const name: number = "item-" + id;\n  return { id, name };\n}\nexport const total${f} = make${f}("3").id + undefinedThing${f};\n`;
  write(dir, files);
  capture("tsc-errors", "diagnostics", dir, [bin("tsc"), "-p", "."], ["npx", "tsc", "-p", "."]);
  capture("tsc-errors-pretty", "diagnostics", dir, [bin("tsc"), "-p", ".", "--pretty"], ["npx", "tsc", "-p", ".", "--pretty"]);
}
// eslint errors
{
  const dir = join(work, "eslint");
  const files = { "eslint.config.mjs": `import js from "@eslint/js";\nexport default [js.configs.recommended, { languageOptions: { globals: { console: "readonly" } } }];\n`, "package.json": `{"type":"module"}` };
  for (let f = 0; f < 5; f++) files[`src/file${f}.js`] = `const unused${f} = 1;\nfunction f${f}(a, b) {\n  if (a == b) { return undefinedVar${f}; }\n  debugger;\n  return a;\n}\nexport { f${f} };\n`;
  write(dir, files);
  symlinkSync(join(tools, "node_modules"), join(dir, "node_modules")); // the flat config imports @eslint/js
  capture("eslint-errors", "diagnostics", dir, [bin("eslint"), "src"], ["npx", "eslint", "src"]);
}
// gcc errors
{
  const dir = join(work, "gcc");
  write(dir, { "main.c": `#include <stdio.h>\n\nstruct point { int x; int y; };\n\nint area(struct point *p) {\n  return p->x * p->z;\n}\n\nint main(void) {\n  int count = "three";\n  struct point p = {1, 2};\n  printf("%d\\n", area(&p), count);\n  undeclared_call(p);\n  return 0\n}\n`, "util.c": `int helper(int a) {\n  int unused;\n  return a +;\n}\n` });
  capture("gcc-errors", "diagnostics", dir, ["gcc", "-Wall", "-c", "main.c", "util.c"], ["gcc", "-Wall", "-c", "main.c", "util.c"]);
}
// cargo build errors
{
  const dir = join(work, "cargo-build");
  write(dir, { "Cargo.toml": `[package]\nname = "broken"\nversion = "0.1.0"\nedition = "2021"\n`, "src/main.rs": `fn parse(s: &str) -> i32 {\n    let n: i32 = s;\n    n\n}\n\nfn main() {\n    let unused = 3;\n    let v = vec![1, 2, 3];\n    let total: i32 = v.iter().sum();\n    println!("{}", parse("4") + total + missing);\n}\n` });
  capture("cargo-build-errors", "diagnostics", dir, ["cargo", "build", "--offline"], ["cargo", "build"], { CARGO_TARGET_DIR: join(work, "target-build") });
}
// npm install as an agent meets it: a fresh cache, funding on (this machine's npmrc turns fund and
// audit off; its registry mirror has no audit endpoint and serves no deprecation notices, so those
// cannot be captured here); then `npm ci` from the lockfile it wrote, plain and with the HTTP log a
// CI job turns on, and a peer conflict forced through (--force prints the ERESOLVE overrides).
{
  const dir = join(work, "npm-install");
  const cache = (n) => ["--cache", join(work, `npm-cache-${n}`)];
  write(dir, { "package.json": `{"name":"fixture","version":"1.0.0","dependencies":{"request":"2.88.2","glob":"7.2.3","rimraf":"3.0.2","uuid":"3.4.0","mkdirp":"0.5.1","eslint":"8.57.0","express":"4.18.2","core-js":"2.6.12"}}` });
  capture("npm-install", "install", dir, ["npm", "install", "--fund", ...cache(1)], ["npm", "install"]);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  capture("npm-ci", "install", dir, ["npm", "ci", "--fund", ...cache(2)], ["npm", "ci"]);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  capture("npm-ci-http-log", "install", dir, ["npm", "ci", "--fund", "--loglevel=http", ...cache(3)], ["npm", "ci", "--loglevel=http"]);
  capture("npm-install-force", "install", dir, ["npm", "install", "eslint@9", "@eslint/js@10", "--force", ...cache(2)], ["npm", "install", "eslint@9", "@eslint/js@10", "--force"]);
  const fail = join(work, "npm-install-fail");
  write(fail, { "package.json": `{"name":"fixture","version":"1.0.0"}` });
  capture("npm-install-eresolve", "install-fail", fail, ["npm", "install", "eslint@9", "@eslint/js@10", ...cache(2)], ["npm", "install", "eslint@9", "@eslint/js@10"], {},
    [/code ERESOLVE/, /could not resolve/, /While resolving/, /^npm error Found:/, /Could not resolve dependency/, /Conflicting peer dependency/, /^npm error peer/, /Fix the upstream/]);
  // A version that does not exist (ETARGET, npm's "No matching version"; a missing name is E404).
  capture("npm-install-etarget", "install-fail", fail, ["npm", "install", "glob@99.0.0", ...cache(2)], ["npm", "install", "glob@99.0.0"], {}, [/code ETARGET/, /No matching version/]);
}
// pnpm install (pnpm from TOOLS) of the same set, with a store of its own
if (existsSync(bin("pnpm"))) {
  const dir = join(work, "pnpm-install");
  write(dir, { "package.json": `{"name":"fixture","version":"1.0.0","dependencies":{"request":"2.88.2","glob":"7.2.3","rimraf":"3.0.2","eslint":"8.57.0","express":"4.18.2"}}` });
  capture("pnpm-install", "install", dir, [bin("pnpm"), "install", "--store-dir", join(work, "pnpm-store"), "--config.confirmModulesPurge=false"], ["pnpm", "install"], { CI: "1" });
} else console.log("skip pnpm-install: no pnpm in TOOLS");
// pip install into a fresh venv, from the machine's local package index (PIP_INDEX; no network)
{
  const dir = join(work, "pip");
  const index = process.env.PIP_INDEX ?? "file:///opt/pypi/simple";
  mkdirSync(dir, { recursive: true });
  spawnSync("python3", ["-m", "venv", join(dir, "venv")]);
  const pip = [join(dir, "venv", "bin", "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index];
  capture("pip-install", "install", dir, [...pip, "requests", "rich", "flask", "httpx", "pydantic"], ["pip", "install", "requests", "rich", "flask", "httpx", "pydantic"], { PIP_FIND_LINKS: "", PIP_EXTRA_INDEX_URL: "", PIP_DISABLE_PIP_VERSION_CHECK: "0" });
  // As a sandbox without network meets it: the machine's pip config names indexes it cannot reach.
  capture("pip-install-offline", "install", dir, ["python3", "-m", "pip", "install", "--no-cache-dir", "--target", join(dir, "t"), "requests", "rich"], ["pip", "install", "requests", "rich"]);
  capture("pip-install-fail", "install-fail", dir, [...pip, "requests==0.0.1"], ["pip", "install", "requests==0.0.1"], { PIP_FIND_LINKS: "", PIP_EXTRA_INDEX_URL: "" }, [/^ERROR: /]);
}
// Installs that fail, as an agent meets them here: a name the registry does not have, a native
// addon whose C++ does not compile (node-gyp under npm), a postinstall that downloads a binary from
// a host it cannot reach (under npm and yarn), pnpm and yarn asked for a missing name, pip building
// an sdist whose setup.py fails after requirements that are already there, pip and cargo with no
// route to their registries, apt-get asked for a package and a version it does not have.
{
  const dir = join(work, "installs"); // not "…-fail": a path naming a failure would make every line one
  const addon = join(work, "fast-hash-native");
  write(addon, {
    "package.json": `{"name":"fast-hash-native","version":"1.2.0","main":"index.js","scripts":{"install":"node-gyp rebuild"},"gypfile":true}`,
    "binding.gyp": `{"targets":[{"target_name":"fast_hash","sources":["src/hash.cc","src/util.cc"]}]}`,
    "index.js": `module.exports = require("./build/Release/fast_hash.node");\n`,
    "src/util.h": `#include <cstdint>\nuint32_t fnv_seed();\n`,
    "src/util.cc": `#include "util.h"\nuint32_t fnv_seed() { return 2166136261u + undefined_offset; }\n`,
    "src/hash.cc": `#include <node_api.h>\n#include "util.h"\n\nstatic napi_value Hash(napi_env env, napi_callback_info info) {\n  size_t argc = 1;\n  napi_value args[1];\n  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);\n  uint32_t seed = fnv_seed();\n  napi_value out;\n  napi_create_uint32(env, seed, &out)\n  return out;\n}\n\nNAPI_MODULE_INIT() {\n  napi_value fn;\n  napi_create_function(env, "hash", NAPI_AUTO_LENGTH, Hash, nullptr, &fn);\n  return fn;\n}\n`,
  });
  const prebuilt = join(work, "fastimg");
  write(prebuilt, {
    "package.json": `{"name":"fastimg","version":"3.1.0","main":"index.js","scripts":{"postinstall":"node scripts/fetch-binary.js"}}`,
    "index.js": `module.exports = require("./vendor/fastimg.node");\n`,
    "scripts/fetch-binary.js": `const https = require("node:https");\nconst url = "https://downloads.fastimg.invalid/v3.1.0/fastimg-v3.1.0-" + process.platform + "-" + process.arch + ".tar.gz";\nconsole.log("fastimg: no prebuilt binary in vendor/, fetching one");\nconsole.log("fastimg: downloading " + url);\nhttps.get(url, (res) => res.resume()).on("error", (err) => {\n  console.error("fastimg: download failed: " + err.message);\n  console.error("fastimg: set FASTIMG_BINARY_HOST to a mirror, or build from source with FASTIMG_BUILD=1");\n  throw err;\n});\n`,
  });
  mkdirSync(dir, { recursive: true });
  for (const pkg of [addon, prebuilt]) spawnSync("npm", ["pack", "--pack-destination", work], { cwd: pkg });
  const fresh = (name) => {
    const d = join(dir, name);
    rmSync(d, { recursive: true, force: true });
    write(d, { "package.json": `{"name":"app","version":"1.0.0","license":"MIT"}` });
    return d;
  };
  const npmCache = ["--cache", join(work, "npm-cache-fail")];
  const npmReport = [/code (?:E404|1)$/, /404 Not Found/, /is not in this registry/, /^npm error path /, /command failed/, /command sh -c/];
  capture("npm-install-e404", "install-fail", fresh("e404"), ["npm", "install", "left-pad-nonexistent-zz9q", ...npmCache], ["npm", "install", "left-pad-nonexistent-zz9q"], {}, npmReport);
  capture("npm-install-gyp", "install-fail", fresh("gyp"), ["npm", "install", join(work, "fast-hash-native-1.2.0.tgz"), "express@4.18.2", ...npmCache], ["npm", "install", "../fast-hash-native-1.2.0.tgz", "express@4.18.2"], {},
    [...npmReport, /: (?:fatal )?error: /, /make: \*\*\*/, /gyp ERR! build error/, /gyp ERR! stack Error/, /gyp ERR! not ok/]);
  capture("npm-install-postinstall", "install-fail", fresh("postinstall"), ["npm", "install", join(work, "fastimg-3.1.0.tgz"), "request@2.88.2", "glob@7.2.3", "rimraf@3.0.2", ...npmCache], ["npm", "install", "../fastimg-3.1.0.tgz", "request@2.88.2", "glob@7.2.3", "rimraf@3.0.2"], {},
    [...npmReport, /download failed/, /Error: getaddrinfo/]);
  // npm with no route to its registry (a sandbox without DNS: a registry name that does not resolve).
  capture("npm-install-offline", "install-fail", fresh("offline"), ["npm", "install", "left-pad", "express", "--registry", "https://registry.npmjs.invalid/", "--fetch-retries", "1", "--fetch-retry-mintimeout", "100", "--fetch-retry-maxtimeout", "200", ...npmCache], ["npm", "install", "left-pad", "express"], {},
    [/code ENOTFOUND/, /request to \S+ failed/]);
  // `npm ci` after package.json changed (a dependency added, a range raised) and the lock file did not.
  const ci = fresh("ci-stale");
  write(ci, { "package.json": `{"name":"app","version":"1.0.0","dependencies":{"glob":"7.2.3","uuid":"3.4.0"}}` });
  spawnSync("npm", ["install", "--package-lock-only", ...npmCache], { cwd: ci });
  write(ci, { "package.json": `{"name":"app","version":"1.0.0","dependencies":{"glob":"^8.1.0","uuid":"3.4.0","rimraf":"3.0.2","express":"4.18.2"}}` });
  capture("npm-ci-out-of-sync", "install-fail", ci, ["npm", "ci", ...npmCache], ["npm", "ci"], {},
    [/code EUSAGE/, /can only install packages when/, /Missing: (?:express|rimraf)@/, /Invalid: lock file's glob@/]);
  if (existsSync(bin("yarn"))) {
    const yarnCache = ["--cache-folder", join(work, "yarn-cache")];
    capture("yarn-add-postinstall", "install-fail", fresh("yarn-postinstall"), [bin("yarn"), "add", join(work, "fastimg-3.1.0.tgz"), "express@4.18.2", ...yarnCache], ["yarn", "add", "../fastimg-3.1.0.tgz", "express@4.18.2"], {},
      [/^error /, /Exit code/, /download failed/, /Error: getaddrinfo/]);
    capture("yarn-add-404", "install-fail", fresh("yarn-404"), [bin("yarn"), "add", "left-pad-nonexistent-zz9q", ...yarnCache], ["yarn", "add", "left-pad-nonexistent-zz9q"], {}, [/^error /]);
  } else console.log("skip yarn-*: no yarn in TOOLS");
  if (existsSync(bin("pnpm"))) {
    capture("pnpm-add-404", "install-fail", fresh("pnpm-404"), [bin("pnpm"), "add", "left-pad-nonexistent-zz9q", "express@4.18.2", "--store-dir", join(work, "pnpm-store-fail")], ["pnpm", "add", "left-pad-nonexistent-zz9q", "express@4.18.2"], { CI: "1" }, [/ERR_PNPM/, /404/]);
  } else console.log("skip pnpm-add-404: no pnpm in TOOLS");
  // pip: a venv that already has what requirements.txt names, and an sdist whose setup.py fails.
  const py = join(dir, "py");
  mkdirSync(join(py, "dist"), { recursive: true });
  const index = process.env.PIP_INDEX ?? "file:///opt/pypi/simple";
  spawnSync("python3", ["-m", "venv", join(py, "venv")]);
  spawnSync(join(py, "venv", "bin", "python"), ["-m", "pip", "install", "-q", "--no-cache-dir", "--index-url", index, "requests", "rich", "flask"]);
  write(join(py, "sdist", "fastcsv-native-0.4.1"), {
    "PKG-INFO": "Metadata-Version: 2.1\nName: fastcsv-native\nVersion: 0.4.1\n",
    "setup.py": `import subprocess, sys\nfrom setuptools import setup\nprint("running build for fastcsv-native")\nr = subprocess.run(["pkg-config", "--cflags", "libcsvparse"], capture_output=True, text=True)\nif r.returncode != 0:\n    sys.stderr.write(r.stderr)\n    raise RuntimeError("libcsvparse development headers not found; install libcsvparse-dev (or set CSVPARSE_DIR)")\nsetup(name="fastcsv-native", version="0.4.1")\n`,
  });
  spawnSync("tar", ["-C", join(py, "sdist"), "-czf", join(py, "dist", "fastcsv-native-0.4.1.tar.gz"), "fastcsv-native-0.4.1"]);
  write(py, { "requirements.txt": "requests>=2.31\nrich\nflask>=3\nfastcsv-native==0.4.1\n" });
  capture("pip-install-build-fail", "install-fail", py, [join(py, "venv", "bin", "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index, "--find-links", join(py, "dist"), "-r", "requirements.txt"], ["pip", "install", "-r", "requirements.txt"], {},
    [/error: subprocess-exited-with-error/, /did not run successfully/, /exit code: 1/, /RuntimeError/, /was not found|not found$/]);
  // The common one: a fresh venv, requirements collected, then an sdist whose C extension does not
  // compile (a header of a system library is missing).
  write(join(py, "sdist", "fastcsv-native-0.5.0"), {
    "PKG-INFO": "Metadata-Version: 2.1\nName: fastcsv-native\nVersion: 0.5.0\n",
    "pyproject.toml": `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n`,
    "setup.py": `from setuptools import Extension, setup\nsetup(name="fastcsv-native", version="0.5.0", packages=["fastcsv"], package_dir={"": "src"}, ext_modules=[Extension("fastcsv._native", ["src/fastcsv/_native.c"])])\n`,
    "src/fastcsv/__init__.py": "from ._native import parse\n",
    "src/fastcsv/reader.py": "def rows(path):\n    return []\n",
    "src/fastcsv/_native.c": "#include <Python.h>\n#include <csvparse.h>\n\nstatic PyObject *parse(PyObject *self, PyObject *args) { Py_RETURN_NONE; }\n",
  });
  spawnSync("tar", ["-C", join(py, "sdist"), "-czf", join(py, "dist", "fastcsv-native-0.5.0.tar.gz"), "fastcsv-native-0.5.0"]);
  spawnSync("python3", ["-m", "venv", join(py, "fresh")]);
  capture("pip-install-ext-fail", "install-fail", py, [join(py, "fresh", "bin", "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index, "flask", "requests", "rich", join(py, "dist", "fastcsv-native-0.5.0.tar.gz")], ["pip", "install", "flask", "requests", "rich", "./dist/fastcsv-native-0.5.0.tar.gz"], { PIP_FIND_LINKS: "", PIP_EXTRA_INDEX_URL: "" },
    [/fatal error: /, /error: [Cc]ommand .*(?:failed|non-zero exit)/, /Failed (?:building|to build)/, /Could not build wheels/, /subprocess-exited-with-error/]);
  capture("pip-install-unreachable", "install-fail", py, ["python3", "-m", "pip", "install", "--no-cache-dir", "--target", join(py, "t"), "httpx-retry-nonexistent-zz9q"], ["pip", "install", "httpx-retry-nonexistent-zz9q"], {}, [/^ERROR: /, /Failed to establish a new connection/]);
  // cargo with dependencies and no route to crates.io
  const crate = join(dir, "cargo");
  write(crate, { "Cargo.toml": `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nserde = { version = "1", features = ["derive"] }\nclap = "4"\n`, "src/main.rs": "fn main() {}\n" });
  capture("cargo-build-unreachable", "install-fail", crate, ["cargo", "build"], ["cargo", "build"], { CARGO_HOME: join(work, "cargo-home"), CARGO_TARGET_DIR: join(work, "target-fail") },
    [/^error: /, /download of config\.json failed/, /failed to download/, /Could not resolve host/]);
  capture("apt-get-install-missing", "install-fail", dir, ["apt-get", "install", "-y", "nonexistent-pkg-zz9q", "libc6=0.0-0"], ["apt-get", "install", "-y", "nonexistent-pkg-zz9q", "libc6=0.0-0"], {}, [/^E: /]);
}
// git, on the reference repository's history (a real project)
{
  const ref = process.env.REF_GIT ?? "/work/.mirror/tumf+agent-exec/repo";
  if (existsSync(ref)) {
    const g = (name, args) => capture(name, "git", work, ["git", `--git-dir=${ref}`, ...args], ["git", ...args]);
    g("git-log", ["log", "-40", "v0.2.31"]);
    g("git-log-stat", ["log", "--stat", "-25", "v0.2.31"]);
    g("git-diff", ["diff", "v0.2.30", "v0.2.31", "--", "src"]);
    g("git-show", ["show", "--stat", "--patch", "v0.2.31~3"]);
  } else console.log(`skip git-*: no ${ref}`);
  // git status on a scratch clone with changes
  const repo = join(work, "status-repo");
  mkdirSync(repo);
  const sh = (cmd) => spawnSync("sh", ["-c", cmd], { cwd: repo });
  sh(`git init -q && git config user.email a@b.invalid && git config user.name t && for i in $(seq 1 30); do mkdir -p src/m$((i%4)); echo $i > src/m$((i%4))/f$i.ts; done && git add . && git commit -qm init`);
  sh(`for i in $(seq 1 12); do echo x >> src/m$((i%4))/f$i.ts; done; git add src/m1; git rm -q src/m2/f30.ts; for i in $(seq 1 9); do echo n > new$i.txt; done`);
  capture("git-status", "git", repo, ["git", "status"], ["git", "status"]);
}
// a long log: dpkg's real log on this machine, as `tail -n 1500` of it
if (existsSync("/var/log/dpkg.log")) capture("dpkg-log", "log", work, ["tail", "-n", "1500", "/var/log/dpkg.log"], ["tail", "-n", "1500", "/var/log/dpkg.log"]);
if (existsSync("/var/log/apt/term.log")) capture("apt-term-log", "log", work, ["tail", "-n", "1200", "/var/log/apt/term.log"], ["tail", "-n", "1200", "/var/log/apt/term.log"]);
// JSON: the dependency tree of the tools project (two levels, so that it fits the 64 KiB tail whole)
capture("npm-ls-json", "json", tools, ["npm", "ls", "--json", "--depth=1"], ["npm", "ls", "--json", "--depth=1"]);

// A second set, written apart from the first (other fixtures, reporters and failure kinds) and
// measured before it joined the corpus: a check that the families were not fitted to the first.
{
  // python
  const py = join(work, "py2");
  write(py, {
    "inventory/__init__.py": "",
    "inventory/stock.py": "class Stock:\n    def __init__(self):\n        self.items = {}\n    def add(self, sku, n):\n        if n < 0:\n            raise ValueError(f'negative quantity for {sku}: {n}')\n        self.items[sku] = self.items.get(sku, 0) + n\n    def take(self, sku, n):\n        have = self.items.get(sku, 0)\n        if n > have:\n            raise KeyError(sku)\n        self.items[sku] = have - n\n        return self.items[sku]\n",
    "tests/test_stock.py": "import pytest\nfrom inventory.stock import Stock\n\n@pytest.fixture\ndef stock():\n    s = Stock()\n    s.add('apple', 3)\n    return s\n\n@pytest.fixture\ndef broken():\n    raise RuntimeError('database unavailable')\n\nclass TestAdd:\n    def test_add_new(self, stock):\n        stock.add('pear', 2)\n        assert stock.items['pear'] == 2\n    def test_add_existing(self, stock):\n        stock.add('apple', 1)\n        assert stock.items['apple'] == 5\n    def test_negative(self, stock):\n        with pytest.raises(ValueError):\n            stock.add('apple', -1)\n\n@pytest.mark.parametrize('n,left', [(1, 2), (2, 1), (3, 1), (4, 0)])\ndef test_take(stock, n, left):\n    assert stock.take('apple', n) == left\n\ndef test_uses_db(broken):\n    assert broken\n\ndef test_dict_compare(stock):\n    assert stock.items == {'apple': 3, 'kiwi': 0}\n\n@pytest.mark.xfail(reason='not implemented')\ndef test_future():\n    assert False\n" + Array.from({ length: 40 }, (_, i) => `\ndef test_ok_${i}(stock):\n    assert stock.items['apple'] == 3\n`).join(""),
    "tests/test_ok.py": Array.from({ length: 60 }, (_, i) => `def test_pass_${i}():\n    assert ${i} + 1 == ${i + 1}\n`).join("\n"),
    "conftest.py": "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n",
  });
  capture("pytest-fail-fixtures", "test-fail", py, ["pytest", "-p", "no:cacheprovider"], ["pytest"]);
  capture("pytest-fail-verbose", "test-fail", py, ["python3", "-m", "pytest", "-v", "-p", "no:cacheprovider"], ["python", "-m", "pytest", "-v"]);
  capture("pytest-pass-verbose", "test-pass", py, ["pytest", "-p", "no:cacheprovider", "tests/test_ok.py", "-v"], ["pytest", "tests/test_ok.py", "-v"]);
  write(py, { "tests/test_unit.py": "import unittest\nclass T(unittest.TestCase):\n" + Array.from({ length: 30 }, (_, i) => `    def test_${i}(self):\n        self.assertEqual(${i} % 7, ${i % 7 === 3 ? 4 : i % 7})\n`).join("") + "    def test_raise(self):\n        {}['missing']\n" });
  capture("unittest-fail", "test-fail", py, ["python3", "-m", "unittest", "discover", "-s", "tests", "-p", "test_unit.py", "-v"], ["python", "-m", "unittest", "discover", "-v"]);
  // rust
  const rs = join(work, "rs");
  write(rs, {
    "Cargo.toml": '[package]\nname = "ledger"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/lib.rs": "pub fn balance(xs: &[i64]) -> i64 { xs.iter().sum() }\npub fn parse(s: &str) -> Option<i64> { s.trim().parse().ok() }\n#[cfg(test)]\nmod tests {\n    use super::*;\n" + Array.from({ length: 25 }, (_, i) => `    #[test] fn sums_${i}() { assert_eq!(balance(&[${i}, 1]), ${i + 1}); }\n`).join("") + "    #[test] fn negative() { assert_eq!(balance(&[-1, -2]), -4); }\n    #[test] fn parses() { assert_eq!(parse(\" 12 \"), Some(13), \"parse trims\"); }\n    #[test] fn panics() { let v: Vec<i64> = vec![]; let _ = v[3]; }\n    #[test] #[should_panic] fn should() { }\n}\n",
  });
  capture("cargo-test-backtrace", "test-fail", rs, ["cargo", "test", "--offline"], ["cargo", "test"], { RUST_BACKTRACE: "1" });
  const rsb = join(work, "rsb");
  write(rsb, {
    "Cargo.toml": '[package]\nname = "report"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/main.rs": "use std::collections::HashMap;\nstruct Row { name: String, total: u32 }\nfn load() -> Vec<Row> { vec![Row { name: \"a\".into(), total: 1 }] }\nfn main() {\n    let unused = 5;\n    let rows = load();\n    let mut by: HashMap<String, u32> = HashMap::new();\n    for r in rows { by.insert(r.name, r.total + \"1\"); }\n    let n: u32 = by.len();\n    println!(\"{}\", missing_fn(n));\n    let s: &str = String::from(\"x\");\n}\n",
  });
  capture("cargo-build-type-errors", "diagnostics", rsb, ["cargo", "build", "--offline"], ["cargo", "build"]);
  // C
  const cc = join(work, "c");
  write(cc, {
    "Makefile": "CFLAGS=-Wall -Wextra\nOBJS=main.o util.o parse.o\napp: $(OBJS)\n\t$(CC) -o app $(OBJS)\n%.o: %.c\n\t$(CC) $(CFLAGS) -c $< -o $@\n",
    "util.h": "int clamp(int v, int lo, int hi);\n",
    "util.c": "#include \"util.h\"\nint clamp(int v, int lo, int hi) { int unused; if (v < lo) return lo; if (v > hi) return hi; return v; }\n",
    "parse.c": "#include <stdio.h>\nint parse(const char *s) { int n; sscanf(s, \"%d\", n); return n; }\n",
    "main.c": "#include <stdio.h>\n#include \"util.h\"\nint main(int argc, char **argv) {\n  char *p = 5;\n  printf(\"%s\\n\", clamp(argc, 0, 3));\n  return undefined_var;\n}\n",
  });
  capture("make-gcc-errors", "diagnostics", cc, ["make", "-k"], ["make", "-k"]);
  // JS tests
  const js = join(work, "js2");
  mkdirSync(join(js, "node_modules"), { recursive: true });
  write(js, {
    "package.json": '{"name":"shop","type":"module","version":"1.0.0"}',
    "src/cart.js": "export function total(items) { return items.reduce((s, i) => s + i.price * i.qty, 0); }\nexport function discount(t, code) { if (code === 'HALF') return t / 2; if (!code) return t; throw new Error(`unknown code ${code}`); }\n",
  });
  for (let f = 0; f < 8; f++) write(js, { [`test/cart${f}.test.js`]: `import { describe, it, expect } from "vitest";\nimport { total, discount } from "../src/cart.js";\ndescribe("cart ${f}", () => {\n` + Array.from({ length: 10 }, (_, i) => `  it("totals ${i}", () => { expect(total([{ price: ${i}, qty: 2 }])).toBe(${f === 3 && i === 4 ? 99 : 2 * i}); });\n`).join("") + (f === 5 ? `  it("discounts", () => { expect(discount(10, "TEN")).toBe(1); });\n  it("shape", () => { expect({ a: 1, b: [1, 2, 3], c: "x" }).toEqual({ a: 1, b: [1, 2, 4], c: "y" }); });\n` : "") + `});\n` });
  capture("vitest-fail-diff", "test-fail", js, [bin("vitest"), "run", "--root", js], ["npx", "vitest", "run"]);
  const jj = join(work, "jj");
  write(jj, { "package.json": '{"name":"calc","version":"1.0.0"}', "calc.js": "module.exports = { div: (a, b) => { if (b === 0) throw new RangeError('division by zero'); return a / b; } };\n" });
  for (let f = 0; f < 6; f++) write(jj, { [`__tests__/calc${f}.test.js`]: `const { div } = require("../calc");\ndescribe("div ${f}", () => {\n` + Array.from({ length: 12 }, (_, i) => `  test("divides ${i}", () => { expect(div(${i * 2}, 2)).toBe(${f === 2 && i === 7 ? 0 : i}); });\n`).join("") + (f === 4 ? `  test("by zero", () => { expect(div(1, 0)).toBe(Infinity); });\n  test("list", () => { expect([1, 2, 3]).toContain(4); });\n` : "") + `});\n` });
  capture("jest-fail-throws", "test-fail", jj, [bin("jest"), "--rootDir", jj, "--ci"], ["npx", "jest", "--ci"]);
  capture("jest-pass-verbose", "test-pass", jj, [bin("jest"), "--rootDir", jj, "--ci", "--verbose", "-t", "divides [0-6]$"], ["npx", "jest", "--ci", "--verbose"]);
  const mo = join(work, "mo");
  write(mo, { "package.json": '{"name":"m","version":"1.0.0"}', "test/a.spec.js": "const assert = require('assert');\ndescribe('queue', () => {\n  describe('push', () => {\n" + Array.from({ length: 15 }, (_, i) => `    it('keeps order ${i}', () => assert.strictEqual(${i}, ${i === 9 ? 10 : i}));\n`).join("") + "  });\n  describe('async', () => {\n    it('resolves', async () => { await new Promise((r) => setTimeout(r, 5)); assert.deepStrictEqual({ a: [1, 2] }, { a: [1, 3] }); });\n    it('times out', function (done) { this.timeout(30); });\n  });\n});\n" });
  capture("mocha-fail-nested", "test-fail", mo, [bin("mocha"), "test/a.spec.js"], ["npx", "mocha"]);
  const nt = join(work, "nt");
  write(nt, { "t.test.mjs": "import test from 'node:test';\nimport assert from 'node:assert/strict';\n" + Array.from({ length: 20 }, (_, i) => `test('case ${i}', () => { assert.equal(${i} * 2, ${i === 13 ? 27 : i * 2}); });\n`).join("") + "test('group', async (t) => { await t.test('inner ok', () => {}); await t.test('inner bad', () => { assert.deepEqual({ x: 1 }, { x: 2 }); }); });\n" });
  capture("node-test-fail-subtests", "test-fail", nt, [process.execPath, "--test"], ["node", "--test"]);
  capture("node-test-spec-fail", "test-fail", nt, [process.execPath, "--test", "--test-reporter=spec"], ["node", "--test", "--test-reporter=spec"]);
  // tsc / eslint
  const ts = join(work, "ts");
  write(ts, { "tsconfig.json": '{"compilerOptions":{"strict":true,"noEmit":true,"target":"es2022","module":"nodenext"},"include":["src"]}' });
  for (let f = 0; f < 12; f++) write(ts, { [`src/mod${f}.ts`]: `export interface User${f} { id: number; name: string; tags: string[] }\nexport function make${f}(n: number): User${f} {\n  const u: User${f} = { id: "x${f}", name: n, tags: [1] };\n  return u.missing${f};\n}\nexport const v${f}: Promise<number> = make${f}(1);\n` });
  capture("tsc-errors-strict", "diagnostics", ts, [bin("tsc"), "-p", ts], ["npx", "tsc", "-p", "."]);
  capture("tsc-errors-strict-pretty", "diagnostics", ts, [bin("tsc"), "-p", ts, "--pretty"], ["npx", "tsc", "--pretty"]);
  const es = join(work, "es");
  write(es, { "eslint.config.js": "import js from '" + join(tools, "node_modules/@eslint/js/src/index.js") + "';\nexport default [js.configs.recommended, { rules: { 'no-console': 'warn', eqeqeq: 'error', 'prefer-const': 'error' }, languageOptions: { globals: { console: 'readonly' } } }];\n", "package.json": '{"type":"module"}' });
  for (let f = 0; f < 15; f++) write(es, { [`lib/part${f}.js`]: `let a${f} = 1;\nif (a${f} == "1") { console.log(undefinedThing${f}); }\nfunction unused${f}() { var x; }\nexport const y${f} = a${f};\n` });
  capture("eslint-errors-rules", "diagnostics", es, [bin("eslint"), "lib"], ["npx", "eslint", "lib"]);
  // npm
  const nr = join(work, "nr");
  write(nr, { "package.json": JSON.stringify({ name: "app", version: "1.0.0", scripts: { build: `${bin("tsc")} -p ${ts}`, lint: "node -e \"console.error('lint: 3 problems'); process.exit(2)\"" } }) });
  capture("npm-run-build-fail", "diagnostics", nr, ["npm", "run", "build"], ["npm", "run", "build"]);
  capture("npm-install-notarget", "install-fail", nr, ["npm", "install", "--no-audit", "--no-fund", "left-pad@99.0.0"], ["npm", "install", "left-pad@99.0.0"]);
  capture("npm-install-three", "install", nr, ["npm", "install", "--no-audit", "--no-fund", "lodash@4", "chalk@4", "semver@7"], ["npm", "install", "lodash@4", "chalk@4", "semver@7"]);
  capture("pip-install-missing", "install-fail", work, ["pip", "install", "--no-index", "surely-not-a-package-zz"], ["pip", "install", "surely-not-a-package-zz"]);
  // go (offline: the module needs nothing)
  const goEnv = { GOFLAGS: "-mod=mod", GOPROXY: "off", GOCACHE: join(work, "gocache") };
  const go = join(work, "go2");
  write(go, { "go.mod": "module example.com/bank\n\ngo 1.19\n", "bank.go": "package bank\n\nimport \"errors\"\n\ntype Account struct{ Balance int }\n\nfunc (a *Account) Withdraw(n int) error {\n\tif n > a.Balance {\n\t\treturn errors.New(\"insufficient funds\")\n\t}\n\ta.Balance -= n\n\treturn nil\n}\n",
    "bank_test.go": "package bank\n\nimport \"testing\"\n\n" + Array.from({ length: 15 }, (_, i) => `func TestDeposit${i}(t *testing.T) {\n\ta := &Account{Balance: ${i}}\n\tif a.Balance != ${i === 6 ? 7 : i} {\n\t\tt.Errorf("balance = %d, want %d", a.Balance, ${i === 6 ? 7 : i})\n\t}\n}\n`).join("\n") + "\nfunc TestWithdraw(t *testing.T) {\n\ta := &Account{Balance: 5}\n\tif err := a.Withdraw(10); err == nil {\n\t\tt.Fatal(\"expected error\")\n\t}\n\tvar m map[string]int\n\tm[\"x\"] = 1\n}\n\nfunc TestTable(t *testing.T) {\n\tfor _, tc := range []struct{ in, want int }{{1, 1}, {2, 3}, {3, 3}} {\n\t\tt.Run(\"case\", func(t *testing.T) {\n\t\t\tif tc.in != tc.want {\n\t\t\t\tt.Errorf(\"got %d want %d\", tc.in, tc.want)\n\t\t\t}\n\t\t})\n\t}\n}\n" });
  capture("go-test-v-panic", "test-fail", go, ["go", "test", "-v", "./..."], ["go", "test", "-v", "./..."], goEnv);
  capture("go-test-quiet-fail", "test-fail", go, ["go", "test", "./..."], ["go", "test", "./..."], goEnv);
  const gob = join(work, "gob");
  write(gob, { "go.mod": "module example.com/tool\n\ngo 1.19\n", "main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tvar n int = \"three\"\n\tfmt.Println(undefinedName)\n\tx := 5\n\tos.Exit(n)\n}\n", "util.go": "package main\n\nfunc helper() int { return \"s\" }\n" });
  capture("go-build-errors", "diagnostics", gob, ["go", "build", "./..."], ["go", "build", "./..."], goEnv);
  capture("go-vet-errors", "diagnostics", gob, ["go", "vet", "./..."], ["go", "vet", "./..."], goEnv);
  // vitest: a thrown TypeError from source, through vitest's frames
  const vt = join(work, "vt");
  mkdirSync(join(vt, "node_modules"), { recursive: true });
  write(vt, { "package.json": '{"name":"v","type":"module"}', "src/parse.js": "export function parseConfig(text) { const cfg = JSON.parse(text); return cfg.server.port; }\n" });
  for (let f = 0; f < 5; f++) write(vt, { [`test/p${f}.test.js`]: `import { test, expect } from "vitest";\nimport { parseConfig } from "../src/parse.js";\n` + Array.from({ length: 8 }, (_, i) => `test("port ${i}", () => { expect(parseConfig('{"server":{"port":${i}}}')).toBe(${i}); });\n`).join("") + (f === 2 ? `test("missing server", () => { expect(parseConfig('{}')).toBe(80); });\ntest("bad json", () => { expect(parseConfig('{bad')).toBe(80); });\n` : "") });
  capture("vitest-fail-throws", "test-fail", vt, [bin("vitest"), "run", "--root", vt], ["npx", "vitest", "run"]);
  // jest --verbose failing
  const jv = join(work, "jv");
  write(jv, { "package.json": '{"name":"j","version":"1.0.0"}', "str.js": "module.exports = { cap: (s) => s[0].toUpperCase() + s.slice(1) };\n" });
  for (let f = 0; f < 4; f++) write(jv, { [`__tests__/s${f}.test.js`]: `const { cap } = require("../str");\ndescribe("cap ${f}", () => {\n` + Array.from({ length: 10 }, (_, i) => `  it("caps word${i}", () => { expect(cap("word${i}")).toBe("Word${i}"); });\n`).join("") + (f === 1 ? `  it("empty", () => { expect(cap("")).toBe(""); });\n  it("object", () => { expect({ a: cap("x"), b: [1] }).toStrictEqual({ a: "X", b: [2] }); });\n` : "") + `});\n` });
  capture("jest-fail-verbose", "test-fail", jv, [bin("jest"), "--rootDir", jv, "--ci", "--verbose"], ["npx", "jest", "--ci", "--verbose"]);
  // pytest: a failure inside the standard library (json), long traceback; and -x -q
  const pl = join(work, "pl");
  write(pl, { "app.py": "import json\n\ndef load(text):\n    return json.loads(text)['name']\n", "test_app.py": "from app import load\n\n" + Array.from({ length: 30 }, (_, i) => `def test_name_${i}():\n    assert load('{"name": "n${i}"}') == "n${i}"\n`).join("\n") + "\ndef test_bad_json():\n    assert load('{bad') == 'x'\n\ndef test_missing():\n    assert load('{}') == 'x'\n", "conftest.py": "" });
  capture("pytest-fail-stdlib", "test-fail", pl, ["pytest", "-p", "no:cacheprovider"], ["pytest"]);
  capture("pytest-fail-x-q", "test-fail", pl, ["pytest", "-x", "-q", "-p", "no:cacheprovider"], ["pytest", "-x", "-q"]);
  // mocha: a failing beforeEach hook and an uncaught error
  const mh = join(work, "mh");
  write(mh, { "package.json": '{"name":"m","version":"1.0.0"}', "test/db.spec.js": "const assert = require('assert');\ndescribe('db', function () {\n  describe('connected', function () {\n    beforeEach(function () { throw new Error('connection refused: 127.0.0.1:5432'); });\n    it('reads', function () {});\n    it('writes', function () {});\n  });\n  describe('offline', function () {\n" + Array.from({ length: 12 }, (_, i) => `    it('caches ${i}', function () { assert.ok(true); });\n`).join("") + "    it('evicts', function () { assert.equal([1,2,3].length, 4, 'cache size'); });\n  });\n});\n" });
  capture("mocha-fail-hook", "test-fail", mh, [bin("mocha"), "test/db.spec.js"], ["npx", "mocha"]);
  // tsc --pretty with chained elaborations
  const tc = join(work, "tc");
  write(tc, { "tsconfig.json": '{"compilerOptions":{"strict":true,"noEmit":true,"target":"es2022"},"include":["src"]}', "src/config.ts": "interface Db { host: string; port: number; pool: { min: number; max: number } }\ninterface Config { name: string; db: Db; flags: Record<string, boolean> }\nexport const a: Config = { name: 'x', db: { host: 'h', port: '5432', pool: { min: 1, max: '10' } }, flags: { on: 'yes' } };\nexport const b: Config[] = [{ name: 1, db: { host: 'h', port: 1, pool: { min: 1 } }, flags: {} }];\nexport function f(c: Config): number { return c.db.pool.size + c.nme.length; }\n" });
  capture("tsc-errors-elaborated", "diagnostics", tc, [bin("tsc"), "-p", tc], ["npx", "tsc"]);
  capture("tsc-errors-elaborated-pretty", "diagnostics", tc, [bin("tsc"), "-p", tc, "--pretty"], ["npx", "tsc", "--pretty"]);
  // cargo build with warnings only (success)
  const cw = join(work, "cw");
  write(cw, { "Cargo.toml": '[package]\nname = "warns"\nversion = "0.1.0"\nedition = "2021"\n', "src/main.rs": "fn unused_fn() {}\nfn main() {\n    let x = 5;\n    let mut y = 3;\n    println!(\"hi\");\n}\n" });
  capture("cargo-build-warnings", "diagnostics", cw, ["cargo", "build", "--offline"], ["cargo", "build"]);
  // npm: peer conflict warnings on install, and a failing npm test script
  const np = join(work, "np");
  write(np, { "package.json": JSON.stringify({ name: "peer", version: "1.0.0", scripts: { test: `${bin("jest")} --rootDir ${jv} --ci` } }) });
  capture("npm-test-fail", "test-fail", np, ["npm", "test"], ["npm", "test"]);
  capture("npm-install-peer", "install-fail", np, ["npm", "install", "--no-audit", "--no-fund", "react@18", "react-dom@17", "--legacy-peer-deps=false"], ["npm", "install", "react@18", "react-dom@17"]);
  // a third batch
  // jest: many suites failing -> "Summary of all failing tests"
  const jm = join(work, "jm");
  write(jm, { "package.json": '{"name":"jm","version":"1.0.0"}', "m.js": "module.exports = { sq: (x) => x * x, neg: (x) => -x };\n" });
  for (let f = 0; f < 25; f++) write(jm, { [`__tests__/m${f}.test.js`]: `const { sq, neg } = require("../m");\ntest("sq ${f}", () => { expect(sq(${f})).toBe(${f % 6 === 1 ? f * f + 1 : f * f}); });\ntest("neg ${f}", () => { expect(neg(${f})).toBe(${-f}); });\n` });
  capture("jest-many-suites-fail", "test-fail", jm, [bin("jest"), "--rootDir", jm, "--ci"], ["npx", "jest", "--ci"]);
  // vitest verbose reporter failing
  const vv = join(work, "vv");
  mkdirSync(join(vv, "node_modules"), { recursive: true });
  write(vv, { "package.json": '{"name":"vv","type":"module"}' });
  for (let f = 0; f < 6; f++) write(vv, { [`test/v${f}.test.js`]: `import { describe, it, expect } from "vitest";\ndescribe("area ${f}", () => {\n` + Array.from({ length: 12 }, (_, i) => `  it("works ${i}", () => { expect([${i}].includes(${f === 4 && i === 3 ? 99 : i})).toBe(true); });\n`).join("") + `});\n` });
  capture("vitest-verbose-fail", "test-fail", vv, [bin("vitest"), "run", "--root", vv, "--reporter=verbose"], ["npx", "vitest", "run", "--reporter=verbose"]);
  // mocha reporters
  const md = join(work, "md");
  write(md, { "package.json": '{"name":"md","version":"1.0.0"}', "test/x.spec.js": "const assert = require('assert');\ndescribe('x', () => {\n" + Array.from({ length: 40 }, (_, i) => `  it('t${i}', () => assert.strictEqual(${i}, ${i === 17 || i === 31 ? -1 : i}));\n`).join("") + "});\n" });
  capture("mocha-dot-fail", "test-fail", md, [bin("mocha"), "--reporter", "dot", "test/x.spec.js"], ["npx", "mocha", "--reporter", "dot"]);
  capture("mocha-tap-fail", "test-fail", md, [bin("mocha"), "--reporter", "tap", "test/x.spec.js"], ["npx", "mocha", "--reporter", "tap"]);
  // pytest -rA (summary of all), and a collection error
  const pr = join(work, "pr");
  write(pr, { "test_r.py": Array.from({ length: 20 }, (_, i) => `def test_${i}():\n    assert ${i} != ${i === 12 ? 12 : -1}\n`).join("\n"), "test_broken.py": "import not_a_module\n\ndef test_x():\n    pass\n" });
  capture("pytest-collection-error", "test-fail", pr, ["pytest", "-p", "no:cacheprovider", "-rA"], ["pytest", "-rA"]);
  // node --test with TAP reporter, a test that throws inside a helper
  const nt3 = join(work, "nt3");
  write(nt3, { "h.mjs": "export function parse(s) { if (!s.startsWith('{')) throw new SyntaxError(`not an object: ${s}`); return JSON.parse(s); }\n", "p.test.mjs": "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { parse } from './h.mjs';\n" + Array.from({ length: 15 }, (_, i) => `test('parse ${i}', () => { assert.deepEqual(parse('{"a":${i}}'), { a: ${i} }); });\n`).join("") + "test('parse text', () => { parse('hello'); });\n" });
  capture("node-test-tap-throws", "test-fail", nt3, [process.execPath, "--test", "--test-reporter=tap"], ["node", "--test", "--test-reporter=tap"]);
  // tsc -b (build mode) with errors in two projects
  const tb = join(work, "tb");
  write(tb, { "tsconfig.json": '{"files":[],"references":[{"path":"./a"},{"path":"./b"}]}', "a/tsconfig.json": '{"compilerOptions":{"composite":true,"strict":true,"outDir":"dist"},"include":["*.ts"]}', "a/x.ts": "export const n: number = 'a';\nexport function f(s: string) { return s.toFixed(2); }\n", "b/tsconfig.json": '{"compilerOptions":{"composite":true,"strict":true,"outDir":"dist"},"include":["*.ts"]}', "b/y.ts": "const u = undefined as unknown as { k: string };\nexport const m = u.q;\nlet z: string = 5;\n" });
  capture("tsc-build-errors", "diagnostics", tb, [bin("tsc"), "-b"], ["npx", "tsc", "-b"]);
  // eslint --format json
  const ej = join(work, "ej");
  write(ej, { "eslint.config.js": "import js from '" + join(tools, "node_modules/@eslint/js/src/index.js") + "';\nexport default [js.configs.recommended];\n", "package.json": '{"type":"module"}', "a.js": "var x = 1\nfunction f() { return y }\n" });
  capture("eslint-json", "diagnostics", ej, [bin("eslint"), "--format", "json", "a.js"], ["npx", "eslint", "--format", "json", "a.js"]);
  // cargo clippy-like: cargo check with errors and notes (borrow checker)
  const cb = join(work, "cb");
  write(cb, { "Cargo.toml": '[package]\nname = "borrow"\nversion = "0.1.0"\nedition = "2021"\n', "src/main.rs": "fn main() {\n    let mut v = vec![1, 2, 3];\n    let first = &v[0];\n    v.push(4);\n    println!(\"{}\", first);\n    let s = String::from(\"a\");\n    let t = s;\n    println!(\"{}\", s);\n}\n" });
  capture("cargo-check-borrow", "diagnostics", cb, ["cargo", "check", "--offline"], ["cargo", "check"]);
  // python script crash (errors family), and a shell script failing midway
  const ps = join(work, "ps");
  write(ps, { "etl.py": "import csv, sys\nrows = [r for r in csv.reader(open(sys.argv[1]))]\nfor i, r in enumerate(rows):\n    print(f'row {i}: {r[0]} -> {int(r[1]) * 2}')\n", "data.csv": Array.from({ length: 200 }, (_, i) => `item${i},${i === 150 ? "x" : i}`).join("\n") + "\n" });
  capture("python-script-crash", "run-fail", ps, ["python3", "etl.py", "data.csv"], ["python3", "etl.py", "data.csv"]);
  capture("sh-script-fail", "run-fail", ps, ["sh", "-c", "set -e; for i in $(seq 1 80); do echo \"step $i: ok\"; done; ls /nonexistent/dir; echo never"], ["sh", "-c", "set -e; for i in $(seq 1 80); do echo \"step $i: ok\"; done; ls /nonexistent/dir; echo never"]);
  // JSON reports
  const go4 = join(work, "go4");
  write(go4, { "go.mod": "module example.com/m\n\ngo 1.19\n", "m_test.go": "package m\n\nimport \"testing\"\n\n" + Array.from({ length: 20 }, (_, i) => `func TestX${i}(t *testing.T) {\n\tif ${i} == 7 {\n\t\tt.Errorf("x%d broke: got %d", ${i}, ${i})\n\t}\n}\n`).join("\n") });
  capture("go-test-json", "test-fail", go4, ["go", "test", "-json", "./..."], ["go", "test", "-json", "./..."], { GOFLAGS: "-mod=mod", GOPROXY: "off", GOCACHE: join(work, "gocache") });
  const jjs = join(work, "jjs");
  write(jjs, { "package.json": '{"name":"jj","version":"1.0.0"}' });
  for (let f = 0; f < 5; f++) write(jjs, { [`__tests__/a${f}.test.js`]: Array.from({ length: 6 }, (_, i) => `test("t${f}-${i}", () => { expect(${i}).toBe(${f === 3 && i === 2 ? 5 : i}); });\n`).join("") });
  capture("jest-json", "test-fail", jjs, [bin("jest"), "--rootDir", jjs, "--ci", "--json"], ["npx", "jest", "--ci", "--json"]);
  const vtj = join(work, "vtj");
  mkdirSync(join(vtj, "node_modules"), { recursive: true });
  write(vtj, { "package.json": '{"name":"vt","type":"module"}' });
  for (let f = 0; f < 4; f++) write(vtj, { [`test/b${f}.test.js`]: `import { test, expect } from "vitest";\n` + Array.from({ length: 6 }, (_, i) => `test("t${f}-${i}", () => { expect(${i}).toBe(${f === 1 && i === 4 ? 9 : i}); });\n`).join("") });
  capture("vitest-json", "test-fail", vtj, [bin("vitest"), "run", "--root", vtj, "--reporter=json"], ["npx", "vitest", "run", "--reporter=json"]);
  const pyq = join(work, "pyq");
  write(pyq, { "test_q.py": Array.from({ length: 10 }, (_, i) => `def test_${i}():\n    assert ${i} != ${i === 4 ? 4 : -1}\n`).join("\n") });
  capture("pytest-tb-short", "test-fail", pyq, ["pytest", "-q", "-p", "no:cacheprovider", "--tb=short"], ["pytest", "-q", "--tb=short"]);
  const mj = join(work, "mj");
  write(mj, { "package.json": '{"name":"mj","version":"1.0.0"}', "test/a.spec.js": "const assert = require('assert');\ndescribe('calc', () => {\n" + Array.from({ length: 20 }, (_, i) => `  it('adds ${i}', () => assert.strictEqual(${i} + 1, ${i === 13 ? 0 : i + 1}));\n`).join("") + "  describe('nested', () => { it('divides', () => { throw new TypeError('boom: not a number'); }); });\n});\n" });
  capture("mocha-json", "test-fail", mj, [bin("mocha"), "--reporter", "json", "test/a.spec.js"], ["npx", "mocha", "--reporter", "json"]);
  // long logs of an application: Python's logging with a traceback among them, and JSON lines as pino writes them
  const lg = join(work, "lg");
  write(lg, { "worker.py": "import logging, random, time, json\nlogging.basicConfig(level=logging.DEBUG, format=\"%(asctime)s %(levelname)-8s %(name)s: %(message)s\")\nlog = logging.getLogger(\"worker\")\nrandom.seed(7)\nfor i in range(3000):\n    r = random.random()\n    if r < 0.6: log.info(\"processed batch %d: %d items in %.1f ms\", i, random.randint(10, 500), random.random() * 90)\n    elif r < 0.85: log.debug(\"cache hit ratio %.3f for shard %d\", random.random(), random.randint(0, 15))\n    elif r < 0.97: log.warning(\"slow query on table orders took %d ms (batch %d)\", random.randint(500, 4000), i)\n    else: log.error(\"failed to publish batch %d: connection reset by peer (attempt %d)\", i, random.randint(1, 5))\n    if i == 1500:\n        try:\n            json.loads(\"{bad\")\n        except Exception:\n            log.exception(\"unexpected error while decoding message %d\", i)\n", "api.js": "let seed = 7; const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);\nconst t0 = Date.parse(\"2026-12-02T10:00:00Z\");\nfor (let i = 0; i < 3000; i++) {\n  const r = rnd(); const time = new Date(t0 + i * 137).toISOString();\n  const level = r < 0.7 ? 30 : r < 0.95 ? 40 : 50;\n  const msg = level === 30 ? \"request completed\" : level === 40 ? \"request slow\" : \"request failed\";\n  const o = { level, time, pid: 4242, hostname: \"api-1\", reqId: `req-${i}`, req: { method: rnd() < 0.8 ? \"GET\" : \"POST\", url: `/api/orders/${Math.floor(rnd() * 900)}` }, res: { statusCode: level === 50 ? 502 : 200 }, responseTime: Math.round(rnd() * (level === 40 ? 3000 : 80)), msg };\n  if (level === 50) o.err = { type: \"FetchError\", message: \"upstream inventory-service timed out after 2000 ms\", stack: \"FetchError: upstream inventory-service timed out after 2000 ms\\n    at Inventory.get (/srv/api/src/inventory.js:41:11)\" };\n  console.log(JSON.stringify(o));\n}\n" });
  capture("python-logging-log", "log", lg, ["python3", "worker.py"], ["python3", "worker.py"]);
  capture("json-lines-log", "log", lg, [process.execPath, "api.js"], ["node", "api.js"]);
  const crj = join(work, "crj");
  write(crj, { "Cargo.toml": '[package]\nname = "ledger"\nversion = "0.1.0"\nedition = "2021"\n', "src/lib.rs": "pub fn balance(xs: &[i64]) -> i64 { let unused = 1; xs.iter().sum() }\n" });
  capture("cargo-json-build", "diagnostics", crj, ["cargo", "build", "--offline", "--message-format", "json"], ["cargo", "build", "--message-format", "json"]);
}

rmSync(work, { recursive: true, force: true });
