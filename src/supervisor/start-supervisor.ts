import { takeAhead } from "../launch/ahead.js";
import { watchUntil } from "../observe/watch.js";
import type { JobDir } from "../store/job-dir.js";
import { failedToStart, supervisorSpawned } from "../job/transitions.js";
import type { StateRecord } from "../store/types.js";
import { processStartTime } from "../platform/process-info.js";
import type { LaunchSecrets } from "./supervise.js";
import { spawnSupervisor } from "./spawn-supervisor.js";
// A supervisor that has not started the workload by then is presumed stuck (a hung disk, a frozen VM).
const HANDSHAKE_TIMEOUT_MS = 30_000;
// At most this many supervisors of one process are starting at a time (the CLI starts one; a
// server may be asked for hundreds at once). Queued starts wait here before their handshake clock
// starts, so a burst cannot push each other past HANDSHAKE_TIMEOUT_MS.
const MAX_CONCURRENT_STARTS = 8;
let starting = 0;
const queued: (() => void)[] = [];

async function startSlot(): Promise<() => void> {
  if (starting >= MAX_CONCURRENT_STARTS) await new Promise<void>((resolve) => queued.push(resolve));
  else starting++;
  return () => {
    const next = queued.shift();
    if (next) next(); // the slot passes straight to the next start
    else starting--;
  };
}

/**
 * Starts the detached supervisor for a `created` job and waits until it has started the workload
 * (it writes `running` with the workload's pid) or has recorded why it could not. Until then the
 * front end owns state.json; after that, only the supervisor writes it.
 */
export async function startSupervisor(dir: JobDir, secrets: LaunchSecrets): Promise<StateRecord> {
  const release = await startSlot();
  try {
    return await handshake(dir, secrets);
  } finally {
    release();
  }
}

async function handshake(dir: JobDir, secrets: LaunchSecrets): Promise<StateRecord> {
  const started = takeAhead(dir.id, dir.root) ?? spawnSupervisor(dir.id, dir.root);
  const { child } = started;
  // Recorded before the secrets are sent (the supervisor waits for them), so a launcher killed
  // from here on leaves a job whose supervisor readers can see (src/observe/abandoned.ts).
  if (child.pid) dir.writeState(supervisorSpawned(dir.readState(), child.pid, processStartTime(child.pid)));
  child.stdin!.end(JSON.stringify(secrets));
  child.unref();

  const outcome = await watchUntil(
    dir.path,
    () => {
      const state = dir.readState();
      if (state.job.status !== "created") return state;
      if (started.error) return fail(dir, state, `could not start the supervisor: ${started.error.message}`);
      if (started.exited) return fail(dir, state, `the supervisor ended (${started.exited}) before starting the workload; see supervisor.log`);
      return undefined;
    },
    { timeoutMs: HANDSHAKE_TIMEOUT_MS, pollMs: 20, wake: child.stdout! },
  );
  child.stdout!.destroy(); // nothing more is read from it: it must not keep this process alive
  if (outcome) return outcome;
  if (child.pid) process.kill(child.pid, "SIGKILL");
  const state = dir.readState();
  if (state.job.status !== "created") return state;
  return fail(dir, state, `the supervisor did not start the workload within ${HANDSHAKE_TIMEOUT_MS / 1000} s`);
}

function fail(dir: JobDir, state: StateRecord, reason: string): StateRecord {
  const failed = failedToStart(state, reason);
  dir.writeState(failed);
  return failed;
}
