import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

// Every process this test file starts inherits this variable (the CLI, the supervisors, the
// workloads that inherit the environment), so a marker only ever matches our own processes:
// another checkout testing on the same machine, or a stranger's `sleep 3711`, is never touched.
const RUN_VAR = "AGENT_EXEC_TEST_RUN";
process.env[RUN_VAR] = randomUUID();
const RUN_ENTRY = `${RUN_VAR}=${process.env[RUN_VAR]}`;

/**
 * Pids of live (non-zombie) processes started by this test run whose command line contains
 * `marker` (or any of `marker`'s entries), read from /proc in one pass: reading every process's
 * cmdline is kernel work, and a fixture with 29 markers scanned /proc 58 times per test.
 */
export function processesMatching(marker: string | readonly string[]): number[] {
  const markers = typeof marker === "string" ? [marker] : marker;
  const pids: number[] = [];
  if (markers.length === 0) return pids;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (!markers.some((m) => cmdline.includes(m))) continue;
      if (!startedByThisRun(Number(entry))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z") pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

/** True when `pid` carries this run's variable: it was started by this test file, directly or not. */
export function startedByThisRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(RUN_ENTRY);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
