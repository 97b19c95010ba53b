import { z } from "zod";
import { MAX_DURATION_SECONDS, secondsProblem, secondsToMs } from "../commands/duration.js";
import { COMPRESSION_MODES, DEFAULT_RUN_UNTIL_SECONDS, DEFAULT_WAIT_UNTIL_SECONDS, EXCERPT_MODES, LIST_STATES } from "../protocol/options.js";
import { kill, list, run, status, tail, wait } from "../index.js";
import { AgentExecError } from "../protocol/errors.js";

// One function per tool: MCP arguments → the options of the same command functions the CLI and
// HTTP call, so every value goes through the same validation. The zod schemas check only the
// JSON shape (a wrong type is a JSON-RPC InvalidParams error, as in 0.2.31); values (durations,
// paths, ids) are the commands' to judge, and their AgentExecErrors become error results.

/** The observation budget a host sets in the server's environment (0.2.31's two variables). */
export interface UntilBudget {
  /** Replaces run's 10 s and wait's 30 s when a call gives no `until`. */
  defaultSeconds?: number;
  /** Every effective `until` is rounded down to this; a larger one is not an error. */
  maxSeconds?: number;
}

export const UNTIL_ENV = { default: "AGENT_EXEC_MCP_DEFAULT_UNTIL_SECONDS", max: "AGENT_EXEC_MCP_MAX_UNTIL_SECONDS" } as const;

/** Reads both variables; a malformed one (not a whole number of seconds in range) throws, naming it. */
export function untilBudgetFromEnv(env: NodeJS.ProcessEnv = process.env): UntilBudget {
  const read = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || secondsProblem(value)) {
      throw new AgentExecError("config_error", `${name} must be a non-negative integer of seconds up to ${MAX_DURATION_SECONDS}, got ${JSON.stringify(value)}`);
    }
    return Number(value);
  };
  return { defaultSeconds: read(UNTIL_ENV.default), maxSeconds: read(UNTIL_ENV.max) };
}

/**
 * The requested (or defaulted) until, checked by the one duration rule, then capped. A whole
 * number of seconds, as 0.2.31's MCP schema says (the CLI's --until also takes fractions).
 */
function effectiveUntil(requested: number | undefined, fallback: number, budget: UntilBudget): number {
  const seconds = requested ?? budget.defaultSeconds ?? fallback;
  secondsToMs(seconds, "until");
  if (!Number.isInteger(seconds)) throw new AgentExecError("invalid_argument", `until ${seconds}: expected a whole number of seconds`);
  return budget.maxSeconds === undefined ? seconds : Math.min(seconds, budget.maxSeconds);
}

const jobId = z.string().describe("job id or an unambiguous prefix of one");
const count = z.number().int().nonnegative();
const compress = z
  .enum(COMPRESSION_MODES)
  .optional()
  .describe("condensed view of the output beside the raw excerpts, as `compression` (default: config.toml's [compression].default, else route; off: none)");

/** run's and wait's output and readiness arguments (values are the commands' to judge). */
const observeFields = {
  excerpt: z.enum(EXCERPT_MODES).optional().describe("which part of each stream to return: head (run's default), tail (wait's default) or both"),
  max_bytes: count.optional().describe("bytes of each stream per part at most (default 65536, up to 4 MiB)"),
  tail_lines: count.optional().describe("lines of each stream's tail, with excerpt tail or both (wait: default 50)"),
  until_output: z.string().optional().describe("answer as soon as a stdout/stderr line matches this regex (RE2 syntax), still bounded by until"),
};

export const runInput = z
  .object({
    command: z.array(z.string()).describe("argv: the program and its arguments"),
    cwd: z.string().optional().describe("working directory (default: the server's)"),
    env: z.record(z.string(), z.string()).optional().describe("variables set on top of the server's environment"),
    timeout: z.number().optional().describe("seconds after which the job's whole tree is ended (0 = never)"),
    until: z.number().optional().describe("whole seconds to watch the job before answering; it keeps running after"),
    stdin: z
      .string()
      .optional()
      .describe('Inline UTF-8 bytes fed to the job\'s stdin. Mutually exclusive with `stdin_file`. "-" is literal input: the MCP stdio transport is never read as job stdin.'),
    stdin_file: z
      .string()
      .optional()
      .describe("Path to a file readable by the MCP server process (server-local, not client-local); its bytes are copied into the job directory before launch. Mutually exclusive with `stdin`."),
    ...observeFields,
    compress,
  })
  .strict();

