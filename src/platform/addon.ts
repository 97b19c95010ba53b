import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { jobInfoOf, rusageOf, type ProcessTreeBackend, type TreeTarget } from "./process-tree.js";
import { processStartTime } from "./process-info.js";
import type { ResolvedSignal } from "./signals.js";
import { guardTarget, WHY } from "./target-guard.js";
import {
  posixSignalFailure,
  win32ContainmentFailure,
  win32JobBusy,
  win32SignalFailure,
  unsafeTarget,
} from "./tree-errors.js";

// The native backend: native/*.cc built with node-addon-api. Same algorithms and the same results
// as the koffi backends (posix-koffi.ts, win32-koffi.ts), with the system calls made in C++: no FFI
// library to load, no signatures to parse, errno/GetLastError read right after the failing call.
// The addon returns plain results; the coded errors are made here, from the same helpers koffi uses.

/** Must equal AGENT_EXEC_NATIVE_ABI in native/tree.h: an addon built from other sources is refused. */
export const ADDON_ABI = 3;

type Failure = { call: string; error: number } | { busy: true };
/** The addon's own refusal of a target (a second line of defence after guardTarget). */
type Refusal = { refused: keyof typeof WHY };
type Outcome = { delivered: boolean } | { errno: number; group: boolean } | Failure | Refusal;

interface PosixAddon {
  version: string;
  abi: number;
  platform: "posix";
  signalTree(pid: number, signal: number, supervisorPid?: number): { delivered: boolean } | { errno: number; group: boolean } | Refusal;
  isAlive(pid: number): boolean;
  isGroupAlive(pgid: number): boolean;
  processGroupOf(pid: number): number | null;
  becomeSubreaper(): boolean;
  reapChild(pid: number): boolean;
  childrenUsage(): [number, number, number, number, number] | null;
}

interface Win32Addon {
  version: string;
  abi: number;
  platform: "win32";
  containSelf(name: string): { job: unknown } | Failure;
  signalTree(root: number, jobName: string | null, spare: number[], ownJob?: unknown): { delivered: boolean } | Failure | Refusal;
  isAlive(pid: number): boolean;
  /** GetProcessTimes' creation time (100 ns units since 1601, as a decimal string), or null. */
  processStartTime(pid: number): string | null;
  queryJob(jobName: string | null, ownJob?: unknown): { pids: number[]; user: number; kernel: number; peak: number } | null | Failure;
}

export type NativeAddon = PosixAddon | Win32Addon;

/**
 * Where the addon may be, in the order tried: $AGENT_EXEC_ADDON alone when set; otherwise, on
 * Windows, the mingw cross-build (build/win32-<arch>/, npm run build:native:win32) and then
 * node-gyp's build/Release/; elsewhere node-gyp's build/Release/ (npm run build:native).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.AGENT_EXEC_ADDON) return [env.AGENT_EXEC_ADDON];
  // src/platform/addon.ts and dist/platform/addon.js are both two levels below the package root.
  const at = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
  const host = at("build/Release/agent_exec.node");
  return process.platform === "win32" ? [at(`build/win32-${process.arch}/agent_exec.node`), host] : [host];
}

let cached: NativeAddon | undefined;

/** Loads the addon (once), or throws an Error that says what was tried and how to build it. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const problems: string[] = [];
  for (const path of addonCandidates()) {
    if (!existsSync(path)) {
      problems.push(`${path} does not exist`);
      continue;
    }
    try {
      const addon = require(path) as NativeAddon;
      const platform = process.platform === "win32" ? "win32" : "posix";
      if (addon.abi !== ADDON_ABI || addon.platform !== platform) {
        problems.push(`${path} is a stale or foreign build (abi ${addon.abi}, ${addon.platform}; want abi ${ADDON_ABI}, ${platform})`);
        continue;
      }
      cached = addon;
      return addon;
    } catch (error) {
      problems.push(`${path} did not load: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const asDependency = fileURLToPath(import.meta.url).split(/[\\/]/).includes("node_modules");
  const hint = process.env.AGENT_EXEC_ADDON
    ? "point AGENT_EXEC_ADDON at a built agent_exec.node, or unset it"
    : asDependency
      ? "build it with npm rebuild agent-exec (needs a C++ toolchain and this package's install script allowed)"
      : `build it with ${process.platform === "win32" ? "npm run build:native (or build:native:win32 from Linux)" : "npm run build:native"}`;
  throw new Error(`the native addon is not available (${problems.join("; ")}); ${hint}`);
}

export function createAddonBackend(): ProcessTreeBackend {
  const addon = loadAddon();
  return addon.platform === "win32" ? win32Backend(addon) : posixBackend(addon);
}

function posixBackend(addon: PosixAddon): ProcessTreeBackend {
  return {
    name: "addon",
    version: addon.version,
    containSelf: () => null,
    processStartTime,
    signalTree(target: TreeTarget, signal: ResolvedSignal): boolean {
      const pid = guardTarget(target, (p) => addon.processGroupOf(p));
      return settle(addon.signalTree(pid, signal.number, target.supervisorPid ?? 0), pid, signal);
    },
    queryJob: () => null,
    becomeSubreaper: () => addon.becomeSubreaper(),
    reapChild: (pid: number) => Number.isInteger(pid) && pid >= 2 && addon.reapChild(pid),
    childrenUsage() {
      const usage = addon.childrenUsage();
      return usage && rusageOf(...usage);
    },
  };
}

function win32Backend(addon: Win32Addon): ProcessTreeBackend {
  // The supervisor's job handle: open for the process's whole life, so the job (and its name) live on.
  let ownJob: unknown;
  return {
    name: "addon",
    version: addon.version,
    containSelf(jobId: string): string {
      const name = `AgentExec-${jobId}`;
      const result = addon.containSelf(name);
      if ("job" in result) {
        ownJob = result.job;
        return name;
      }
      if ("busy" in result) throw new Error("unreachable: containSelf reported a busy job");
      throw win32ContainmentFailure(name, result.call, result.error);
    },
    processStartTime: (pid: number) => addon.processStartTime(pid),
    signalTree(target: TreeTarget, signal: ResolvedSignal): boolean {
      guardTarget(target);
      const spare = [process.pid, ...(target.supervisorPid ? [target.supervisorPid] : [])];
      // Without a job name only the pid's descendants are ended, even in the supervisor (a sink).
      const job = target.windowsJobName ? ownJob : undefined;
      return settle(addon.signalTree(target.pid, target.windowsJobName ?? null, spare, job), target.pid, signal);
    },
    becomeSubreaper: () => false,
    reapChild: () => false,
    childrenUsage: () => null,
    queryJob(jobName: string | null) {
      const info = addon.queryJob(jobName, jobName === null ? ownJob : undefined);
      if (info === null || "pids" in info) return info && jobInfoOf(info.pids, info.user, info.kernel, info.peak);
      if ("busy" in info) throw win32JobBusy();
      throw win32SignalFailure(info.call, info.error);
    },
  };
}

/** The addon's result as the backend contract has it: true, false, or a coded error. */
function settle(outcome: Outcome, pid: number, signal: ResolvedSignal): boolean {
  if ("delivered" in outcome) return outcome.delivered;
  if ("errno" in outcome) throw posixSignalFailure(pid, signal, outcome.errno, outcome.group);
  if ("busy" in outcome) throw win32JobBusy();
  if ("refused" in outcome) throw unsafeTarget(pid, WHY[outcome.refused]);
  throw win32SignalFailure(outcome.call, outcome.error);
}
