import type { ChildProcess } from "node:child_process";
import { nodeChildren, ownChild } from "./node-children.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { AgentExecError } from "../protocol/errors.js";
import { CONTAINMENT_KINDS, type ContainmentKind, type ContainmentRecord, type TreeUsage } from "../store/types.js";
import { cgroup2Mount, cgroupPids, cgroupUsage, createJobCgroup, enterCgroup, killCgroup, ownCgroup, removeCgroup } from "./cgroup.js";
import { isProcessAlive, isZombieChildOf, processStartTime, procStatFields } from "./process-info.js";
import { descendantsOf, groupMembers, outsideGroup, procTable } from "./proc-table.js";
import type { ProcessTreeBackend } from "./process-tree.js";
import type { ResolvedSignal } from "./signals.js";

// How the supervisor holds a job's processes together, in order of strength:
//   cgroup         Linux, when a cgroup v2 child can be made (root, or a delegated subtree): every
//                  process the workload ever starts is in it, setsid or not; SIGKILL is cgroup.kill.
//   subreaper      Linux otherwise: orphans re-parent to the supervisor, which reaps them and
//                  signals everything below itself.
//   process-group  macOS (and AGENT_EXEC_CONTAINMENT=process-group): the workload's group only.
//   job-object     Windows: the Job Object containSelf made, which nothing can leave.
// AGENT_EXEC_CONTAINMENT forces one of the Linux kinds; a forced kind that cannot be had is an error.

export function requestedContainment(env: NodeJS.ProcessEnv = process.env): ContainmentKind | null {
  const value = env.AGENT_EXEC_CONTAINMENT?.trim();
  if (!value) return null;
  const linux = CONTAINMENT_KINDS.filter((k) => k !== "job-object");
  if (process.platform === "linux" && (linux as string[]).includes(value)) return value as ContainmentKind;
  throw new AgentExecError("invalid_argument", `AGENT_EXEC_CONTAINMENT=${value} is not available here; on Linux: ${linux.join(", ")}`);
}

/** What `doctor` reports: the containment a job started now would get, and why. */
export function probeContainment(): { kind: ContainmentKind; note: string } {
  const forced = requestedContainment();
  if (process.platform === "win32") return { kind: "job-object", note: "a Job Object per job" };
  if (process.platform !== "linux") return { kind: "process-group", note: "the workload's process group; no cgroups or subreaper here" };
  if (forced) return { kind: forced, note: `forced by AGENT_EXEC_CONTAINMENT=${forced}` };
  const mount = cgroup2Mount();
  const own = ownCgroup();
  const fallback = (why: string) => ({ kind: "subreaper" as const, note: `${why}; the supervisor becomes a child subreaper` });
  if (!mount || own === null) return fallback("no cgroup v2 hierarchy");
  const probe = createJobCgroup(`doctor-probe-${process.pid}`);
  if ("unavailable" in probe) return fallback(probe.unavailable);
  removeCgroup(join(mount, probe.path));
  return { kind: "cgroup", note: `a cgroup per job below ${join(mount, own)}` };
}

export class Containment {
  private reaper: NodeJS.Timeout | undefined;
  private rootPid = 0;
  /** The root's /proc start time, read once at the spawn: group members started no earlier. */
  private rootStart: string | null = null;

  private constructor(
    /** Final once the workload is spawned: a cgroup the supervisor could not enter falls back then. */
    public kind: ContainmentKind,
    private readonly tree: ProcessTreeBackend,
    /** cgroup: [path below the mount, absolute directory, the supervisor's own directory]. */
    private cgroup: { path: string; dir: string; home: string } | null,
    private readonly jobObject: string | null = null,
    /** AGENT_EXEC_CONTAINMENT=cgroup: no fallback when the cgroup cannot be entered. */
    private readonly cgroupForced = false,
  ) {}

  /** Decides and prepares the job's containment; throws (with why) when a forced kind cannot be had. */
  static open(jobId: string, tree: ProcessTreeBackend, windowsJobName: string | null): Containment {
    if (windowsJobName) return new Containment("job-object", tree, null, windowsJobName);
    if (process.platform !== "linux") return new Containment("process-group", tree, null);
    const forced = requestedContainment();
    if (forced === "process-group") return new Containment(forced, tree, null);
    if (forced !== "subreaper") {
      const made = createJobCgroup(jobId);
      const mount = cgroup2Mount();
      // Whether this process may enter it is learnt at the spawn: each move costs the kernel an
      // RCU grace period (4-20 ms on the bench VM), so there is no trial move in and out first.
      if ("path" in made && mount) {
        const cgroup = { path: made.path, dir: join(mount, made.path), home: join(mount, ownCgroup()!) };
        return new Containment("cgroup", tree, cgroup, null, forced === "cgroup");
      }
      if (forced === "cgroup") throw new Error(`AGENT_EXEC_CONTAINMENT=cgroup, but ${"unavailable" in made ? made.unavailable : "no cgroup v2 mount"}`);
    }
    if (tree.becomeSubreaper()) return new Containment("subreaper", tree, null);
    if (forced === "subreaper") throw new Error("AGENT_EXEC_CONTAINMENT=subreaper, but prctl(PR_SET_CHILD_SUBREAPER) failed");
    return new Containment("process-group", tree, null);
  }

