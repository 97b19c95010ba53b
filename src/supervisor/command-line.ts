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

// A login shell's profile may reset PATH (Debian's /etc/profile does), which would drop what the
// caller (or --env PATH) had: `npx`, a virtualenv's python, agent-exec itself. So the caller's PATH
// travels beside it in CALLER_PATH_VAR, and the wrapper's script first puts it back in front,
// keeping whatever the profile added after it, then removes the variable. Only shells whose syntax
// is known get that script; any other wrapper runs the command as it is.
export const CALLER_PATH_VAR = "AGENT_EXEC_CALLER_PATH";

type ShellFamily = "posix" | "fish";
const POSIX_SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash"]);

function shellFamily(file: string): ShellFamily | undefined {
  const name = basename(file).replace(/\.exe$/i, "");
  if (POSIX_SHELLS.has(name)) return "posix";
  return name === "fish" ? "fish" : undefined;
}

// One line that ends in "; ", so the command's own script still starts on line 1 (the shell's
// "sh: 1: …" messages keep their line numbers).
const RESTORE_PATH: Record<ShellFamily, string> = {
  posix: [
    `if [ -n "\${${CALLER_PATH_VAR}+x}" ]; then __ae_path=$${CALLER_PATH_VAR}; __ae_rest=$PATH:;`,
    `while [ -n "$__ae_rest" ]; do __ae_dir=\${__ae_rest%%:*}; __ae_rest=\${__ae_rest#*:};`,
    `case ":$__ae_path:" in *":$__ae_dir:"*) ;; *) [ -z "$__ae_dir" ] || __ae_path=\${__ae_path:+$__ae_path:}$__ae_dir ;; esac; done;`,
    `PATH=$__ae_path; export PATH; unset ${CALLER_PATH_VAR} __ae_path __ae_rest __ae_dir; fi; `,
  ].join(" "),
  fish: [
    `if set -q ${CALLER_PATH_VAR}; set -l __ae_path (string split -n -- : $${CALLER_PATH_VAR});`,
    `for __ae_dir in $PATH; contains -- $__ae_dir $__ae_path; or set -a __ae_path $__ae_dir; end;`,
    `set -gx PATH $__ae_path; set -e ${CALLER_PATH_VAR}; end; `,
  ].join(" "),
};

// Runs "$@" / $argv in place of the shell, so the pid we watch and signal is the workload's own.
const EXEC_ARGS: Record<ShellFamily, string> = { posix: 'exec "$@"', fish: "exec $argv" };

/**
 * The workload's environment for this wrapper: `env`, plus the caller's PATH for the script that
 * restores it (see CALLER_PATH_VAR), when the wrapper is a shell that runs that script.
 */
export function workloadEnv(wrapper: readonly string[], env: Record<string, string>, windows = IS_WINDOWS): Record<string, string> {
  if (windows || !wrapper[0] || !shellFamily(wrapper[0]) || env.PATH === undefined) return env;
  return { ...env, [CALLER_PATH_VAR]: env.PATH };
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
  const family = shellFamily(file);
  const script = (body: string) => (family ? `${RESTORE_PATH[family]}${body}` : body);
  if (command.length === 1) return { file, args: [...flags, script(command[0]!)], options: { detached: true } };
  // The login shell sets up the environment, then execs the workload. "--" becomes $0 (POSIX)
  // or ends fish's options.
  return { file, args: [...flags, script(EXEC_ARGS[family ?? "posix"]), "--", ...command], options: { detached: true } };
}

/**
 * How to ask the wrapper whether it can run `name` once its profile has run (with the caller's
 * PATH restored): exit 0 if it can. `external`: only a program on PATH counts (argv mode execs);
 * otherwise a builtin, keyword, function or alias does too. Undefined for a wrapper whose syntax is
 * not known.
 */
export function probeCommand(wrapper: readonly string[], name: string, external: boolean): CommandLine | undefined {
  const [file, ...flags] = wrapper;
  const family = file === undefined ? undefined : shellFamily(file);
  if (!family) return undefined;
  const check =
    family === "fish"
      ? external ? "command -q -- $argv[1]" : "type -q -- $argv[1]"
      : external ? 'case $(command -v -- "$1") in */*) exit 0 ;; esac; exit 127' : 'command -v -- "$1" >/dev/null'
  return { file: file!, args: [...flags, `${RESTORE_PATH[family]}${check}`, "--", name], options: { detached: true } };
}

/** "bash -lc" → ["bash", "-lc"]; the same whitespace split as the reference. */
export function parseShellWrapper(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
