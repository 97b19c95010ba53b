import { readFileSync } from "node:fs";
import { ioError } from "../protocol/errors.js";

// The schema ships in the package next to dist/ (src/commands and dist/commands are both two levels down).
export const SCHEMA_PATH = new URL("../../schema/agent-exec.schema.json", import.meta.url);

export interface SchemaResult {
  schema_format: "json-schema-draft-07";
  /** The JSON Schema of every response and error envelope. */
  schema: Record<string, unknown>;
  /** When the schema last changed: its `$comment`, as in the reference. */
  generated_at: string;
}

export async function schema(): Promise<SchemaResult> {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw ioError(error, "read", SCHEMA_PATH.pathname);
  }
  const comment = document.$comment;
  return { schema_format: "json-schema-draft-07", schema: document, generated_at: typeof comment === "string" ? comment : "unknown" };
}
