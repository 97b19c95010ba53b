import { readFileSync } from "node:fs";

/** This package's version, from its package.json (src/ and dist/ are both one level below it). */
export const AGENT_EXEC_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
