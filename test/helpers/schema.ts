import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ajvModule from "ajv";
import formatsModule from "ajv-formats";

// ajv and ajv-formats are CommonJS: under NodeNext a default import is their module.exports, whose
// `default` is the class / plugin (at run time too).
const Ajv = ajvModule.default;
const addFormats = formatsModule.default;

/** schema/agent-exec.schema.json as shipped. */
export const SHIPPED = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../schema/agent-exec.schema.json"), "utf8"));

/** A strict validator holding the shipped schema as "agent-exec" (refer to parts as agent-exec#/definitions/X). */
export const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
ajv.addSchema(SHIPPED, "agent-exec");
