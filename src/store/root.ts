import { homedir } from "node:os";
import { join, resolve } from "node:path";

// Precedence: --root > AGENT_EXEC_ROOT > $XDG_DATA_HOME/agent-exec/jobs > platform default.
export function resolveRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.AGENT_EXEC_ROOT) return resolve(env.AGENT_EXEC_ROOT);
  if (env.XDG_DATA_HOME) return resolve(env.XDG_DATA_HOME, "agent-exec", "jobs");
  return platformDefaultRoot(env);
}

function platformDefaultRoot(env: NodeJS.ProcessEnv): string {
  switch (process.platform) {
    case "win32":
      return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "agent-exec", "jobs");
    case "darwin":
      return join(homedir(), "Library", "Application Support", "agent-exec", "jobs");
    default:
      return join(homedir(), ".local", "share", "agent-exec", "jobs");
  }
}
