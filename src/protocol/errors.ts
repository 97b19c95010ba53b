import { log } from "../log.js";

// One error type for the whole program: every failure a user can see carries a stable code.
// Commands throw it; only cli.ts turns it into an envelope and an exit code.

export type ErrorCode =
  | "usage_error"
  | "invalid_argument"
  | "invalid_job_id"
  | "job_not_found"
  | "ambiguous_job_id"
  | "invalid_state"
  | "corrupt_job"
  | "spawn_failed"
  | "signal_failed"
  | "unsafe_pid"
  | "stdin_required"
  | "stdin_too_large"
  | "config_error"
  | "io_error"
  // the job store refuses what another user could have planted (src/store/root.ts, job-file.ts)
  | "unsafe_root"
  | "unsafe_job_file"
  | "internal_error"
  // serve (HTTP API)
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "forbidden_origin"
  | "invalid_host"
  | "unsupported_media_type"
  | "invalid_config"
  | "serve_unsafe_bind"
  | "serve_bind_failed";

// Only conditions that can change without the caller changing the request are retryable.
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["io_error"]);

const brand = Symbol.for("agent-exec.error");

export class AgentExecError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
  /**
   * The API fields (snake_case) the message names, when it does not simply begin with the one it
   * is about. Messages speak the API; the CLI names these as its flags (cli/main.ts).
   */
  readonly fields?: readonly string[];
  readonly [brand] = true;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean; fields?: readonly string[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AgentExecError";
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.details = options.details;
    this.fields = options.fields;
  }
}

// Unlike `instanceof`, this works when two copies of the module are loaded.
export function isAgentExecError(error: unknown): error is AgentExecError {
  return typeof error === "object" && error !== null && brand in error;
}

/** A coded error as it is; anything else (a bug) as internal_error, its stack logged at debug. */
export function asAgentExecError(error: unknown): AgentExecError {
  if (isAgentExecError(error)) return error;
  log("debug", (error as Error)?.stack ?? String(error));
  return new AgentExecError("internal_error", String((error as Error)?.message ?? error), { cause: error });
}

// errno codes of conditions that pass without the caller changing the request: a busy or
// exhausted resource (descriptors, disk space, memory), an interrupted or failing device. The
// rest (EACCES, EPERM, ENOTDIR, EISDIR, ENOENT, EROFS, ELOOP, ENAMETOOLONG, EEXIST, …) say the
// path or its permissions are wrong, and a retry would fail the same way.
const RETRYABLE_ERRNO: ReadonlySet<string> = new Set(["EAGAIN", "EWOULDBLOCK", "EBUSY", "EINTR", "EIO", "EMFILE", "ENFILE", "ENOSPC", "ENOMEM", "EDQUOT", "ETIMEDOUT"]);

/**
 * Wraps a Node fs error with the path and the operation, so the message says what failed where.
 * retryable follows the errno (RETRYABLE_ERRNO), unless the caller knows better; an error without
 * one (not from the OS) is retryable.
 */
export function ioError(error: unknown, action: string, path: string, options: { retryable?: boolean } = {}): AgentExecError {
  const reason = error instanceof Error ? error.message : String(error);
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const retryable = options.retryable ?? (typeof errno !== "string" || RETRYABLE_ERRNO.has(errno));
  return new AgentExecError("io_error", `${action} ${path}: ${reason}`, { cause: error, retryable, details: typeof errno === "string" ? { errno } : undefined });
}
