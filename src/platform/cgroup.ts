import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";

// Linux cgroup v2: one cgroup per job holds every process the workload ever starts, whatever it
// does with sessions and process groups (setsid, double fork). The mount is found in
// /proc/self/mountinfo (a hybrid layout mounts it at /sys/fs/cgroup/unified, a unified one at
// /sys/fs/cgroup); the job's cgroup is a child of the supervisor's own, so a root caller and a
// delegated subtree (systemd user@.service) work alike. Everything here is plain file I/O.

/** Where a job's cgroup is: relative to the cgroup2 mount, e.g. "/agent-exec-01J….4242". */
export type CgroupPath = string;

const NAME_PREFIX = "agent-exec-";

/** The cgroup2 mount point, or null where there is none (not Linux, or a v1-only layout). */
export function cgroup2Mount(mountinfo = readOr("/proc/self/mountinfo")): string | null {
  for (const line of mountinfo?.split("\n") ?? []) {
    // "<id> <parent> <maj:min> <root> <mount point> <options> [optional…] - <fstype> <source> <super options>"
    const [left, right] = line.split(" - ");
    if (!right?.startsWith("cgroup2 ")) continue;
    const fields = left!.split(" ");
    if (fields[3] !== "/") continue; // a bind mount of a subtree: paths below it would not add up
    return unescapeMount(fields[4]!);
  }
  return null;
}

/** This process's cgroup v2 path ("0::<path>" of /proc/self/cgroup), or null. */
export function ownCgroup(): CgroupPath | null {
  const line = readOr("/proc/self/cgroup")?.split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) : null;
}

// Mounts do not move under a running process: one mountinfo read per process, not one per job
// (gc and list look at thousands).
let ownMount: string | null | undefined;

/** The job's cgroup directory, or null when `path` is not one this program could have made for `jobId`. */
export function jobCgroupDir(path: unknown, jobId: string): string | null {
  if (ownMount === undefined) ownMount = cgroup2Mount();
  const mount = ownMount;
  if (!mount || typeof path !== "string" || !path.startsWith("/")) return null;
  const normal = posix.normalize(path);
  // Never trust a path from a file: it must name exactly this job's cgroup, with no way out of the mount.
  const name = posix.basename(normal);
  if (normal !== path || !name.startsWith(`${NAME_PREFIX}${jobId}.`) || !/^\d+$/.test(name.slice(NAME_PREFIX.length + jobId.length + 1))) return null;
  return join(mount, normal);
}

/**
 * Makes the job's cgroup below this process's own and returns its path, or why this process may
 * not (no cgroup2, no permission). Named `agent-exec-<job id>.<supervisor pid>`: a `restart` runs
 * while the previous run's supervisor may still wait for its own cgroup to empty.
 */
export function createJobCgroup(jobId: string): { path: CgroupPath } | { unavailable: string } {
  const mount = cgroup2Mount();
  const own = ownCgroup();
  if (!mount || own === null) return { unavailable: "no cgroup v2 hierarchy" };
  const path = posix.join(own, `${NAME_PREFIX}${jobId}.${process.pid}`);
  try {
    mkdirSync(join(mount, path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return { unavailable: `cannot create ${path}: ${(error as Error).message}` };
  }
  return { path };
}

/** Moves this whole process (every thread) into the cgroup at `dir` (an absolute directory). */
export function enterCgroup(dir: string): void {
  writeFileSync(join(dir, "cgroup.procs"), String(process.pid));
}

/** Pids of the processes in the cgroup; [] when it is gone. */
export function cgroupPids(dir: string): number[] {
  const text = readOr(join(dir, "cgroup.procs"));
  return text ? text.split("\n").filter(Boolean).map(Number) : [];
}

/** SIGKILL to every process in the cgroup at once, including ones forking right now (Linux ≥ 5.14). */
export function killCgroup(dir: string): boolean {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
    return true;
  } catch {
    return false;
  }
}

/** Removes the cgroup once it is empty; false while processes are left (or it is gone already). */
export function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** CPU time of everything that ever ran in the cgroup, and its peak memory where the memory controller is on. */
export function cgroupUsage(dir: string): { user_ms: number; system_ms: number; peak_memory_bytes: number | null } | null {
  const stat = readOr(join(dir, "cpu.stat"));
  if (!stat) return null;
  const field = (name: string) => Number(/^(\S+) (\d+)$/m.exec(stat.split("\n").find((l) => l.startsWith(`${name} `)) ?? "")?.[2] ?? 0);
  const peak = readOr(join(dir, "memory.peak"));
  return {
    user_ms: Math.round(field("user_usec") / 1000),
    system_ms: Math.round(field("system_usec") / 1000),
    peak_memory_bytes: peak && /^\d+\s*$/.test(peak) ? Number(peak) : null,
  };
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
