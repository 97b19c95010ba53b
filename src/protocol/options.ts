import { JOB_STATUSES } from "../store/types.js";

export { COMPRESSION_MODES, type CompressionMode } from "../compress/modes.js";

// The API's option vocabulary: defaults, choices and field names that the front doors (CLI, HTTP,
// MCP) declare and the command functions apply. It imports nothing heavy, so the CLI can declare
// every verb from it without loading a single handler.

export const DEFAULT_MAX_BYTES = 65536;
export const DEFAULT_RUN_UNTIL_SECONDS = 10;
export const DEFAULT_WAIT_UNTIL_SECONDS = 30;
export const DEFAULT_TAIL_LINES = 50;
export const DEFAULT_LIST_LIMIT = 50;
export const DEFAULT_GC_OLDER_THAN = "30d";
export const DEFAULT_STDIN_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_BIND = "127.0.0.1:19263";

export const LIST_STATES = [...JOB_STATUSES, "unknown"] as const;
export type ListState = (typeof LIST_STATES)[number];

/** Which part of each log run/wait return: run defaults to the head, wait (as 0.2.31) to the tail. */
export const EXCERPT_MODES = ["head", "tail", "both"] as const;
export type ExcerptMode = (typeof EXCERPT_MODES)[number];

/**
 * tail_lines shapes only a tail: with the head excerpt (run's default) it would be ignored, so it is
 * refused (0.2.31's run has no --tail-lines; its tests pin `run --tail-lines 10 …` as an error).
 */
export function tailLinesProblem(options: { excerpt?: ExcerptMode; tailLines?: number }, defaultExcerpt: ExcerptMode): string | undefined {
  if (options.tailLines === undefined || (options.excerpt ?? defaultExcerpt) !== "head") return undefined;
  return "tail_lines needs excerpt tail or both: the head excerpt is cut by max_bytes only";
}

export const MATCH_TYPES = ["contains", "regex"] as const;
export const MATCH_STREAMS = ["stdout", "stderr", "either"] as const;
export type MatchType = (typeof MATCH_TYPES)[number];
export type MatchStream = (typeof MATCH_STREAMS)[number];

/**
 * The notification options, written once: API field (HTTP body, error messages; the CLI flag is
 * the same with dashes) → key in NotificationOptions (and in the CLI's parsed options).
 */
export const NOTIFICATION_FIELDS = {
  notify_command: "notifyCommand",
  notify_file: "notifyFile",
  output_pattern: "outputPattern",
  output_match_type: "outputMatchType",
  output_stream: "outputStream",
  output_command: "outputCommand",
  output_file: "outputFile",
} as const;
export type NotificationField = keyof typeof NOTIFICATION_FIELDS;
export type NotificationKey = (typeof NOTIFICATION_FIELDS)[NotificationField];
/** run/create's notify_* and output_* values, and (output_* only) notify set's. */
export type NotificationOptions = { [K in NotificationKey]?: string };
export type OutputMatchKey = Extract<NotificationKey, `output${string}`>;
export type OutputMatchOptions = Pick<NotificationOptions, OutputMatchKey>;
export const OUTPUT_MATCH_KEYS = Object.values(NOTIFICATION_FIELDS).filter((key): key is OutputMatchKey => key.startsWith("output"));

/** The notification options present in `values` (the CLI's parsed options, say), and only those. */
export function notificationOf(values: NotificationOptions, keys: readonly NotificationKey[] = Object.values(NOTIFICATION_FIELDS)): NotificationOptions {
  const picked: NotificationOptions = {};
  for (const key of keys) if (values[key] !== undefined) picked[key] = values[key];
  return picked;
}
