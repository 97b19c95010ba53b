import { createRequire } from "node:module";
import { AgentExecError } from "../protocol/errors.js";

// ulid loads node:crypto as it loads (3 ms of a 60 ms node start on the bench VM): it is required
// by what makes or decodes an id, not by every verb that looks a job up.
let ulidModule: typeof import("ulid") | undefined;
export const ulid = (): typeof import("ulid") => (ulidModule ??= createRequire(import.meta.url)("ulid") as typeof import("ulid"));

let nextUlid: (() => string) | undefined;

export function newJobId(): string {
  nextUlid ??= ulid().monotonicFactory();
  return nextUlid();
}

// A stored job directory is named by a full ULID (Crockford base32, upper case), or by the 32
// lower-case hex characters agent-exec v0.2.3 uses, so a root shared with it lists its jobs too.
export const STORED_ID = /^(?:[0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{32})$/;

// What a user may type: letters, digits, '_' and '-'. No dot and no separator ever reaches a path,
// so ids such as "..", "/etc" or "../x" can never name a directory outside the root; anything
// else that is well-formed but names no job is job_not_found.
export const USER_ID = /^[0-9A-Za-z_-]{1,64}$/;

export function validateUserJobId(input: string): string {
  if (!USER_ID.test(input)) {
    throw new AgentExecError(
      "invalid_job_id",
      `invalid job id ${JSON.stringify(input)}: expected a job id or a prefix of one (letters, digits, '_' or '-')`,
    );
  }
  return input;
}
