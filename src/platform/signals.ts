import { constants } from "node:os";
import { signalsByName } from "human-signals";
import { AgentExecError } from "../protocol/errors.js";

export interface ResolvedSignal {
  /** What the caller asked for, upper-cased (reported back as the reference does). */
  requested: string;
  /** The signal actually sent, e.g. "SIGTERM". */
  name: string;
  number: number;
}

// TERM, SIGTERM, term and 15 all mean SIGTERM. A name this platform does not know becomes SIGKILL:
// the caller asked for the job to stop, and on Windows every signal ends the tree anyway.
// A number must be a real signal: "0" (kill's liveness probe) or "99" would otherwise become SIGKILL.
export function resolveSignal(input: string): ResolvedSignal {
  const requested = input.trim().toUpperCase();
  const numeric = /^[+-]?\d+$/.test(requested);
  const byNumber = numeric ? signalNameOf(Number(requested)) : undefined;
  if (numeric && (!byNumber || Number(requested) <= 0)) {
    throw new AgentExecError("invalid_argument", `--signal ${input}: not a signal number on this platform`);
  }
  const name = byNumber ?? (requested.startsWith("SIG") ? requested : `SIG${requested}`);
  const known = signalsByName[name as keyof typeof signalsByName];
  if (known?.supported) return { requested, name, number: known.number };
  return { requested, name: "SIGKILL", number: constants.signals.SIGKILL };
}

/** "SIGTERM" for 15 on this platform, or undefined. */
export function signalNameOf(number: number): string | undefined {
  const entry = Object.entries(constants.signals).find(([, value]) => value === number);
  return entry?.[0];
}
