import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createRequire } from "node:module";

type Spawn = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
let crossSpawn: Spawn | undefined;

/**
 * Starts a command the way cross-spawn does (Windows: PATHEXT, .cmd shims, quoting). Off Windows
 * cross-spawn hands its arguments to child_process.spawn unchanged, so it is loaded only on
 * Windows: in a supervisor it and its dependencies were ~2 MiB of heap held for the whole job.
 */
export function spawnCommand(file: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  if (process.platform !== "win32") return spawn(file, args, options);
  crossSpawn ??= createRequire(import.meta.url)("cross-spawn") as Spawn;
  return crossSpawn(file, args, options);
}
