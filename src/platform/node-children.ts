import type { ChildProcess } from "node:child_process";

// Children node spawned in this process. libuv reaps them by pid (and aborts when it finds one
// already reaped), so a subreaper supervisor's orphan reaper must leave exactly these alone.
export const nodeChildren = new Set<number>();

/** Registers a child spawned with child_process until node has reaped it. */
export function ownChild(child: ChildProcess): void {
  const pid = child.pid;
  if (!pid) return;
  nodeChildren.add(pid);
  child.once("exit", () => nodeChildren.delete(pid));
}
