/** How the workload is started: the wrapper program and its arguments. */
export interface CommandLine {
  file: string;
  args: string[];
}

export const DEFAULT_POSIX_WRAPPER = ["sh", "-lc"];

/**
 * One argument is a shell string and goes to the wrapper as is (`sh -lc "a && b"`).
 * Two or more are argv: the login shell sets up the environment, then `exec "$@"` replaces it
 * with the workload, so the pid we watch and signal is the workload's own.
 */
export function wrapCommand(wrapper: readonly string[], command: readonly string[]): CommandLine {
  const [file, ...flags] = wrapper;
  if (!file) throw new Error("shell wrapper is empty");
  if (command.length === 1) return { file, args: [...flags, command[0]!] };
  // "--" becomes $0, so "$@" is exactly the workload's argv.
  return { file, args: [...flags, 'exec "$@"', "--", ...command] };
}

/** "bash -lc" → ["bash", "-lc"]; the same whitespace split as the reference. */
export function parseShellWrapper(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