export const jobInput = z.object({ job_id: jobId });

export const tailInput = z.object({
  job_id: jobId,
  lines: count.optional().describe("lines from the end of each stream (default 50; 0 = no limit)"),
  max_bytes: count.optional().describe("bytes from the end of each stream at most (default 65536)"),
  since: z.string().optional().describe("the `cursor` of an earlier answer: return only what came after it (lines is then not used)"),
  compress,
});

export const waitInput = z.object({
  job_id: jobId,
  until: z.number().optional().describe("whole seconds to wait at most (default 30); the job keeps running after"),
  ...observeFields,
});

export const listInput = z.object({
  state: z.enum(LIST_STATES).optional().describe("only jobs in this state"),
  limit: count.optional().describe("rows at most (default 50; 0 = all)"),
  cwd: z.string().optional().describe("only jobs defined in this directory (default: the server's)"),
  all: z.boolean().optional().describe("jobs from every directory"),
  tags: z.array(z.string()).optional().describe("only jobs with every one of these tags (exact, or prefix.*)"),
});

export interface ToolContext {
  root?: string;
  budget: UntilBudget;
  /** Aborted when the client cancels the request. */
  signal?: AbortSignal;
}

export function runTool(args: z.infer<typeof runInput>, ctx: ToolContext) {
  if (args.command.length === 0 || args.command.some((word) => word === "")) {
    throw new AgentExecError("invalid_argument", "command must be a non-empty argv array");
  }
  if (args.stdin !== undefined && args.stdin_file !== undefined) {
    throw new AgentExecError("invalid_argument", "stdin and stdin_file cannot be used together");
  }
  const env = Object.entries(args.env ?? {}).map(([key, value]) => {
    // "KEY=VALUE" would be split at the first "=": a key holding one would change meaning.
    if (key === "" || key.includes("=") || key.includes("\0") || value.includes("\0")) {
      throw new AgentExecError("invalid_argument", `env ${JSON.stringify(key)}: keys must be non-empty without "=" or NUL, values without NUL`);
    }
    return `${key}=${value}`;
  });
  return run({
    root: ctx.root,
    command: args.command,
    cwd: args.cwd,
    env,
    timeout: args.timeout,
    until: effectiveUntil(args.until, DEFAULT_RUN_UNTIL_SECONDS, ctx.budget),
    stdin: args.stdin,
    stdinLiteral: true,
    stdinFile: args.stdin_file,
    ...observeOptions(args),
    compress: args.compress,
  });
}

export function statusTool(args: z.infer<typeof jobInput>, ctx: ToolContext) {
  return status({ root: ctx.root, jobId: args.job_id });
}

export function tailTool(args: z.infer<typeof tailInput>, ctx: ToolContext) {
  return tail({ root: ctx.root, jobId: args.job_id, tailLines: args.lines, maxBytes: args.max_bytes, since: args.since, compress: args.compress });
}

export function waitTool(args: z.infer<typeof waitInput>, ctx: ToolContext) {
  // No `forever`: a host's request deadline would end the call, not the wait (as in 0.2.31).
  const until = effectiveUntil(args.until, DEFAULT_WAIT_UNTIL_SECONDS, ctx.budget);
  return wait({ root: ctx.root, jobId: args.job_id, until, ...observeOptions(args), signal: ctx.signal });
}

function observeOptions(args: { excerpt?: (typeof EXCERPT_MODES)[number]; max_bytes?: number; tail_lines?: number; until_output?: string }) {
  return { excerpt: args.excerpt, maxBytes: args.max_bytes, tailLines: args.tail_lines, untilOutput: args.until_output };
}

export function killTool(args: z.infer<typeof jobInput>, ctx: ToolContext) {
  return kill({ root: ctx.root, jobId: args.job_id, signal: "TERM" });
}

export function listTool(args: z.infer<typeof listInput>, ctx: ToolContext) {
  return list({ root: ctx.root, state: args.state, limit: args.limit, cwd: args.cwd, all: args.all, tags: args.tags });
}
