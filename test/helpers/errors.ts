import { isAgentExecError, type AgentExecError } from "../../src/protocol/errors.js";

/** Runs `fn` and returns the AgentExecError it throws; fails the test when it throws nothing or something else. */
export function caught(fn: () => unknown): AgentExecError {
  try {
    fn();
  } catch (error) {
    if (isAgentExecError(error)) return error;
    throw error;
  }
  throw new Error("expected an AgentExecError, nothing was thrown");
}

/** caught() for a promise: the AgentExecError it rejects with. */
export async function rejected(fn: () => Promise<unknown>): Promise<AgentExecError> {
  try {
    await fn();
  } catch (error) {
    if (isAgentExecError(error)) return error;
    throw error;
  }
  throw new Error("expected an AgentExecError, the promise resolved");
}
