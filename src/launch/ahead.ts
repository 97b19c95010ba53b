import type { Socket } from "node:net";
import { newJobId } from "../store/job-id.js";
import { resolveRoot } from "../store/root.js";
import { spawnSupervisor, type SupervisorProcess } from "../supervisor/spawn-supervisor.js";

// `run` starts a supervisor: a second node, whose boot (~40 ms, or ~110 ms with a CA bundle in
// NODE_EXTRA_CA_CERTS, on the bench VM) came after the CLI's own boot and its definition of the
// job. So the launcher (dist/cli.cjs, scripts/bundle.mjs) calls startAhead before it even reads
// the CLI's bundle: when the command line is a `run`, the supervisor is spawned at once with a
// job id drawn here and the root the CLI will resolve, and boots while the CLI loads and defines
// the job; it waits for its launch secrets on stdin. The definition takes that id (aheadJobId)
// and the handshake takes the supervisor only if the job has that id and root; anything else (a
// usage error, a root given in a way this scan misreads) lets it go: its stdin closes without a
// byte, and it exits without touching the store (supervisor/main.ts).
// This module is its own small bundle, dist/bundle/ahead.cjs, which the CLI's bundle requires
// rather than holds: the launcher and the CLI must share its one state.

let ahead: SupervisorProcess | undefined;

/** Starts the supervisor of the job `args` (the CLI's arguments) will run, if they name `run`. */
export function startAhead(args: readonly string[]): void {
  const scan = scanRun(args);
  if (!scan) return;
  try {
    const root = resolveRoot(scan.root);
    ahead = spawnSupervisor(newJobId(), root);
  } catch {
    return; // the CLI reports a bad root itself
  }
  // It must not keep the CLI alive: a CLI that never launches exits, and that closes the stdin.
  ahead.child.unref();
  // Both are pipes, so sockets (the ChildProcess types call them plain streams).
  for (const stream of [ahead.child.stdin, ahead.child.stdout]) (stream as Socket | null)?.unref();
}

/** The id of the job whose supervisor was started ahead and not yet handed over: the CLI defines one job. */
export function aheadJobId(): string | undefined {
  return ahead?.id;
}

/** The supervisor started ahead for exactly this job, if any; one started for another is let go. */
export function takeAhead(id: string, root: string): SupervisorProcess | undefined {
  const taken = ahead;
  ahead = undefined;
  if (!taken) return undefined;
  if (taken.id === id && taken.root === root) return taken;
  taken.child.stdin!.end(); // an empty stdin: nothing to supervise
  taken.child.stdout!.destroy();
  return undefined;
}

/**
 * `[--root R | --yaml | -v…]… run [options…] [--] command…`: whether it is a run, and its --root
 * (run's own wins, as in the CLI). Options after the verb are scanned up to `--`; a value that
 * only looks like --root yields a root the CLI does not use, and the supervisor is let go.
 */
function scanRun(args: readonly string[]): { root?: string } | undefined {
  let root: string | undefined;
  let i = 0;
  const rootAt = (j: number): number => {
    const arg = args[j]!;
    if (arg === "--root") {
      root = args[j + 1];
      return j + 2;
    }
    if (arg.startsWith("--root=")) root = arg.slice("--root=".length);
    return j + 1;
  };
  while (i < args.length && args[i]!.startsWith("-")) i = rootAt(i);
  if (args[i] !== "run") return undefined;
  for (i++; i < args.length && args[i] !== "--"; ) {
    if (args[i] === "-h" || args[i] === "--help") return undefined;
    i = rootAt(i);
  }
  return { root };
}
