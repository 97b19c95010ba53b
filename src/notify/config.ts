import { resolve } from "node:path";
import { definedOnly } from "../defined.js";
import { AgentExecError } from "../protocol/errors.js";
import { MATCH_STREAMS, MATCH_TYPES, OUTPUT_MATCH_KEYS, type MatchStream, type MatchType, type NotificationOptions } from "../protocol/options.js";
import { compileLineRegex } from "./line-regex.js";

// meta.json's `notification` block, with the reference's field names, and how run/create and
// `notify set` change it. Everything is validated here, at set time: the supervisor only reads it.

export { MATCH_STREAMS, MATCH_TYPES, type MatchStream, type MatchType, type NotificationOptions };

export interface OutputMatchConfig {
  pattern: string;
  match_type: MatchType;
  stream: MatchStream;
  command?: string;
  file?: string;
}

export interface NotificationConfig {
  /** Shell string run through the job's wrapper when the job ends; the event JSON is its stdin. */
  notify_command?: string;
  /** File that gets one NDJSON `job.finished` line when the job ends. */
  notify_file?: string;
  on_output_match?: OutputMatchConfig;
}

/**
 * `existing` overlaid with the options: a given value replaces, an omitted one is kept, and an
 * empty string removes (`--command ''` drops the completion command, `--output-pattern ''` the
 * whole output-match block). File paths are made absolute now, because the supervisor that
 * appends to them runs elsewhere. Returns undefined when nothing is left configured.
 */
export function updateNotification(existing: NotificationConfig | undefined, options: NotificationOptions): NotificationConfig | undefined {
  const next: NotificationConfig = {
    notify_command: overlay(existing?.notify_command, options.notifyCommand),
    notify_file: overlayPath(existing?.notify_file, options.notifyFile),
    on_output_match: updateOutputMatch(existing?.on_output_match, options),
  };
  const defined = definedOnly(next);
  return Object.keys(defined).length > 0 ? defined : undefined;
}

function updateOutputMatch(existing: OutputMatchConfig | undefined, options: NotificationOptions): OutputMatchConfig | undefined {
  const { outputPattern, outputMatchType, outputStream, outputCommand, outputFile } = options;
  if (OUTPUT_MATCH_KEYS.every((key) => options[key] === undefined)) return existing;
  if (outputPattern === "") return undefined;
  const pattern = outputPattern ?? existing?.pattern;
  if (pattern === undefined) {
    throw new AgentExecError("invalid_argument", "output-match options need output_pattern: this job has no output pattern yet", { fields: ["output_pattern"] });
  }
  const config: OutputMatchConfig = {
    pattern,
    match_type: choice("output_match_type", outputMatchType, MATCH_TYPES) ?? existing?.match_type ?? "contains",
    stream: choice("output_stream", outputStream, MATCH_STREAMS) ?? existing?.stream ?? "either",
  };
  const command = overlay(existing?.command, outputCommand);
  const file = overlayPath(existing?.file, outputFile);
  if (command !== undefined) config.command = command;
  if (file !== undefined) config.file = file;
  lineMatcher(config); // a regex the engine cannot take is refused now, not discovered line by line
  return config;
}

/** A test for one output line under `config`; throws invalid_argument for a regex the engine cannot take. */
export function lineMatcher(config: OutputMatchConfig): (line: string) => boolean {
  if (config.match_type === "contains") return (line) => line.includes(config.pattern);
  return compileLineRegex(config.pattern);
}

function overlay(existing: string | undefined, given: string | undefined): string | undefined {
  if (given === undefined) return existing;
  return given === "" ? undefined : given;
}

function overlayPath(existing: string | undefined, given: string | undefined): string | undefined {
  const value = overlay(existing, given);
  return value === undefined || value === existing ? value : resolve(value);
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new AgentExecError("invalid_argument", `${flag} ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}
