import { createRequire } from "node:module";
import { rusageOf, type ChildrenUsage, type ProcessTreeBackend, type TreeTarget } from "./process-tree.js";
import { processStartTime } from "./process-info.js";
import type { ResolvedSignal } from "./signals.js";
import { guardTarget } from "./target-guard.js";
import { posixSignalFailure } from "./tree-errors.js";

const ESRCH = 3;
const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
const RUSAGE_CHILDREN = -1;

// libc kill(2)/getpgid(2) through koffi. The workload leads its own process group (it is spawned
// detached, i.e. setsid), so kill(-pgid) reaches every descendant that did not leave the group on
// purpose. libc is bound on first use: a supervisor that never signals never pays for that.
export function createPosixKoffiBackend(): ProcessTreeBackend {
  const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
  type Libc = {
    kill: (pid: number, sig: number) => number;
    getpgid: (pid: number) => number;
    waitpid: (pid: number, status: number[], options: number) => number;
    getrusage: (who: number, usage: Record<string, number>) => number;
    prctl?: (option: number, a2: number, a3: number, a4: number, a5: number) => number;
  };
  let libc: Libc | undefined;
  const bind = (): Libc => {
    const lib = koffi.load(process.platform === "darwin" ? "libc.dylib" : "libc.so.6");
    // struct rusage starts with two struct timeval and ru_maxrss; the rest is not read.
    const rusage = koffi.struct("agent_exec_rusage", {
      utime_sec: "long",
      utime_usec: "long",
      stime_sec: "long",
      stime_usec: "long",
      maxrss: "long",
      rest: koffi.array("long", 13),
    });
    return {
      kill: lib.func("int kill(int pid, int sig)"),
      getpgid: lib.func("int getpgid(int pid)"),
      waitpid: lib.func("int waitpid(int pid, _Out_ int *status, int options)"),
      getrusage: lib.func("getrusage", "int", ["int", koffi.out(koffi.pointer(rusage))]),
      ...(process.platform === "linux"
        ? { prctl: lib.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)") }
        : {}),
    };
  };
  const c = (): ReturnType<typeof bind> => {
    libc ??= bind();
    return libc;
  };
  // 0 when delivered, ESRCH when nothing is there; any other errno is a real failure.
  const send = (pid: number, sig: number): number => (c().kill(pid, sig) === 0 ? 0 : koffi.errno());

  return {
    name: "koffi",
    version: koffi.version,
    containSelf: () => null,
    processStartTime,
    signalTree(target: TreeTarget, signal: ResolvedSignal): boolean {
      const lib = c();
      const pid = guardTarget(target, (p) => {
        const group = lib.getpgid(p);
        return group === -1 ? null : group;
      });
      const pgid = lib.getpgid(pid);
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
    queryJob: () => null,
    becomeSubreaper(): boolean {
      const { prctl } = c();
      return prctl !== undefined && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
    },
    reapChild(pid: number): boolean {
      if (!Number.isInteger(pid) || pid < 2) return false; // waitpid(0 or -1) would take libuv's children
      return c().waitpid(pid, [0], WNOHANG) === pid;
    },
    childrenUsage(): ChildrenUsage | null {
      const usage: Record<string, number> = {};
      if (c().getrusage(RUSAGE_CHILDREN, usage) !== 0) return null;
      return rusageOf(usage.utime_sec!, usage.utime_usec!, usage.stime_sec!, usage.stime_usec!, usage.maxrss!);
    },
  };
}

