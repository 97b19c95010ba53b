#!/usr/bin/env node
// Inline output compression, measured: for every case of bench/compress/corpus (real outputs of
// real tools, see bench/compress/make-corpus.mjs) the tokens an agent reads without and with the
// `route` view, the share of failure lines the view keeps, and the time to compress.
// Needs `npm run build` first. Tokens: gpt-tokenizer (o200k_base, the GPT-4o/GPT-5 encoding).
//
//   [CORPUS=dir] node scripts/bench-compress.mjs [--json] [--no-cli]
//   CORPUS: another directory of cases; --no-cli: without the CLI `tail` timings (minutes)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { countTokens } from "gpt-tokenizer";
import { compressOutput } from "../dist/compress/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = process.env.CORPUS ?? join(root, "bench", "compress", "corpus");
const cases = readdirSync(corpusDir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(join(corpusDir, f), "utf8")));

// The bench's own notion of a failure line, independent of src/compress/failure.ts: a line that
// names an error, a failure, a panic or a source location.
const FAILURE = /\b(?:error|errors|fail|failed|failing|failure|panic|panicked|traceback|exception)\b|[✗✘×✖]|[\w./-]+\.[A-Za-z]{1,6}(?::\d+|\(\d+,\d+\))/i;
const ZERO = /\b(?:0|no) (?:failed|failing|errors?|failures?)\b/i;
// npm tags every line of its report "npm error", a gyp log line and a make step as much as the
// cause; a tagged line is judged by its own words, after the tag. What that leaves out of the count
// is printed below ("judged without the tag"); the lines of a report that say what failed are in
// the case's must_keep.
const TAG = /^\s*(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)\b\s*/;
const own = (l) => l.replace(TAG, "");
// A stack frame inside the runtime or a library (node's own modules, node_modules, Rust's standard
// library, a registry crate, Go's GOROOT or module cache, Python's standard library or site-packages): a view may drop these
// when it counts them and names the full log ("… omitted; full log: …"); they are counted apart.
const RUNTIME_FRAME = /^\s*at (?:.*\()?(?:node:|internal\/|\S*\/node_modules\/)|^\s*at (?:\/rustc\/|\S*\/\.cargo\/registry\/|\S*\/rustlib\/)|^\s*File "[^"]*(?:\/site-packages\/|\/dist-packages\/|\/lib\/python\d)|^\s*\/\S*\/(?:go[^/\s]*\/(?:[^/\s]+\/)*src|pkg\/mod)\/\S+\.go:\d+/;
const DECLARES = /omitted; full log: /;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// Lines whose text is content, not a failure: a diff, a JSON document, a log file read with tail.
const CONTENT_CLASSES = new Set(["git", "json"]);
// Lines that differ only in counters and addresses are what "(repeated Nx)" stands for.
const template = (s) => s.replace(/0x[0-9a-f]+|\d+/gi, "#");

// The diagnostics view groups by file ("path" alone, then "  12:5, 30:5 message"): a raw
// "path(12,5): message", "path:12:5 - message", "path:12:5: message" or eslint's "12:5  message" is
// kept when a group (of its path, if the line names one) lists its location with its message.
const DIAG = /^(?:(.+?\.[A-Za-z]\w*)(?:\((\d+),(\d+)\)|:(\d+):(\d+))(?::| -) |(\d+):(\d+)\s+)(.+)$/;
const norm = (s) => s.replace(/\s+/g, " ").trim();
function groupedIndex(view) {
  const keys = new Set();
  let file;
  for (const line of view.split("\n")) {
    // A tag named once above the lines it prefixed: "npm error:" then "  code ERESOLVE".
    if (file !== undefined && line.startsWith("  ")) keys.add(norm(`${file.replace(/:$/, "")} ${line}`));
    const m = /^ {2}(\d+:\d+(?:, \d+:\d+)*) (\S.*)$/.exec(line);
    if (!m) {
      if (!/^\s/.test(line)) file = line;
      continue;
    }
    for (const loc of m[1].split(", ")) keys.add(`${file}|${loc}|${norm(m[2])}`).add(`|${loc}|${norm(m[2])}`);
  }
  return keys;
}
function inGroup(line, keys) {
  const m = DIAG.exec(line);
  if (!m) return false;
  const loc = m[2] ? `${m[2]}:${m[3]}` : m[4] ? `${m[4]}:${m[5]}` : `${m[6]}:${m[7]}`;
  return keys.has(`${m[1] ?? ""}|${loc}|${norm(m[8])}`);
}

