import { basename } from "node:path";
import type { SpawnOptions } from "node:child_process";
import { WINDOWS_COMMAND_LINES } from "../platform/os.js";

/** How the workload is started: the program, its arguments, and platform-specific spawn options. */
export interface CommandLine {
  file: string;
  args: string[];
  options: Pick<SpawnOptions, "detached" | "windowsVerbatimArguments">;
}

const IS_WINDOWS = WINDOWS_COMMAND_LINES;

export function defaultShellWrapper(): string[] {
  return IS_WINDOWS ? ["cmd", "/C"] : ["sh", "-lc"];
}

/**
 * One argument is a shell string for the wrapper (`sh -lc "a && b"`, `cmd /C "a & b"`); two or more
 * are argv. The result is spawned with cross-spawn, which on Windows resolves a bare name through
 * PATH and PATHEXT (`npm` → npm.cmd) and escapes arguments for cmd.exe shims.
 */
export function workloadCommand(wrapper: readonly string[], command: readonly string[], windows = IS_WINDOWS): CommandLine {
  const [file, ...flags] = wrapper;
  if (!file) throw new Error("shell wrapper is empty");
  if (windows) {
    // Argv mode runs the program itself (there is no exec hand-off in cmd.exe), so the pid we
    // watch is the workload's. A cmd string goes through /d /s /c "…", which passes it verbatim.
    if (command.length > 1) return { file: command[0]!, args: command.slice(1), options: { detached: false } };
    if (/^cmd(\.exe)?$/i.test(basename(file))) {
      return { file, args: ["/d", "/s", "/c", `"${command[0]}"`], options: { detached: false, windowsVerbatimArguments: true } };
    }
    return { file, args: [...flags, command[0]!], options: { detached: false } };
  }
  // POSIX: detached = setsid, so the workload leads a process group that is signalled as one.
  if (command.length === 1) return { file, args: [...flags, command[0]!], options: { detached: true } };
  // The login shell sets up the environment, then `exec "$@"` replaces it with the workload, so
  // the pid we watch and signal is the workload's own. "--" becomes $0.
  return { file, args: [...flags, 'exec "$@"', "--", ...command], options: { detached: true } };
}

/** "bash -lc" → ["bash", "-lc"]; the same whitespace split as the reference. */
export function parseShellWrapper(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
