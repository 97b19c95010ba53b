#!/usr/bin/env node
// Builds the native addon for this machine with node-gyp: build/Release/agent_exec.node.
//
//   node scripts/build-native.mjs             npm run build:native: build, or fail loudly
//   node scripts/build-native.mjs --optional  npm install: try; never fail, print one line
//   ... --force                               rebuild even when up to date
//
// Up to date (nothing to do, ~20 ms) when build/Release/agent_exec.node loads and was built from
// the same sources (a hash of binding.gyp, native/ and node-addon-api's version, kept next to it).
// node-gyp is npm's own copy ($npm_config_node_gyp inside npm scripts), so it is no dependency.
// `node-gyp configure` + `build`, never `rebuild`: its `clean` step would delete all of build/,
// including the Windows cross-build in build/win32-x64/.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "build", "Release", "agent_exec.node");
const STAMP = join(ROOT, "build", "Release", "agent_exec.stamp");
const LOG = join(ROOT, "build", "native-build.log");
const ADDON_ABI = 3; // src/platform/addon.ts ADDON_ABI, native/tree.h AGENT_EXEC_NATIVE_ABI

// Installed as a dependency, the package's own scripts are not at hand: npm rebuild runs this again.
const BUILD_COMMAND = ROOT.split(/[\\/]/).includes("node_modules") ? "npm rebuild agent-exec" : "npm run build:native";
const optional = process.argv.includes("--optional");
const force = process.argv.includes("--force");
const require = createRequire(import.meta.url);
const rel = (path) => relative(ROOT, path) || ".";

/** Optional: one line, exit 0. Required: the reason on stderr, exit 1. */
function skip(reason) {
  if (optional) {
    console.log(`agent-exec: native addon skipped (${reason}); the koffi backend will be used (build it later with ${BUILD_COMMAND})`);
    process.exit(0);
  }
  console.error(`build-native: ${reason}`);
  process.exit(1);
}

function sourceHash() {
  const hash = createHash("sha256");
  hash.update(`${process.platform}-${process.arch}\0`);
  let addonApiVersion = "missing";
  try {
    addonApiVersion = require("node-addon-api/package.json").version;
  } catch {
    // reported by the caller
  }
  hash.update(`node-addon-api ${addonApiVersion}\0`);
  for (const file of ["binding.gyp", ...readdirSync(join(ROOT, "native")).sort().map((f) => join("native", f))]) {
    hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update("\0");
  }
  return hash.digest("hex");
}

/** The built addon's version string, or throws why it does not load. */
function loadBuilt() {
  const addon = require(OUT);
  if (addon.abi !== ADDON_ABI) throw new Error(`abi ${addon.abi}, expected ${ADDON_ABI}`);
  return addon.version;
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return true;
  }
  return false;
}

/** node-gyp's JS entry: npm's copy inside npm scripts, else next to this node's npm, else PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const prefix = dirname(dirname(process.execPath));
  for (const candidate of [
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ]) {
    if (existsSync(candidate)) return [process.execPath, candidate];
  }
  try {
    return [process.execPath, require.resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    // not installed locally
  }
  return onPath(process.platform === "win32" ? "node-gyp.cmd" : "node-gyp") ? ["node-gyp"] : undefined;
}

// ------------------------------------------------------------------------------------------ main

const hash = sourceHash();
if (!force && existsSync(OUT) && existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === hash) {
  try {
    const version = loadBuilt();
    console.log(`agent-exec: native addon up to date: ${rel(OUT)} (${version})`);
    process.exit(0);
  } catch {
    // rebuild below
  }
}

try {
  require.resolve("node-addon-api");
} catch {
  skip("node-addon-api is not installed");
}
if (process.platform !== "win32") {
  const compilers = [process.env.CXX, "c++", "g++", "clang++"].filter(Boolean);
  if (!compilers.some((c) => (c.includes("/") ? existsSync(c) : onPath(c)))) skip("no C++ compiler found");
  if (!onPath("make") && !onPath("gmake")) skip("make not found");
}
const gyp = nodeGyp();
if (!gyp) skip("node-gyp not found");

// Offline builds: use the headers of the node that runs this (a system or official install ships
// them in <prefix>/include/node) unless npm already chose a nodedir.
const gypArgs = optional ? [] : ["--loglevel=warn"];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "common.gypi"))) {
  gypArgs.push(`--nodedir=${prefix}`);
}

// --force: also make's object files, which make would otherwise keep.
if (force) rmSync(dirname(OUT), { recursive: true, force: true });
mkdirSync(dirname(LOG), { recursive: true });
const t0 = performance.now();
let logFd;
if (optional) logFd = openSync(LOG, "w");
for (const step of ["configure", "build"]) {
  const [file, ...pre] = gyp;
  const result = spawnSync(file, [...pre, step, ...gypArgs], {
    cwd: ROOT,
    stdio: optional ? ["ignore", logFd, logFd] : "inherit",
    shell: file === "node-gyp" && process.platform === "win32",
  });
  if (result.error || result.status !== 0) {
    if (logFd !== undefined) closeSync(logFd);
    skip(`node-gyp ${step} failed${result.error ? `: ${result.error.message}` : ` with exit code ${result.status}`}${optional ? `; log: ${rel(LOG)}` : ""}`);
  }
}
if (logFd !== undefined) closeSync(logFd);

// In a fresh process: this one may hold an older build of the same path from the check above.
const check = spawnSync(
  process.execPath,
  ["-e", `const a = require(${JSON.stringify(OUT)}); if (a.abi !== ${ADDON_ABI}) throw new Error("abi " + a.abi + ", expected ${ADDON_ABI}"); process.stdout.write(a.version)`],
  { encoding: "utf8" },
);
if (check.status !== 0) skip(`${rel(OUT)} was built but does not load: ${(check.stderr || String(check.error)).trim().split("\n").find((l) => /Error/.test(l)) ?? "unknown error"}`);
const version = check.stdout;
writeFileSync(STAMP, `${hash}\n`);
console.log(`agent-exec: native addon built: ${rel(OUT)} (${version}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
