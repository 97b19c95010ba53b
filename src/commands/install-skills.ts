import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ioError } from "../protocol/errors.js";
import writeFileAtomic from "write-file-atomic";
import { now } from "../time.js";

const SKILL_NAME = "agent-exec";
// Shipped in the package beside dist/, like schema/.
const BUNDLED_SKILL = fileURLToPath(new URL(`../../skills/${SKILL_NAME}`, import.meta.url));

export interface InstallSkillsOptions {
  /** Into .claude/ instead of .agents/. */
  claude?: boolean;
  /** Under the home directory instead of the current one. */
  global?: boolean;
  /** The current directory (default: process.cwd()). */
  cwd?: string;
}

export interface InstalledSkill {
  name: string;
  source_type: "embedded";
  path: string;
}

export interface InstallSkillsResult {
  skills: InstalledSkill[];
  global: boolean;
  lock_file_path: string;
}

interface LockEntry extends InstalledSkill {
  installed_at: string;
}

/** Copies the bundled skill into <base>/skills/agent-exec/ and records it in <base>/.skill-lock.json. */
export async function installSkills(options: InstallSkillsOptions = {}): Promise<InstallSkillsResult> {
  const base = join(options.global ? homedir() : (options.cwd ?? process.cwd()), options.claude ? ".claude" : ".agents");
  const path = join(base, "skills", SKILL_NAME);
  try {
    mkdirSync(path, { recursive: true });
    cpSync(BUNDLED_SKILL, path, { recursive: true });
  } catch (error) {
    throw ioError(error, "install skill into", path);
  }
  const installed: InstalledSkill = { name: SKILL_NAME, source_type: "embedded", path };
  const lockPath = join(base, ".skill-lock.json");
  const entries = readLockEntries(lockPath);
  const entry: LockEntry = { name: SKILL_NAME, source_type: "embedded", installed_at: now(), path };
  // One entry per skill: a re-install replaces ours where it was, and keeps everyone else's.
  const at = entries.findIndex((e) => e.name === SKILL_NAME);
  const others = entries.filter((e) => e.name !== SKILL_NAME);
  others.splice(at < 0 ? others.length : at, 0, entry);
  // Not the job store's writer: the lock belongs to the user's tree, where a symlinked dotfile is
  // written through (write-file-atomic follows it), as other tools sharing the file expect.
  try {
    writeFileAtomic.sync(lockPath, `${JSON.stringify({ skills: others }, null, 2)}\n`);
  } catch (error) {
    throw ioError(error, "write", lockPath);
  }
  return { skills: [installed], global: Boolean(options.global), lock_file_path: lockPath };
}

// Entries other tools wrote are kept; a lock file we cannot parse is replaced, as in the reference.
function readLockEntries(lockPath: string): LockEntry[] {
  let lock: unknown;
  try {
    lock = JSON.parse(readFileSync(lockPath, "utf8"));
  } catch {
    return [];
  }
  const skills = (lock as { skills?: unknown } | undefined)?.skills;
  if (Array.isArray(skills)) return skills.filter((entry): entry is LockEntry => typeof entry?.name === "string");
  // The reference also reads an older map form: {"skills": {"<name>": {...}}}.
  if (skills && typeof skills === "object") return Object.entries(skills).map(([name, entry]) => ({ ...(entry as LockEntry), name }));
  return [];
}
