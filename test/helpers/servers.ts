import type { ChildProcess } from "node:child_process";
import { afterEach } from "vitest";

/** A list of spawned servers that are SIGKILLed (and waited for) after each test of the file. */
export function serversEndedAfterEach(): ChildProcess[] {
  const servers: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of servers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    }
  });
  return servers;
}