/** Whether a raw line is in the view: verbatim, as a "(repeated Nx)" line, under its tag or in its file's group. */
// "pre{a, b, c}post (3x)", "pre{a, b (+9 more)}post (11x)": the lines that differ in one stretch,
// those shown read back (the rest are not kept).
function expandVariants(line) {
  const m = /^(.*)\{(.+)\}(.*) \((\d+)x\)$/.exec(line);
  if (!m) return [line];
  const more = /^(.*) \(\+(\d+) more\)$/.exec(m[2]);
  const middles = (more ? more[1] : m[2]).split(", ");
  return middles.length + Number(more?.[2] ?? 0) === Number(m[4]) ? middles.map((x) => m[1] + x + m[3]) : [line];
}
function keptBy(shown) {
  const view = shown.split("\n").flatMap(expandVariants).join("\n");
  const repeated = new Set(view.split("\n").map((l) => /^(.*) \(repeated \d+x\)$/.exec(l)?.[1]).filter(Boolean).map((l) => template(l.trim())));
  const grouped = groupedIndex(view);
  return (l) => view.includes(l) || repeated.has(template(l)) || grouped.has(norm(l)) || inGroup(l, grouped);
}

function isDocument(stream) {
  if (!/^\s*[[{]/.test(stream)) return false;
  try {
    JSON.parse(stream);
    return true;
  } catch {
    return false;
  }
}

// Two counts: the generic failure lines (FAILURE above), and a case's must_keep lines (the lines
// that say what failed, picked by a reader when the case was captured; see make-corpus.mjs).
function failureStats(c, comp) {
  const mustKeep = c.must_keep ?? [];
  if (CONTENT_CLASSES.has(c.class)) return { total: 0, kept: 0, declared: 0, mustTotal: 0, mustKept: 0 };
  // A stream that is one JSON document (jest --json, eslint --format json) has no lines to keep:
  // the unit tests check what its view lists.
  const raw = [c.stdout, c.stderr].filter((stream) => !isDocument(stream)).join("\n").replace(ANSI, "");
  const all = raw.split("\n").filter((l) => l.trim() !== "" && FAILURE.test(l) && !ZERO.test(l));
  const lines = [...new Set(all.filter((l) => FAILURE.test(own(l))).map((l) => l.trim()))];
  const relayed = all.filter((l) => !FAILURE.test(own(l))).length;
  // The raw is what is shown when the guard withholds the view.
  if (!comp?.applied) return { total: lines.length, kept: lines.length, declared: 0, mustTotal: mustKeep.length, mustKept: mustKeep.length, relayed };
  const shown = `${comp.stdout}\n${comp.stderr}`;
  const isKept = keptBy(shown);
  const notKept = [...new Set([...lines, ...mustKeep])].filter((l) => !isKept(l));
  const declared = DECLARES.test(shown) ? notKept.filter((l) => RUNTIME_FRAME.test(l) && !mustKeep.includes(l)) : [];
  const missing = notKept.filter((l) => !declared.includes(l));
  return { total: lines.length, kept: lines.length - lines.filter((l) => notKept.includes(l)).length, declared: declared.length, mustTotal: mustKeep.length, mustKept: mustKeep.filter((l) => !missing.includes(l)).length, missing, relayed };
}

// CPU time (process.cpuUsage) and wall time (performance.now): the machine this runs on may be
// shared, so CPU time says what compression costs the process and wall time what a caller waits.
// Medians of 25 runs after a warm-up.
function timeIt(c, runs = 25) {
  const cpu = [];
  const wall = [];
  const base = [];
  const run = () => compressOutput({ mode: "route", command: c.command, stdout: c.stdout, stderr: c.stderr });
  const cpuOf = (fn) => {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / 1000;
  };
  run();
  for (let i = 0; i < runs; i++) {
    const w0 = performance.now();
    cpu.push(cpuOf(run));
    wall.push(performance.now() - w0);
    base.push(cpuOf(() => JSON.stringify({ stdout: c.stdout, stderr: c.stderr })));
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(runs / 2)];
  return { ms: median(cpu), wall: median(wall), base: median(base) };
}

/** One stream of a case, repeated to its share of 64 KiB. */
function to64(c, text) {
  if (text === "") return text;
  const want = Math.round((65536 * Buffer.byteLength(text)) / (Buffer.byteLength(c.stdout) + Buffer.byteLength(c.stderr)));
  let out = text;
  while (Buffer.byteLength(out) < want) out += (out.endsWith("\n") ? "" : "\n") + text;
  return Buffer.from(out).subarray(0, want).toString();
}

const rows = [];
for (const c of cases) {
  const comp = compressOutput({ mode: "route", command: c.command, stdout: c.stdout, stderr: c.stderr });
  const before = countTokens(c.stdout) + countTokens(c.stderr);
  const after = comp.applied ? countTokens(comp.stdout) + countTokens(comp.stderr) : before;
  const bytes = Buffer.byteLength(c.stdout) + Buffer.byteLength(c.stderr);
  rows.push({ name: c.name, class: c.class, kind: comp.detected_kind, applied: comp.applied, bytes, before, after, saved: before === 0 ? 0 : 1 - after / before, ...failureStats(c, comp), ...timeIt(c) });
}

const pct = (x) => `${(x * 100).toFixed(1)} %`;
const GOALS = { "test-pass": 0.8, install: 0.8, "test-fail": 0.6, "install-fail": 0.6, diagnostics: 0.6, "run-fail": 0.6 };
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows, null, 1));
} else {
  console.log("| case | class | detected_kind | bytes | tokens raw | tokens view | saved | failure lines kept | must-keep kept | cpu ms | wall ms |");
  console.log("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.class} | ${r.kind}${r.applied ? "" : " (guard)"} | ${r.bytes} | ${r.before} | ${r.after} | ${pct(r.saved)} | ${r.total === 0 ? "-" : `${r.kept}/${r.total}${r.declared > 0 ? ` + ${r.declared} frames declared` : ""}`} | ${r.mustTotal === 0 ? "-" : `${r.mustKept}/${r.mustTotal}`} | ${r.ms.toFixed(2)} | ${r.wall.toFixed(2)} |`);
  }
  const sum = (xs, k) => xs.reduce((a, r) => a + r[k], 0);
  const groups = [...new Set(rows.map((r) => r.class))];
  console.log("\n| class | cases | tokens raw | tokens view | saved | goal | failure lines kept | must-keep kept |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  // The issue's goals name two sets of classes: passing test runs and installs, and failing runs.
  const SETS = { "passing (test-pass, install)": ["test-pass", "install"], "failing (test-fail, diagnostics, install-fail, run-fail)": ["test-fail", "diagnostics", "install-fail", "run-fail"] };
  for (const g of [...groups, ...Object.keys(SETS), "total"]) {
    const rs = g === "total" ? rows : rows.filter((r) => (SETS[g] ?? [g]).includes(r.class));
    const saved = 1 - sum(rs, "after") / sum(rs, "before");
    const goal = GOALS[g] ?? GOALS[SETS[g]?.[0]];
    console.log(`| ${g} | ${rs.length} | ${sum(rs, "before")} | ${sum(rs, "after")} | ${pct(saved)} | ${goal === undefined ? "-" : `≥ ${pct(goal)}${saved >= goal ? "" : " MISSED"}`} | ${sum(rs, "total") === 0 ? "-" : `${sum(rs, "kept")}/${sum(rs, "total")}${sum(rs, "declared") > 0 ? ` + ${sum(rs, "declared")} frames declared` : ""}`} | ${sum(rs, "mustTotal") === 0 ? "-" : `${sum(rs, "mustKept")}/${sum(rs, "mustTotal")}`} |`);
  }
  const larger = rows.filter((r) => r.after > r.before);
  const big = rows.filter((r) => r.bytes >= 60 * 1024);
  const relayed = rows.filter((r) => r.relayed > 0);
  console.log(`\ntagged lines judged without the tag, not failure lines then: ${relayed.length === 0 ? "none" : relayed.map((r) => `${r.name} ${r.relayed}`).join(", ")}`);
  console.log(`larger than raw: ${larger.length === 0 ? "none" : larger.map((r) => r.name).join(", ")}`);
  console.log(`compress time, median of 25, cases of ≥ 60 KiB (the 64 KiB tail), CPU/wall: ${big.map((r) => `${r.name} ${r.ms.toFixed(2)}/${r.wall.toFixed(2)} ms`).join(", ")} (goal ≤ 5 ms); load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
  // Every case at 64 KiB: its streams repeated to 64 KiB in all (split as the case splits them), as
  // a tail of a long run of such output. Against a baseline timed in the same run on the same
  // input, JSON.stringify of the tail answer's two streams (what tail does anyway to print them),
  // so that a loaded machine shows in both: the ratio says what compression costs beside it.
  const at64 = cases.map((c) => ({ name: c.name, ...timeIt({ ...c, stdout: to64(c, c.stdout), stderr: to64(c, c.stderr) }) })).sort((a, b) => b.ms - a.ms);
  const worst = at64.slice(0, 3);
  console.log(`at 64 KiB (each case repeated to 64 KiB), slowest, CPU/wall, and CPU as a multiple of JSON.stringify of the same streams: ${worst.map((r) => `${r.name} ${r.ms.toFixed(2)}/${r.wall.toFixed(2)} ms (${(r.ms / r.base).toFixed(1)}x)`).join(", ")}; median case ${at64[Math.floor(at64.length / 2)].ms.toFixed(2)} ms (goal ≤ 5 ms)`);
  // What the goal is about: a CLI `tail` of 64 KiB, which compresses once in a fresh process (code
  // and regexes compiled as they first run). For every case a job prints the case's 64 KiB streams
  // under the case's own command (a script named as its program, so that route reads the command
  // as it would the real tool's: `npm install …` routes as npm); `tail --compress off` and
  // `--compress route` of it run interleaved, 15 each; the figure is the difference of their
  // median wall times.
  const jobs = process.argv.includes("--no-cli") ? undefined : mkdtempSync(join(tmpdir(), "bench-compress-"));
  if (jobs !== undefined) try {
    const cli = (args) => execFileSync(process.execPath, [join(root, "dist", "cli.cjs"), "--root", join(jobs, "root"), ...args], { encoding: "utf8" });
    const added = cases.map((c) => {
      const [out, err, bin] = [join(jobs, `${c.name}.out`), join(jobs, `${c.name}.err`), join(jobs, c.name)];
      writeFileSync(out, to64(c, c.stdout));
      writeFileSync(err, to64(c, c.stderr));
      mkdirSync(bin);
      const program = join(bin, c.command[0]);
      writeFileSync(program, `#!/bin/sh\ncat '${out}'; cat '${err}' >&2\n`, { mode: 0o755 });
      const id = JSON.parse(cli(["run", "--wait", "--cwd", jobs, "--", program, ...c.command.slice(1)])).job_id;
      const times = { off: [], route: [] };
      for (let i = 0; i < 15; i++) {
        for (const mode of ["off", "route"]) {
          const t = performance.now();
          cli(["tail", "--max-bytes", "65536", "--lines", "100000", "--compress", mode, id]);
          times[mode].push(performance.now() - t);
        }
      }
      const med = (xs) => xs.sort((a, b) => a - b)[7];
      return { name: c.name, ms: med(times.route) - med(times.off), off: med(times.off) };
    }).sort((a, b) => b.ms - a.ms);
    const at = (q) => added[Math.floor(q * (added.length - 1))].ms.toFixed(1);
    const over = added.filter((r) => r.ms > 5);
    console.log(`CLI \`tail\` of 64 KiB, added by --compress route (median of 15 each, interleaved, every case under its own command; tail --compress off takes ${added[0].off.toFixed(0)} ms): worst +${added[0].ms.toFixed(1)} ms (${added[0].name}), 90th percentile +${at(0.1)} ms, median +${at(0.5)} ms; over 5 ms: ${over.length} of ${added.length}${over.length > 0 ? ` (${over.map((r) => `${r.name} +${r.ms.toFixed(1)}`).join(", ")})` : ""} (goal ≤ 5 ms)`);
  } finally {
    rmSync(jobs, { recursive: true, force: true });
  }
  for (const r of rows) if (r.missing?.length) console.log(`missing in ${r.name}:\n  ${r.missing.join("\n  ")}`);
}
