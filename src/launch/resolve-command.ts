import { execFile } from "node:child_process";
import { delimiter, isAbsolute, resolve } from "node:path";
import { parse as parseShellWords } from "shell-quote";
import which from "which";
import { probeCommand, workloadEnv } from "../supervisor/command-line.js";
import { WINDOWS_COMMAND_LINES } from "../platform/os.js";

// `run -- nosuchcmd` is `failed` with "command not found: nosuchcmd" instead of an `exited` 127
// with the shell's message: the program is looked up before anything is spawned, as execa does,
// on the PATH the workload gets. Only a program name the shell would certainly look up is
// checked: argv[0] in argv mode; in a shell string, the first word only when the whole string is
// plain words (no operators, expansions, globs, redirections, assignments or `~`). A name not on
// that PATH is then asked of the wrapper itself, after its profile ran, since a profile may add
// to PATH or define a function (nvm, conda) and a builtin or keyword (`cd`, `if`) is never on it.

const PROBE_TIMEOUT_MS = 10_000;

export interface ResolveInput {
  wrapper: readonly string[];
  command: readonly string[];
  /** The workload's environment (its PATH is the one searched). */
  env: Record<string, string>;
  /** The workload's working directory: a relative name or PATH entry is relative to it. */
  cwd: string;
}

/** "command not found: NAME" when the workload's program cannot be found; undefined otherwise. */
export async function commandNotFound(input: ResolveInput, windows = WINDOWS_COMMAND_LINES): Promise<string | undefined> {
  const argvMode = input.command.length > 1;
  // cmd.exe strings are left to cmd (its builtins are no files); argv mode is spawned directly.
  if (windows && !argvMode) return undefined;
  const name = argvMode ? input.command[0] : firstPlainWord(input.command[0] ?? "");
  if (!name) return undefined;
  if (onPath(name, input, windows)) return undefined;
  if (windows) return `command not found: ${name}`;
  const probe = probeCommand(input.wrapper, name, argvMode);
  if (!probe) return undefined; // a wrapper we cannot ask: it reports the problem itself
  return (await probeSays(probe.file, probe.args, input)) === "missing" ? `command not found: ${name}` : undefined;
}

function firstPlainWord(script: string): string | undefined {
  const words = parseShellWords(script, (key) => ({ op: `$${key}` }) as never);
  if (!words.every((word): word is string => typeof word === "string")) return undefined;
  const first = words[0];
  if (first === undefined || first.includes("=") || first.includes("`") || first.startsWith("~")) return undefined;
  return first;
}

function onPath(name: string, { env, cwd }: ResolveInput, windows: boolean): boolean {
  const hasSlash = name.includes("/") || (windows && name.includes("\\"));
  const target = hasSlash && !isAbsolute(name) ? resolve(cwd, name) : name;
  // Windows keeps PATH under any case (Path) and, like cmd.exe, looks in the cwd first.
  const value = (key: string) => env[Object.keys(env).find((k) => (windows ? k.toUpperCase() === key : k === key)) ?? key];
  const path = value("PATH");
  // No PATH at all: the shell's own default applies, which only asking the shell tells.
  if (path === undefined) return hasSlash && which.sync(target, { nothrow: true }) !== null;
  // An empty or relative PATH entry names a directory relative to the workload's cwd.
  const entries = path.split(delimiter).map((entry) => resolve(cwd, entry || "."));
  const searchPath = (windows ? [cwd, ...entries] : entries).join(delimiter);
  return which.sync(target, { path: searchPath, pathExt: windows ? value("PATHEXT") : undefined, nothrow: true }) !== null;
}

/** "missing" only when the wrapper ran and said so; a probe that could not run decides nothing. */
function probeSays(file: string, args: string[], input: ResolveInput): Promise<"found" | "missing" | "unknown"> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { cwd: input.cwd, env: workloadEnv(input.wrapper, input.env, false), timeout: PROBE_TIMEOUT_MS, windowsHide: true },
      (error) => {
        if (!error) return done("found");
        const code = (error as { code?: unknown }).code;
        done(typeof code === "number" && code !== 0 && !(error as { killed?: boolean }).killed ? "missing" : "unknown");
      },
    );
  });
}
