import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { userDataDir, WINDOWS_FILES } from "../platform/os.js";
import { AgentExecError, ioError } from "../protocol/errors.js";

/**
 * The jobs root, checked to be safe to use (checkRoot). Precedence: --root > AGENT_EXEC_ROOT >
 * $XDG_DATA_HOME/agent-exec/jobs > platform default.
 */
export function resolveRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = flag ? resolve(flag) : env.AGENT_EXEC_ROOT ? resolve(env.AGENT_EXEC_ROOT) : defaultRoot(env);
  checkRoot(root);
  return root;
}

function defaultRoot(env: NodeJS.ProcessEnv): string {
  return join(userDataDir(env), "agent-exec", "jobs");
}

/**
 * Refuses (`unsafe_root`) a root that someone else could plant job directories or links in: one
 * owned by another user, or writable by its group or by others (a /tmp-style directory). A root
 * that does not exist yet is fine: it is created 0700 (JobDir.create). A root that is merely
 * readable by others (0755, as older versions made it) is accepted; the job directories in it are
 * 0700. A symlinked root is judged by its target. Windows has no such modes: the root's ACLs are
 * inherited from where it lives (see docs/ARCHITECTURE.md).
 */
export function checkRoot(root: string): void {
  let stat;
  try {
    stat = statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw ioError(error, "check jobs root", root);
  }
  if (!stat.isDirectory()) throw unsafeRoot(root, "is not a directory");
  if (WINDOWS_FILES) return;
  const uid = process.getuid!();
  if (stat.uid !== uid) throw unsafeRoot(root, `is owned by uid ${stat.uid}, not by this user (uid ${uid})`);
  const writable = [stat.mode & 0o020 ? "its group" : "", stat.mode & 0o002 ? "others" : ""].filter(Boolean);
  if (writable.length > 0) {
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
    throw unsafeRoot(root, `is writable by ${writable.join(" and ")} (mode ${mode}); chmod 700 it or choose a private directory`);
  }
}

function unsafeRoot(root: string, what: string): AgentExecError {
  return new AgentExecError("unsafe_root", `jobs root ${root} ${what}`, { details: { root } });
}
