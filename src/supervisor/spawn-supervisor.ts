import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { supervisorEnv } from "./held-env.js";

// The supervisor's CommonJS bundle (scripts/bundle.mjs), started directly: no ESM launcher to boot.
const SUPERVISOR_MAIN = fileURLToPath(new URL("../bundle/supervisor.cjs", import.meta.url));

/** A supervisor process being started for job `id` under `root`, and what became of it so far. */
export interface SupervisorProcess {
  readonly child: ChildProcess;
  readonly id: string;
  readonly root: string;
  exited?: string;
  error?: Error;
}

/**
 * Spawns the detached supervisor of one job. It does nothing until the launch secrets arrive on
 * its stdin (start-supervisor.ts sends them once the job directory is ready), so it may be started
 * before the job exists (src/launch/ahead.ts); its stdout says when state.json changed.
 */
export function spawnSupervisor(id: string, root: string): SupervisorProcess {
  const child = spawn(process.execPath, [SUPERVISOR_MAIN, "_supervise", id, "--root", root], {
    detached: true,
    env: supervisorEnv(process.env),
    stdio: ["pipe", "pipe", "ignore"],
    windowsHide: true,
  });
  const started: SupervisorProcess = { child, id, root };
  child.once("exit", (code, signal) => (started.exited = signal ?? `exit code ${code}`));
  child.once("error", (error) => (started.error = error));
  child.stdin!.on("error", () => undefined); // a supervisor that died early is reported by the handshake
  return started;
}
