// A portable end-to-end check of the built CLI on any POSIX system (used on macOS in the GitHub
// workflow, where the /proc-based suites cannot run): run, tree kill, timeout. Uses `ps`.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "agent-exec-smoke-"));
const cli = (...args) => JSON.parse(spawnSync(process.execPath, ["--", CLI, "--root", root, ...args], { encoding: "utf8" }).stdout);
const survivors = (marker) =>
  execFileSync("ps", ["-axo", "command="], { encoding: "utf8" }).split("\n").filter((l) => l.includes(marker) && !l.includes("ps -axo"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function gone(marker) {
  for (let i = 0; i < 100 && survivors(marker).length > 0; i++) await sleep(100);
  return survivors(marker).length === 0;
}

const checks = [
  ["run -- echo hello exits 0 with its output", async () => {
    const r = cli("run", "--", "echo", "hello");
    return r.state === "exited" && r.exit_code === 0 && r.stdout === "hello\n";
  }],
  ["kill ends a three-level tree", async () => {
    const r = cli("run", "--no-wait", "--", "sh", "-c", 'sh -c "sleep 4711" & sleep 4712 & wait');
    for (let i = 0; i < 50 && survivors("sleep 471").length < 2; i++) await sleep(100);
    const k = cli("kill", r.job_id);
    return k.state === "killed" && (await gone("sleep 471"));
  }],
  ["--timeout ends the tree and says why", async () => {
    const r = cli("run", "--timeout", "1", "--", "sh", "-c", "sleep 4713 & sleep 4714 & wait");
    return r.state === "killed" && r.reason === "timeout" && (await gone("sleep 471"));
  }],
];

let passed = 0;
let failed = 0;
for (const [name, check] of checks) {
  const ok = await check().catch((error) => {
    console.error(error);
    return false;
  });
  console.log(`${ok ? "ok" : "FAIL"} - ${name}`);
  ok ? passed++ : failed++;
}
rmSync(root, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
