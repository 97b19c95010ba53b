import { createRequire } from "node:module";
import type { ProcessTreeBackend, TreeTarget } from "./process-tree.js";
import { processStartTime } from "./process-info.js";
import type { ResolvedSignal } from "./signals.js";
import { guardTarget } from "./target-guard.js";
import { posixSignalFailure } from "./tree-errors.js";

const ESRCH = 3;

// libc kill(2)/getpgid(2) through koffi. The workload leads its own process group (it is spawned
// detached, i.e. setsid), so kill(-pgid) reaches every descendant that did not leave the group on
// purpose. libc is bound on first use: a supervisor that never signals never pays for that.
export function createPosixKoffiBackend(): ProcessTreeBackend {
  const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
  let libc: { kill: (pid: number, sig: number) => number; getpgid: (pid: number) => number } | undefined;
  const bind = () => {
    const lib = koffi.load(process.platform === "darwin" ? "libc.dylib" : "libc.so.6");
    return { kill: lib.func("int kill(int pid, int sig)"), getpgid: lib.func("int getpgid(int pid)") };
  };
  // 0 when delivered, ESRCH when nothing is there; any other errno is a real failure.
  const send = (pid: number, sig: number): number => ((libc ??= bind()).kill(pid, sig) === 0 ? 0 : koffi.errno());

  return {
    name: "koffi",
    version: koffi.version,
    containSelf: () => null,
    processStartTime,
    signalTree(target: TreeTarget, signal: ResolvedSignal): boolean {
      const c = (libc ??= bind());
      const pid = guardTarget(target, (p) => {
        const group = c.getpgid(p);
        return group === -1 ? null : group;
      });
      const pgid = c.getpgid(pid);
      // The root leads its group, or is gone while the rest of its group may live on.
      if (pgid === pid || pgid === -1) {
        const err = send(-pid, signal.number);
        if (err === 0) return true;
        if (err !== ESRCH) throw posixSignalFailure(pid, signal, err, true);
      }
      const err = send(pid, signal.number);
      if (err === 0) return true;
      if (err === ESRCH) return false;
      throw posixSignalFailure(pid, signal, err, false);
    },
  };
}
