#!/usr/bin/env node
// The Windows test leg: test/windows/*.test.mjs under a Windows node.exe.
//
//   node scripts/windows-leg.mjs [test files or dirs...]      (default: test/windows)
//
// - Windows: runs `node --test` on them natively.
// - Linux: runs them under Wine with the official Windows node.exe. scripts/wine-env.sh prepares
//   this checkout's Wine prefix, node.exe and koffi's win32 prebuilt, all in a cache outside the
//   checkout (${XDG_CACHE_HOME:-~/.cache}/agent-exec/wine, or AGENT_EXEC_WINE_CACHE; see there);
//   scripts/wine-node.sh runs node.exe. A persistent wineserver is started first and killed at
//   the end (`wineserver -k`, same WINEPREFIX), so no Wine process outlives the leg.
//   The leg needs Wine and mingw-w64 (NEEDS below). When they are missing it prints one line and
//   skips, except on CI (CI=true) or with AGENT_EXEC_INSTALL_DEPS=1: then it installs them with
//   apt-get when it runs as root, and otherwise FAILS (CI must not pass without the leg).
//   Nothing else ever installs system packages.
// - macOS: prints that this leg runs on Linux (Wine) or Windows only, and exits 0.
//
// Knobs: AGENT_EXEC_SKIP_WINE=1 (skip on Linux, even on CI), AGENT_EXEC_INSTALL_DEPS=1 (install
// what is missing, as root), AGENT_EXEC_WINE_CACHE (where the prefix and downloads live),
// AGENT_EXEC_WIN_CONCURRENCY (test files run at once, default 3), AGENT_EXEC_WIN_TIMEOUT (seconds
// for the whole test run, default 900), AGENT_EXEC_WIN_KEEP=1 (keep the tests' temp directories),
// AGENT_EXEC_BACKEND=koffi|addon (the process-tree backend the CLI uses under test; default: its
// own choice, printed at the start).
//
// The prefix is this checkout's and `wineserver -k` ends every process in it; a second leg from
// the same checkout is refused while one runs (a lock in the prefix's directory). Legs of
// different checkouts run side by side, each with its own prefix and wineserver.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TESTS = (process.argv.length > 2 ? process.argv.slice(2) : ["test/windows"]).map((p) => resolve(ROOT, p));
const CONCURRENCY = process.env.AGENT_EXEC_WIN_CONCURRENCY || "3";
const TIMEOUT_S = Number(process.env.AGENT_EXEC_WIN_TIMEOUT || 900);
// node's --test-timeout (it bounds each test file as a whole, too): a file that hangs fails alone,
// with its report, instead of holding up the leg until TIMEOUT_S. Far above a normal file's time
// (under 2 minutes), because a loaded machine slows node.exe under Wine many times over.
const TEST_TIMEOUT_S = 480;

// What the leg needs on Linux: a command, and the Debian/Ubuntu packages that provide it.
const NEEDS = [
  { command: "wine", packages: ["wine", "wine64"] },
  { command: "x86_64-w64-mingw32-g++-posix", packages: ["g++-mingw-w64-x86-64"] },
  { command: "x86_64-w64-mingw32-dlltool", packages: ["binutils-mingw-w64-x86-64"] },
];

const say = (text) => process.stdout.write(`windows-leg: ${text}\n`);
const die = (text, code = 1) => {
  process.stderr.write(`windows-leg: error: ${text}\n`);
  process.exit(code);
};

if (!existsSync(join(ROOT, "dist", "cli.cjs"))) die("dist/cli.cjs is missing: build first (npm run build)");

if (process.platform === "win32") process.exit(await native());
if (process.platform === "linux") process.exit(await underWine());
say(`the Windows leg runs on Linux (under Wine) or on Windows only; nothing to do on ${process.platform === "darwin" ? "macOS" : process.platform}.`);
process.exit(0);

