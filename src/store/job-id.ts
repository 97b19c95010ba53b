import { monotonicFactory } from "ulid";
import { AgentExecError } from "../protocol/errors.js";

const nextUlid = monotonicFactory();

export function newJobId(): string {
  return nextUlid();
}

// A stored job directory is named by a full ULID (Crockford base32, upper case).
export const STORED_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

// What a user may type: any prefix of a ULID, in either case. Nothing else reaches a path,
// so ids such as "..", "/etc" or "../x" can never name a directory outside the root.
const USER_ID = /^[0-9A-Za-z]{1,26}$/;

export function validateUserJobId(input: string): string {
  if (!USER_ID.test(input)) {
    throw new AgentExecError(
      "invalid_job_id",
      `invalid job id ${JSON.stringify(input)}: expected a job id or a prefix of one (1-26 letters and digits)`,
    );
  }
  return input.toUpperCase();
}
