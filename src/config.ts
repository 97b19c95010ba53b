import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { durationProblem } from "./commands/duration.js";
import { SHELL_CONFIG_KEY, userConfigDir } from "./platform/os.js";
import { AgentExecError } from "./protocol/errors.js";

// config.toml: defaults for the shell wrapper and auto-gc. Precedence: a flag > --config PATH >
// the platform's config file > built-in defaults. A missing default file is not an error; a
// missing --config file, an unreadable file or a malformed one is `config_error`, naming the file.
// So is a section or key not in KNOWN_KEYS: a misspelling must not silently drop a setting.

/** Every section and key the reference's config.toml has. [compression] is accepted and unused. */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  shell: ["unix", "windows"],
  gc: ["auto", "older_than", "max_jobs", "max_bytes", "scan_limit", "delete_limit"],
  compression: ["default"],
};
const COMPRESSION_MODES = ["off", "route", "errors", "tests", "logs", "git", "json", "summary"];

export interface GcConfig {
  auto?: boolean;
  older_than?: string;
  max_jobs?: number;
  max_bytes?: number;
  scan_limit?: number;
  delete_limit?: number;
}

export interface AgentExecConfig {
  /** The file the values came from, if any. */
  path?: string;
  shell: { unix?: string[]; windows?: string[] };
  gc: GcConfig;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(env), "agent-exec", "config.toml");
}

export function loadConfig(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): AgentExecConfig {
  const path = explicitPath === undefined ? defaultConfigPath(env) : resolve(explicitPath);
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && explicitPath === undefined) return { shell: {}, gc: {} };
    throw new AgentExecError("config_error", `config file ${path}: cannot read it (${code})`, { cause: error, details: { path } });
  }
  return { path, ...parseConfig(raw, path) };
}

export function parseConfig(raw: string, path: string): Omit<AgentExecConfig, "path"> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(raw);
  } catch (error) {
    throw problem(path, `not valid TOML: ${(error as Error).message.split("\n")[0]}`);
  }
  rejectUnknownKeys(doc, path);
  const shell = table(doc, "shell", path);
  const gc = table(doc, "gc", path);
  const mode = table(doc, "compression", path).default;
  if (mode !== undefined && !COMPRESSION_MODES.includes(mode as string)) throw problem(path, `compression.default must be one of ${COMPRESSION_MODES.join(", ")}`);
  const olderThan = typed(gc, "older_than", "string", path);
  const windowProblem = olderThan === undefined ? undefined : durationProblem(olderThan);
  if (windowProblem) throw problem(path, `gc.older_than ${JSON.stringify(olderThan)}: ${windowProblem}`);
  return {
    shell: {
      unix: wrapper(shell, "unix", path),
      windows: wrapper(shell, "windows", path),
    },
    gc: {
      auto: typed(gc, "auto", "boolean", path) as boolean | undefined,
      older_than: olderThan as string | undefined,
      max_jobs: count(gc, "max_jobs", path),
      max_bytes: count(gc, "max_bytes", path),
      scan_limit: count(gc, "scan_limit", path),
      delete_limit: count(gc, "delete_limit", path),
    },
  };
}

/** The configured wrapper for this platform, if any. */
export function configuredWrapper(config: AgentExecConfig): string[] | undefined {
  return config.shell[SHELL_CONFIG_KEY];
}

function rejectUnknownKeys(doc: Record<string, unknown>, path: string): void {
  for (const section of Object.keys(doc)) {
    const keys = Object.hasOwn(KNOWN_KEYS, section) ? KNOWN_KEYS[section]! : undefined;
    if (!keys) {
      const known = Object.keys(KNOWN_KEYS).map((k) => `[${k}]`).join(", ");
      throw problem(path, `unknown ${isTable(doc[section]) ? `section [${section}]` : `key ${section}`} (known sections: ${known})`);
    }
    const unknown = Object.keys(table(doc, section, path)).find((key) => !keys.includes(key));
    if (unknown !== undefined) throw problem(path, `unknown key ${section}.${unknown} (known in [${section}]: ${keys.join(", ")})`);
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function table(doc: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const value = doc[key];
  if (value === undefined) return {};
  if (!isTable(value)) throw problem(path, `[${key}] must be a table`);
  return value;
}

function wrapper(shell: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const value = shell[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
    throw problem(path, `shell.${key} must be a non-empty array of strings, e.g. ["sh", "-lc"]`);
  }
  return value as string[];
}

function typed(t: Record<string, unknown>, key: string, type: "string" | "boolean", path: string): unknown {
  const value = t[key];
  if (value !== undefined && typeof value !== type) throw problem(path, `gc.${key} must be a ${type}`);
  return value;
}

function count(t: Record<string, unknown>, key: string, path: string): number | undefined {
  const value = t[key];
  if (value === undefined) return undefined;
  // smol-toml gives integers as numbers (bigint only beyond 2^53).
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw problem(path, `gc.${key} must be a whole number >= 0`);
  return value;
}

function problem(path: string, what: string): AgentExecError {
  return new AgentExecError("config_error", `config file ${path}: ${what}`, { details: { path } });
}
