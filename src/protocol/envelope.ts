import { createRequire } from "node:module";
import type { AgentExecError } from "./errors.js";

export const SCHEMA_VERSION = "0.1";

export type Envelope = { schema_version: string; ok: boolean; type: string } & Record<string, unknown>;

export function okEnvelope(type: string, data: object): Envelope {
  return { schema_version: SCHEMA_VERSION, ok: true, type, ...data };
}

export function errorEnvelope(error: AgentExecError): Envelope {
  return {
    schema_version: SCHEMA_VERSION,
    ok: false,
    type: "error",
    error: {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

// Undefined fields are dropped in both formats, so "absent" means the same in JSON and YAML.
// yaml is loaded only for --yaml: every command, and every supervisor, would otherwise pay ~30 ms.
export function formatEnvelope(envelope: Envelope, yaml: boolean): string {
  if (!yaml) return `${JSON.stringify(envelope)}\n`;
  const { stringify } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return stringify(JSON.parse(JSON.stringify(envelope)));
}