async function native() {
  const require = createRequire(join(ROOT, "package.json"));
  let koffi = "not loadable";
  try {
    koffi = require("koffi").version;
  } catch (error) {
    koffi = `not loadable (${error.message})`;
  }
  say(`native Windows: node ${process.version} (${process.arch}), koffi ${koffi}`);
  const started = Date.now();
  const args = ["--test", "--test-reporter=spec", `--test-concurrency=${CONCURRENCY}`, `--test-timeout=${TEST_TIMEOUT_S * 1000}`];
  const child = spawn(process.execPath, [...args, ...TESTS], {
    cwd: ROOT,
    stdio: "inherit",
  });
  const code = await new Promise((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  say(`${code === 0 ? "passed" : "FAILED"} in ${Math.round((Date.now() - started) / 1000)} s`);
  return code;
}

async function underWine() {
  if (process.env.AGENT_EXEC_SKIP_WINE === "1") {
    say("SKIPPED: the Windows leg did not run (AGENT_EXEC_SKIP_WINE=1). Windows behaviour is untested.");
    return 0;
  }
  const missing = NEEDS.filter((need) => !onPath(need.command));
  if (missing.length > 0) {
    const packages = missing.flatMap((need) => need.packages);
    const install = `apt-get install --no-install-recommends ${packages.join(" ")}`;
    const why = `${missing.map((need) => need.command).join(", ")} not found`;
    const onCi = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
    if (!onCi && process.env.AGENT_EXEC_INSTALL_DEPS !== "1") {
      say(`SKIPPED, Windows behaviour untested: ${why} (to run it: sudo ${install}; see README, "The Windows leg")`);
      return 0;
    }
    const reason = onCi ? "CI is set" : "AGENT_EXEC_INSTALL_DEPS=1";
    if (process.getuid?.() !== 0) die(`${why}; ${reason}, but installing needs root: sudo ${install}`);
    say(`${why}; ${reason}: installing ${packages.join(" ")} (apt-get) ...`);
    const apt = spawnSync("sh", ["-c", `apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${install} -y -qq`], { stdio: ["ignore", "inherit", "inherit"] });
    if (apt.status !== 0) die(`${install} failed (exit ${apt.status})`);
    const still = NEEDS.filter((need) => !onPath(need.command));
    if (still.length > 0) die(`${still.map((need) => need.command).join(", ")} still not found after ${install}`);
  }
  const oldPrefix = join(ROOT, ".wine");
  if (existsSync(oldPrefix)) say(`note: ${oldPrefix} (the Wine prefix of older versions) is no longer used: rm -rf ${oldPrefix}`);

  // wine-env.sh: prints `export` lines on stdout, progress on stderr. Evaluate them in bash and
  // hand the values back NUL-separated, so no quoting is parsed here.
  const env = spawnSync(
    "bash",
    ["-c", 'eval "$(bash scripts/wine-env.sh)" || exit $?; printf "%s\\0%s\\0%s\\0" "$WINEPREFIX" "$WINEDEBUG" "$WINE_NODE"'],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" },
  );
  if (env.status !== 0) die(`scripts/wine-env.sh failed (exit ${env.status}); see its messages above`);
  const [WINEPREFIX, WINEDEBUG, WINE_NODE] = env.stdout.split("\0");
  if (!WINEPREFIX || !WINE_NODE) die(`scripts/wine-env.sh printed no environment: ${JSON.stringify(env.stdout)}`);
  const wineEnv = { ...process.env, WINEPREFIX, WINEDEBUG, WINE_NODE, DISPLAY: "" };
  // The prefix's directory in the cache holds this checkout's lock and the leg's report.
  const checkoutDir = dirname(WINEPREFIX);
  if (!(await holdLegLock(checkoutDir).catch((error) => die(error.message)))) {
    die(`another Windows leg of this checkout is running (lock: ${join(checkoutDir, "leg.lock")}); its wineserver -k would end this one's processes`);
  }
  // The Windows build of the native addon, cross-compiled with mingw (cheap when up to date), so
  // the leg tests both backends.
  const addon = spawnSync("bash", ["scripts/build-native-win32.sh"], { cwd: ROOT, stdio: "inherit" });
  if (addon.status !== 0) die(`scripts/build-native-win32.sh failed (exit ${addon.status})`);
  const wineserver = onPath("wineserver") ? "wineserver" : "/usr/lib/wine/wineserver64";

  // One persistent wineserver for the whole leg; `-k` at the end ends it and every Wine process
  // of this prefix (the tests' jobs included), whatever happened.
  spawnSync(wineserver, ["-p"], { env: wineEnv, stdio: "ignore", timeout: 30_000 });
  let code = 1;
  try {
    const wine = spawnSync("wine", ["--version"], { env: wineEnv, encoding: "utf8" }).stdout?.trim() || "wine (version unknown)";
    const versions = spawnSync(
      "bash",
      [
        "scripts/wine-node.sh",
        "-p",
        "`node.exe ${process.version} (${process.platform}/${process.arch}), koffi ${require('koffi').version} (win32 prebuilt ${require('@koromix/koffi-win32-x64/package.json').version})`",
      ],
      { cwd: ROOT, env: wineEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    if (versions.status !== 0) {
      process.stderr.write(`windows-leg: error: node.exe did not start under Wine, or could not load koffi:\n${versions.stdout}${versions.stderr}\n`);
      return 1;
    }
    say(`${versions.stdout.trim()} under ${wine}, WINEPREFIX=${WINEPREFIX}`);
    // Which process-tree backend the CLI picks under node.exe (AGENT_EXEC_BACKEND, passed through
    // Wine to node.exe, forces one for the whole leg).
    const doctor = spawnSync("bash", ["scripts/wine-node.sh", "dist/cli.cjs", "doctor"], { cwd: ROOT, env: wineEnv, encoding: "utf8" });
    let backend = `unknown (doctor: exit ${doctor.status})`;
    try {
      const report = JSON.parse(doctor.stdout);
      if (report.backend?.name) backend = `${report.backend.name} ${report.backend.version ?? ""}`.trim();
    } catch {
      // an older CLI without doctor: say so and go on
    }
    say(`process-tree backend under node.exe: ${backend}${process.env.AGENT_EXEC_BACKEND ? ` (AGENT_EXEC_BACKEND=${process.env.AGENT_EXEC_BACKEND})` : ""}`);
    code = await runTests(wineEnv, join(checkoutDir, "windows-leg"), TESTS);
    // Under Wine, a few tests race process start-up against a loaded machine (docs/WINDOWS.md,
    // "Known flakes"). A failed file is run once more, on its own, and both results are printed:
    // the leg passes only if every failed file passes that second time.
    const failedFiles = code === 0 ? [] : failingFiles(join(checkoutDir, "windows-leg", "spec.log"));
    if (failedFiles.length > 0) {
      say(`RETRY: ${failedFiles.join(" ")} failed; running them once more (the first report stays in windows-leg/spec.log)`);
      code = await runTests(wineEnv, join(checkoutDir, "windows-leg-retry"), failedFiles.map((file) => join(ROOT, file)));
      say(code === 0 ? `FLAKY: ${failedFiles.join(" ")} failed once and passed on the retry` : "the retry failed too");
    }
  } finally {
    spawnSync(wineserver, ["-k"], { env: wineEnv, stdio: "ignore", timeout: 30_000 });
    spawnSync(wineserver, ["-w"], { env: wineEnv, stdio: "ignore", timeout: 30_000 });
    await reportLeftovers(WINEPREFIX);
    reportOrphanedPrefixes(dirname(checkoutDir));
  }
  return code;
}

/**
 * Holds <dir>/leg.lock while this process lives: flock(1) keeps it for a `cat` that reads our
 * end of a pipe, so it is released however this process ends. False when another leg holds it.
 */
async function holdLegLock(dir) {
  const holder = spawn("flock", ["--nonblock", "--conflict-exit-code", "75", join(dir, "leg.lock"), "sh", "-c", "echo held; exec cat >/dev/null"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    holder.once("error", (error) => reject(new Error(`flock: ${error.message}`)));
    holder.stdout.once("data", () => resolve(true));
    holder.once("exit", (code) => (code === 75 ? resolve(false) : reject(new Error(`flock exited with ${code}`))));
  });
}

/**
 * Wine processes of this prefix still running after `wineserver -k` (zombies are reaped by init
 * shortly). Only ours: Wine puts WINEPREFIX in the Unix environment of every process it starts,
 * even one spawned with an empty Windows environment, so other checkouts' legs, running at the
 * same time with their own prefixes, are not reported.
 */
async function reportLeftovers(prefix) {
  let left = [];
  for (let i = 0; i < 20; i++) {
    left = [];
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
        if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`WINEPREFIX=${prefix}`)) continue;
        const args = readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ").trim();
        if (/wine|\.exe\b/i.test(args)) left.push(`${pid} ${args}`);
      } catch {
        // gone meanwhile
      }
    }
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  process.stderr.write(`windows-leg: warning: Wine processes of ${prefix} still running after wineserver -k:\n  ${left.join("\n  ")}\n`);
}

/** One line about prefixes whose checkout is gone (moved or deleted): about 700 MB each. */
function reportOrphanedPrefixes(checkouts) {
  const orphans = readdirSync(checkouts)
    .map((name) => join(checkouts, name))
    .filter((dir) => {
      try {
        return !existsSync(join(readFileSync(join(dir, "checkout"), "utf8").trim(), "package.json"));
      } catch {
        return false; // no record: not ours to judge
      }
    });
  if (orphans.length > 0) say(`note: ${orphans.length} Wine prefix(es) in the cache belong to checkouts that no longer exist: rm -rf ${orphans.join(" ")}`);
}

/** Runs node.exe --test under Wine; streams the spec report (written to a file) to stdout. */
/** The test files (checkout-relative) that the spec report names as failing. */
function failingFiles(report) {
  const text = readFileSync(report, "utf8");
  return [...new Set([...text.matchAll(/^test at (test[\\/]windows[\\/][^:]+\.test\.mjs):\d+/gm)].map((m) => m[1].replaceAll("\\", "/")))];
}

async function runTests(wineEnv, out, files) {
  mkdirSync(out, { recursive: true });
  const report = join(out, "spec.log");
  writeFileSync(report, ""); // must exist: wine-node.sh converts existing absolute paths to Z:\...
  const args = [
    "scripts/wine-node.sh",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination",
    report,
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${TEST_TIMEOUT_S * 1000}`,
    ...files,
  ];
  say(`running ${files.map((t) => t.slice(ROOT.length + 1) || ".").join(" ")} (concurrency ${CONCURRENCY}) ...`);
  const started = Date.now();
  const child = spawn("bash", args, { cwd: ROOT, env: wineEnv, stdio: ["ignore", "pipe", "pipe"] });
  let extra = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (extra += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (extra += d));
  const timer = setTimeout(() => {
    process.stderr.write(`windows-leg: error: the tests did not finish within ${TIMEOUT_S} s; stopping them\n`);
    child.kill("SIGTERM");
  }, TIMEOUT_S * 1000);

  // Stream the report file as node.exe writes it.
  let offset = 0;
  const pump = () => {
    let size;
    try {
      size = statSync(report).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = openSync(report, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      offset += n;
      process.stdout.write(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  };
  const streaming = setInterval(pump, 250);
  const rc = await new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  clearTimeout(timer);
  clearInterval(streaming);
  pump();
  if (extra.trim()) process.stdout.write(`${extra}${extra.endsWith("\n") ? "" : "\n"}`);

  // The runner's own summary decides along with its exit code: no tests, or only skipped ones,
  // means the leg did not test anything (e.g. node.exe did not report win32).
  const text = readFileSync(report, "utf8");
  const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  const tests = count("tests");
  const skipped = count("skipped");
  const seconds = Math.round((Date.now() - started) / 1000);
  const problem =
    rc !== 0 ? null : !(tests > 0) ? "no tests ran" : skipped === tests ? "every test was skipped: node.exe under Wine did not run them" : null;
  if (problem) {
    process.stderr.write(`windows-leg: error: ${problem} (report: ${report})\n`);
    return 1;
  }
  say(`${rc === 0 ? "passed" : `FAILED (exit ${rc})`}: ${tests} tests in ${seconds} s; full report: ${report}`);
  return rc;
}

function onPath(command) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || ".", command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
