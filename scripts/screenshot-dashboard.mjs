#!/usr/bin/env node
// Takes the README's dashboard screenshots (docs/img/dashboard-list.png, dashboard-job.png) with
// headless Chromium (Debian's `chromium`, or CHROMIUM_PATH) against a demo root of running,
// finished, failing and killed jobs. Everything it starts lives under one temp directory, and
// every job it started is killed at the end. Build first: npm run build.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, "../dist/cli.cjs");
const OUT = resolve(here, "../docs/img");
const base = mkdtempSync(join(tmpdir(), "agent-exec-screens-"));
const root = join(base, "jobs");
const env = { ...process.env, AGENT_EXEC_TOKEN: "", AGENT_EXEC_SERVE_TOKEN: "demo-token" };
const cli = (args, cwd = base) => JSON.parse(spawnSync(process.execPath, [CLI, "--root", root, ...args], { cwd, env, encoding: "utf8" }).stdout);

const started = [];
const run = (args) => {
  const job = cli(["run", ...args]);
  started.push(job.job_id);
  return job.job_id;
};
let server;
let browser;
try {
  run(["--tag", "ci.build", "--", "sh", "-c", "echo compiling 42 files; echo build ok"]);
  run(["--tag", "ci.lint", "--", "sh", "-c", "echo running lint; echo 'src/app.ts:3:7 error  no-unused-vars' >&2; exit 1"]);
  const stuck = run(["--until", "0", "--tag", "e2e", "--", "sh", "-c", "echo waiting for port 5432; sleep 600"]);
  cli(["kill", stuck]);
  const dev = run([
    "--until", "0", "--tag", "web", "--tag", "web.api", "--",
    "sh", "-c",
    "printf '\\033[1mvite\\033[0m dev server on \\033[36mhttp://localhost:5173\\033[0m\\n'; i=0; while :; do i=$((i+1)); printf '\\033[32mGET\\033[0m /api/items \\033[33m200\\033[0m %dms\\n' $((i % 37 + 3)); [ $((i % 9)) = 0 ] && echo \"warn: slow query ($i)\" >&2; sleep 0.25; done",
  ]);
  run(["--until", "0", "--tag", "ci.test", "--", "sh", "-c", "for i in $(seq 1 40); do echo \"test $i ok\"; sleep 1; done"]);

  server = spawn(process.execPath, [CLI, "--root", root, "serve", "--port", "0"], { cwd: base, env, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) ok(JSON.parse(out.split("\n")[0]).url);
    });
  });
  browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 560, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForSelector("#token");
  await page.type("#token", "demo-token");
  await page.click("#token-form button");
  await page.waitForSelector(`tr[data-job-id="${dev}"]`);
  await new Promise((r) => setTimeout(r, 3000));
  await page.screenshot({ path: join(OUT, "dashboard-list.png") });
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.click(`tr[data-job-id="${dev}"] a`);
  await page.waitForFunction(() => (document.querySelector("#stdout")?.textContent ?? "").split("\n").length > 12);
  await page.click("#kill");
  await page.screenshot({ path: join(OUT, "dashboard-job.png") });
  console.log(`wrote ${join(OUT, "dashboard-list.png")} and ${join(OUT, "dashboard-job.png")}`);
} finally {
  await browser?.close();
  server?.kill("SIGTERM");
  for (const id of started) spawnSync(process.execPath, [CLI, "--root", root, "kill", "--signal", "KILL", id], { env });
  rmSync(base, { recursive: true, force: true });
}
