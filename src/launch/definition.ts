import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { SCHEMA_VERSION } from "../protocol/envelope.js";
import { AgentExecError, ioError } from "../protocol/errors.js";
import { configuredWrapper, type AgentExecConfig } from "../config.js";
import { defaultShellWrapper, parseShellWrapper } from "../supervisor/command-line.js";
import { updateNotification, type NotificationOptions } from "../notify/config.js";
import type { JobDir } from "../store/job-dir.js";
import { newJobId } from "../store/job-id.js";
import { aheadJobId } from "./ahead.js";
import type { JobMeta } from "../store/types.js";
import { now } from "../time.js";
import { secondsToMs } from "../commands/duration.js";
import { normalizeTags } from "../commands/tags.js";

/** What defines a job, as `run` and `create` accept it. Times are in seconds. */
export interface DefinitionOptions {
  command: string[];
  cwd?: string;
  env?: string[];
  envFiles?: string[];
  inheritEnv?: boolean;
  mask?: string[];
  tags?: string[];
  timeout?: number;
  killAfter?: number;
  progressEvery?: number;
  shellWrapper?: string;
  /** config.toml to read instead of the platform's default file (for the wrapper default). */
  config?: string;
  log?: string;
  /** --notify-command, --notify-file and the --output-* options. */
  notification?: NotificationOptions;
}

export interface Definition {
  meta: JobMeta;
  /** The workload's real environment; handed to the supervisor, never written to disk. */
  env: Record<string, string>;
  /**
   * With `persistEnv`, when a --env value is masked: the real --env pairs, which the job keeps in
   * its secrets.json (JobDir.writeSecrets), since meta.json shows only the masked view.
   */
  secrets?: string[];
}

/**
 * `config` supplies the wrapper when --shell-wrapper is not given. `persistEnv` (create) also
 * returns the real --env values when some are masked, because `start` runs later, from another
 * process, and must launch the same definition.
 */
export function buildDefinition(root: string, options: DefinitionOptions, config: AgentExecConfig, persistEnv = false): Definition {
  if (options.command.length === 0 || options.command[0] === "") {
    throw new AgentExecError("usage_error", "missing command: give it after --, e.g. agent-exec run -- npm test");
  }
  const envPairs = (options.env ?? []).map(parseEnvPair);
  const envFiles = (options.envFiles ?? []).map((file) => resolve(file));
  const mask = options.mask ?? [];
  const inheritEnv = options.inheritEnv ?? true;
  const env = composeEnv(inheritEnv, envFiles, envPairs);

  const wrapper =
    options.shellWrapper === undefined
      ? (configuredWrapper(config) ?? defaultShellWrapper())
      : parseShellWrapper(options.shellWrapper);
  if (wrapper.length === 0) throw new AgentExecError("usage_error", "shell_wrapper must name a program, e.g. \"bash -lc\"");
  const notification = updateNotification(undefined, options.notification ?? {});

  const meta: JobMeta = {
    job: { id: aheadJobId() ?? newJobId() },
    schema_version: SCHEMA_VERSION,
    command: options.command,
    created_at: now(),
    root,
    cwd: resolveCwd(options.cwd),
    env_keys: envPairs.map(([key]) => key),
    env_vars: envPairs.map(([key, value]) => `${key}=${mask.includes(key) ? "***" : value}`),
    mask,
    env_files: envFiles,
    inherit_env: inheritEnv,
    tags: normalizeTags(options.tags ?? []),
    timeout_ms: secondsToMs(options.timeout ?? 0, "timeout"),
    kill_after_ms: secondsToMs(options.killAfter ?? 0, "kill_after"),
    progress_every_ms: secondsToMs(options.progressEvery ?? 0, "progress_every"),
    shell_wrapper: wrapper,
    ...(options.log ? { full_log_path: logPath(options.log) } : {}),
    ...(notification ? { notification } : {}),
  };
  const masked = envPairs.some(([key]) => mask.includes(key));
  return { meta, env, ...(persistEnv && masked ? { secrets: envPairs.map(([key, value]) => `${key}=${value}`) } : {}) };
}

/**
 * The environment of a job defined earlier: inherited now, env files re-read now, then --env values:
 * from secrets.json when `create` kept them, else the display view, whose unmasked values are real.
 * A `run` job never stores masked values: those are lost.
 */
export function environmentOf(dir: JobDir, meta: JobMeta): Record<string, string> {
  const secrets = dir.readSecrets();
  if (!secrets && meta.mask.some((key) => meta.env_keys.includes(key))) {
    throw new AgentExecError("invalid_state", `job ${meta.job.id} does not keep its masked --env values (a job started by run never stores them); run it again instead`);
  }
  return composeEnv(meta.inherit_env, meta.env_files ?? [], (secrets ?? meta.env_vars).map(parseEnvPair));
}

function composeEnv(inheritEnv: boolean, envFiles: string[], envPairs: [string, string][]): Record<string, string> {
  const env: Record<string, string> = inheritEnv ? definedEntries(process.env) : {};
  for (const file of envFiles) Object.assign(env, readEnvFile(file));
  for (const [key, value] of envPairs) env[key] = value;
  return env;
}

function parseEnvPair(entry: string): [string, string] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new AgentExecError("invalid_argument", `env ${JSON.stringify(entry)}: expected KEY=VALUE`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      throw new AgentExecError("invalid_argument", `env_file ${file}: cannot read it (${code})`);
    }
    throw ioError(error, "read env file", file);
  }
}

/** --log's file: absolute; if it exists, a regular file (the supervisor never follows a link there). */
function logPath(log: string): string {
  const path = resolve(log);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return path; // created when the job starts
  }
  if (!stat.isFile()) throw new AgentExecError("invalid_argument", `log ${path}: ${stat.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; give the file itself`);
  return path;
}

/** The canonical directory the job runs in; it must exist now. */
function resolveCwd(cwd: string | undefined): string {
  const path = resolve(cwd ?? process.cwd());
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new AgentExecError("invalid_argument", `cwd ${path}: not an existing directory`);
  return realpathSync(path);
}

function definedEntries(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