  /**
   * Starts the workload inside the container. For a cgroup the supervisor steps into the job's
   * cgroup, forks, and steps back out: the child is in it from its first instruction, and nothing
   * can signal the cgroup before the workload's pid is recorded, by which time we are out again.
   */
  spawn(start: () => ChildProcess): ChildProcess {
    if (this.cgroup) {
      const refused = tryEnter(this.cgroup.dir);
      if (!refused) {
        try {
          return this.adopt(start());
        } finally {
          enterCgroup(this.cgroup.home); // back where we were a moment ago: allowed, as we just left it
        }
      }
      removeCgroup(this.cgroup.dir);
      this.cgroup = null;
      if (this.cgroupForced) throw new Error(`AGENT_EXEC_CONTAINMENT=cgroup, but ${refused}`);
      this.kind = this.tree.becomeSubreaper() ? "subreaper" : "process-group";
    }
    return this.adopt(start());
  }

  private adopt(child: ChildProcess): ChildProcess {
    ownChild(child);
    this.rootPid = child.pid ?? 0;
    this.rootStart = this.rootPid ? processStartTime(this.rootPid) : null;
    if (this.kind === "subreaper") this.reaper = setInterval(() => this.reapOrphans(), 250).unref();
    return child;
  }

  record(): ContainmentRecord {
    return {
      kind: this.kind,
      ...(this.cgroup ? { cgroup: this.cgroup.path } : {}),
      ...(this.jobObject ? { job_object: this.jobObject } : {}),
    };
  }

  /** The job's live processes besides this supervisor (the root included while it lives). */
  members(): number[] {
    if (this.jobObject) return (this.tree.queryJob(null)?.pids ?? []).filter((pid) => pid !== process.pid);
    if (this.cgroup) return cgroupPids(this.cgroup.dir).filter((pid) => pid !== process.pid && isProcessAlive(pid));
    const table = procTable();
    if (this.kind === "subreaper") {
      const others = new Set([...nodeChildren].filter((pid) => pid !== this.rootPid)); // notification sinks
      return descendantsOf(process.pid, table, others);
    }
    return this.rootPid ? groupMembers(this.rootPid, this.rootStart, table) : [];
  }

  /**
   * Signals what signalTree cannot reach: processes that left the group (setsid, double fork).
   * SIGKILL to a cgroup is cgroup.kill, which also catches a process forking at that instant.
   */
  signalAll(signal: ResolvedSignal): void {
    if (this.kind === "job-object" || this.kind === "process-group") return; // signalTree reached them all
    if (this.cgroup && signal.name === "SIGKILL" && killCgroup(this.cgroup.dir)) return;
    for (const pid of outsideGroup(this.members(), this.rootPid)) {
      try {
        process.kill(pid, signal.number);
      } catch {
        // it ended meanwhile
      }
    }
  }

  /** Subreaper: reaps adopted orphans that exited; never a child node spawned (libuv waits for those). */
  private reapOrphans(): void {
    for (const pid of zombieChildren()) if (!nodeChildren.has(pid)) this.tree.reapChild(pid);
  }

  /** The whole tree's CPU time so far (and peak memory where the cgroup has the memory controller). */
  usage(): TreeUsage | null {
    if (this.jobObject) {
      const job = this.tree.queryJob(null);
      if (!job) return null;
      // The job's times include this supervisor's own: take them out.
      const own = process.cpuUsage();
      return {
        source: "job-object",
        user_ms: Math.max(0, job.user_ms - Math.round(own.user / 1000)),
        system_ms: Math.max(0, job.system_ms - Math.round(own.system / 1000)),
        peak_memory_bytes: job.peak_memory_bytes,
      };
    }
    if (this.cgroup) {
      const u = cgroupUsage(this.cgroup.dir);
      if (u) return { source: "cgroup", user_ms: u.user_ms, system_ms: u.system_ms, ...(u.peak_memory_bytes !== null ? { peak_memory_bytes: u.peak_memory_bytes } : {}) };
    }
    this.reapOrphans();
    const u = this.tree.childrenUsage();
    return u && { source: "rusage", ...u };
  }

  /**
   * After the terminal state the supervisor stays while the job's processes live: a subreaper so
   * that they stay found and reaped, a Windows supervisor because its handle keeps the Job Object
   * (and the name readers open) alive, a cgroup's so that the cgroup is removed once empty, however
   * its processes end (kill, delete and gc also remove an empty one they come across).
   */
  async close(sleep: (ms: number) => Promise<void>): Promise<void> {
    if (this.kind !== "process-group") {
      while (this.members().length > 0) await sleep(250);
      this.reapOrphans();
      clearInterval(this.reaper);
    }
    if (this.cgroup) removeCgroup(this.cgroup.dir);
  }
}

/**
 * Moving a process needs write access to cgroup.procs of both cgroups and of their common
 * ancestor; a delegated subtree may allow mkdir and still refuse that. Found out now, before
 * anything is spawned, so the job falls back to the subreaper instead of failing at the spawn.
 */
function tryEnter(dir: string): string | null {
  try {
    enterCgroup(dir);
    return null;
  } catch (error) {
    return `cannot move into ${dir}: ${(error as Error).message}`;
  }
}

/** Exited, unreaped children of this process, from /proc (an adopted orphan's parent is any of our threads). */
function zombieChildren(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const fields = procStatFields(Number(name)); // null: gone meanwhile
    if (fields && isZombieChildOf(fields, process.pid)) out.push(Number(name));
  }
  return out;
}
