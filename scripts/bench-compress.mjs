#!/usr/bin/env node
// Inline output compression, measured: for every case of bench/compress/corpus (real outputs of
// real tools, see bench/compress/make-corpus.mjs) the tokens an agent reads without and with the
// `route` view, the share of failure lines the view keeps, and the time to compress.
// Needs `npm run build` first. Tokens: gpt-tokenizer (o200k_base, the GPT-4o/GPT-5 encoding).
//
//   node scripts/bench-compress.mjs [--json]
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { countTokens } from "gpt-tokenizer";
import { compressOutput } from "../dist/compress/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const corpusDir = join(root, "bench", "compress", "corpus");
const cases = readdirSync(corpusDir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(join(corpusDir, f), "utf8")));

// The bench's own notion of a failure line, independent of src/compress/failure.ts: a line that
// names an error, a failure, a panic or a source location.
const FAILURE = /\b(?:error|errors|fail|failed|failing|failure|panic|panicked|traceback|exception)\b|[✗✘×✖]|[\w./-]+\.[A-Za-z]{1,6}(?::\d+|\(\d+,\d+\))/i;
const ZERO = /\b(?:0|no) (?:failed|failing|errors?|failures?)\b/i;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// Lines whose text is content, not a failure: a diff, a JSON document, a log file read with tail.
const CONTENT_CLASSES = new Set(["git", "json"]);
// Lines that differ only in counters and addresses are what "(repeated Nx)" stands for.
const template = (s) => s.replace(/0x[0-9a-f]+|\d+/gi, "#");

function failureStats(c, comp) {
  if (CONTENT_CLASSES.has(c.class)) return { total: 0, kept: 0 };
  const raw = `${c.stdout}\n${c.stderr}`.replace(ANSI, "");
  const lines = [...new Set(raw.split("\n").map((l) => l.trim()).filter((l) => l !== "" && FAILURE.test(l) && !ZERO.test(l)))];
  if (!comp?.applied) return { total: lines.length, kept: lines.length }; // the raw is what is shown
  const view = `${comp.stdout}\n${comp.stderr}`;
  const repeated = new Set(view.split("\n").map((l) => /^(.*) \(repeated \d+x\)$/.exec(l)?.[1]).filter(Boolean).map((l) => template(l.trim())));
  const kept = lines.filter((l) => view.includes(l) || repeated.has(template(l)));
  return { total: lines.length, kept: kept.length, missing: lines.filter((l) => !kept.includes(l)) };
}

// CPU time (process.cpuUsage), not wall time: the machine this runs on may be shared, and the
// question is what compression costs the process. Median of 25 runs after a warm-up.
function timeIt(c, runs = 25) {
  const times = [];
  const run = () => compressOutput({ mode: "route", command: c.command, stdout: c.stdout, stderr: c.stderr });
  run();
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    run();
    const d = process.cpuUsage(t0);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const rows = [];
for (const c of cases) {
  const comp = compressOutput({ mode: "route", command: c.command, stdout: c.stdout, stderr: c.stderr });
  const before = countTokens(c.stdout) + countTokens(c.stderr);
  const after = comp.applied ? countTokens(comp.stdout) + countTokens(comp.stderr) : before;
  const bytes = Buffer.byteLength(c.stdout) + Buffer.byteLength(c.stderr);
  rows.push({ name: c.name, class: c.class, kind: comp.detected_kind, applied: comp.applied, bytes, before, after, saved: before === 0 ? 0 : 1 - after / before, ...failureStats(c, comp), ms: timeIt(c) });
}

const pct = (x) => `${(x * 100).toFixed(1)} %`;
const GOALS = { "test-pass": 0.8, install: 0.8, "test-fail": 0.6, "install-fail": 0.6, diagnostics: 0.6 };
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows, null, 1));
} else {
  console.log("| case | class | detected_kind | bytes | tokens raw | tokens view | saved | failure lines kept | cpu ms |");
  console.log("|---|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.class} | ${r.kind}${r.applied ? "" : " (guard)"} | ${r.bytes} | ${r.before} | ${r.after} | ${pct(r.saved)} | ${r.total === 0 ? "-" : `${r.kept}/${r.total}`} | ${r.ms.toFixed(2)} |`);
  }
  const sum = (xs, k) => xs.reduce((a, r) => a + r[k], 0);
  const groups = [...new Set(rows.map((r) => r.class))];
  console.log("\n| class | cases | tokens raw | tokens view | saved | goal | failure lines kept |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const g of [...groups, "total"]) {
    const rs = g === "total" ? rows : rows.filter((r) => r.class === g);
    const saved = 1 - sum(rs, "after") / sum(rs, "before");
    const goal = GOALS[g];
    console.log(`| ${g} | ${rs.length} | ${sum(rs, "before")} | ${sum(rs, "after")} | ${pct(saved)} | ${goal === undefined ? "-" : `≥ ${pct(goal)}${saved >= goal ? "" : " MISSED"}`} | ${sum(rs, "total") === 0 ? "-" : `${sum(rs, "kept")}/${sum(rs, "total")}`} |`);
  }
  const larger = rows.filter((r) => r.after > r.before);
  const big = rows.filter((r) => r.bytes >= 60 * 1024);
  console.log(`\nlarger than raw: ${larger.length === 0 ? "none" : larger.map((r) => r.name).join(", ")}`);
  console.log(`compress CPU time, median of 25, cases of ≥ 60 KiB (the 64 KiB tail): ${big.map((r) => `${r.name} ${r.ms.toFixed(2)} ms`).join(", ")} (goal ≤ 5 ms)`);
  for (const r of rows) if (r.missing?.length) console.log(`missing in ${r.name}:\n  ${r.missing.join("\n  ")}`);
}
