import { AgentExecError } from "../protocol/errors.js";
import { DEFAULT_BIND } from "../protocol/options.js";

// serve's --bind and --port, apart from the server so that the CLI checks them without loading it.

/** Why `value` (a number, or its decimal text) is not a TCP port 0-65535, or undefined if it is. */
export function portProblem(value: unknown): string | undefined {
  const n = typeof value === "string" && /^\d{1,5}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535 ? undefined : "expected a port number 0-65535";
}

/** Splits HOST:PORT; `port` (if given) replaces the port. Errors name the flag that was wrong. */
export function parseBind(bind: string, port?: number): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(bind) ?? /^([^:]*)(?::(\d+))?$/.exec(bind);
  const host = match?.[1];
  if (!match || !host) {
    throw new AgentExecError("invalid_argument", `invalid --bind ${JSON.stringify(bind)}: expected HOST:PORT, e.g. 127.0.0.1:19263`);
  }
  const [flag, given] = port === undefined ? ["--bind", match[2] ?? DEFAULT_BIND.split(":")[1]!] : ["--port", port];
  const problem = portProblem(given);
  if (problem) throw new AgentExecError("invalid_argument", `invalid ${flag} ${JSON.stringify(flag === "--bind" ? bind : given)}: ${problem}`);
  return { host, port: Number(given) };
}
