import { homedir } from "node:os";
import { join, resolve } from "node:path";

// What code outside src/platform/ may know about the OS it runs on: facts (where the files live,
// what the file system guarantees, whose command-line rules apply, whether /proc lists processes),
// never the OS's name. Inside src/platform/ the backends and their selection read process.platform
// themselves; anywhere else in src/ a unit test (test/unit/platform-seam.test.ts) fails on it.

const PLATFORM = process.platform;
const WINDOWS = PLATFORM === "win32";

/** The OS as Node names it: only for reports (doctor), never for a decision outside src/platform/. */
export const OS_PLATFORM: NodeJS.Platform = PLATFORM;

/**
 * Windows file semantics: Node has no O_NOFOLLOW/O_NONBLOCK there (a link is refused by an lstat
 * first), owners and mode bits mean nothing (ACLs do; nothing to chmod or check), and a rename
 * over a file another process has open is refused for a moment (retried).
 */
export const WINDOWS_FILES = WINDOWS;

/**
 * Workload command lines are cmd.exe's (quoting, /d /s /c) and the workload is not detached: it
 * stays in the supervisor's Job Object instead of leading a POSIX process group.
 */
export const WINDOWS_COMMAND_LINES = WINDOWS;

/** The config.toml `[shell]` key that applies here. */
export const SHELL_CONFIG_KEY: "windows" | "unix" = WINDOWS ? "windows" : "unix";

/** A Unix domain socket can be bound to a path in a job directory (Node binds a named pipe on Windows). */
export const PATH_SOCKETS = !WINDOWS;

/** /proc lists every process with its parent, group and start time (Linux). */
export const PROC_FS = PLATFORM === "linux";

/** Where the user's configuration lives: %APPDATA% on Windows, else $XDG_CONFIG_HOME or ~/.config. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (WINDOWS) return env.APPDATA ?? join(homedir(), "AppData", "Roaming");
  return env.XDG_CONFIG_HOME || join(homedir(), ".config");
}

/**
 * Where the user's data lives: $XDG_DATA_HOME on any OS when set, else %LOCALAPPDATA% (Windows),
 * ~/Library/Application Support (macOS) or ~/.local/share.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_DATA_HOME) return resolve(env.XDG_DATA_HOME);
  if (WINDOWS) return env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local");
  if (PLATFORM === "darwin") return join(homedir(), "Library", "Application Support");
  return join(homedir(), ".local", "share");
}
