// Conformance suite for process-tree backends: every name in BACKEND_NAMES runs the same tests.
// To add a backend, list it in BACKEND_NAMES and give it a factory in FACTORIES.
// A backend that does not load here (e.g. the addon was never built) FAILS its tests rather than
// skipping them: `npm test` builds the addon first (npm run build:native).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { isProcessAlive, isSameProcessAlive, processStartTime } from "../../src/platform/process-info.js";
import { BACKEND_NAMES, loadBackend, type ProcessTreeBackend } from "../../src/platform/process-tree.js";
import { resolveSignal } from "../../src/platform/signals.js";
import { isAgentExecError } from "../../src/protocol/errors.js";
import { isAlive, processesMatching } from "../helpers/procs.js";

const FACTORIES: Record<string, () => Promise<ProcessTreeBackend>> = {
  addon: () => import("../../src/platform/addon.js").then((m) => m.createAddonBackend()),
  koffi: () =>
    process.platform === "win32"
      ? import("../../src/platform/win32-koffi.js").then((m) => m.createWin32KoffiBackend())
      : import("../../src/platform/posix-koffi.js").then((m) => m.createPosixKoffiBackend()),
};

// A name without a factory here still runs, through the production loader, but the guard test fails.
const backends = await Promise.all(
  BACKEND_NAMES.map(async (name, index) => {
    try {
      const backend = await (FACTORIES[name] ?? (() => loadBackend(name)))();
      return { name, version: backend.version, backend, index, loadError: undefined };
    } catch (error) {
      // Every test of this backend fails with this error (see the "loads" test).
      return { name, version: "(did not load)", backend: undefined as unknown as ProcessTreeBackend, index, loadError: error as Error };
    }
  }),
);

const onLinux = process.platform === "linux";
const SUBREAPER_PROBE = resolve(import.meta.dirname, "../helpers/subreaper-probe.mjs");
const DIST_TREE = resolve(import.meta.dirname, "../../dist/platform/process-tree.js");
const TERM = resolveSignal("TERM");
const KILL = resolveSignal("KILL");
// Signal 0 delivers nothing: a refusal test that regresses can probe, never end, what it names.
const SIGNAL_PROBE = { requested: "0", name: "0", number: 0 } as const;

// Every long sleep a test starts has a number unique in this file (38xx, per backend), so /proc
// lookups never confuse tests, backends or other test files.
const sleepNumber = (backendIndex: number, n: number) => 3800 + backendIndex * 40 + n;

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}
const pgrpOf = (pid: number) => Number(statFields(pid)?.[2]);

/** Live children of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && fields[0] !== "Z" && Number(fields[1]) === pid) out.push(Number(entry));
  }
  return out;
}

async function until<T>(check: () => T | undefined | null | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function restoreEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

// Everything a test started, so afterEach can SIGKILL what a failing test left behind.
const started: { child: ChildProcess; group: boolean }[] = [];
const markers: string[] = [];
let scratch: string;

function start(script: string, detached: boolean): { child: ChildProcess; exited: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn("sh", ["-c", script], { detached, stdio: "ignore" });
  started.push({ child, group: detached });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited };
}

function forceKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "agent-exec-platform-"));
});
afterEach(async () => {
  for (const { child, group } of started.splice(0)) {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      if (group) forceKill(-child.pid);
      forceKill(child.pid);
    }
  }
  for (const marker of markers.splice(0)) for (const pid of processesMatching(marker)) forceKill(pid);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("backend registry", () => {
  it("every name in BACKEND_NAMES has a factory in this suite", () => {
    expect(BACKEND_NAMES.filter((name) => !FACTORIES[name])).toEqual([]);
  });

  it("the production loader gives the backend of the same name", async () => {
    for (const { name } of backends) expect((await loadBackend(name)).name).toBe(name);
  });

  it("an unknown backend name is invalid_argument and lists the available ones", async () => {
    const error = await loadBackend("no-such-backend").catch((e: unknown) => e);
    expect(isAgentExecError(error)).toBe(true);
    expect(error).toMatchObject({ code: "invalid_argument" });
    expect((error as Error).message).toContain(BACKEND_NAMES.join(", "));
  });

  it("the addon is preferred and koffi is the fallback", () => {
    expect(BACKEND_NAMES).toEqual(["addon", "koffi"]);
  });

  it("without AGENT_EXEC_BACKEND, processTree() picks the addon when it loads, else koffi", async () => {
    const saved = { backend: process.env.AGENT_EXEC_BACKEND, addon: process.env.AGENT_EXEC_ADDON };
    try {
      delete process.env.AGENT_EXEC_BACKEND;
      vi.resetModules();
      expect((await (await import("../../src/platform/process-tree.js")).processTree()).name).toBe("addon");
      // An addon that is not there: the automatic choice falls back to koffi, silently.
      process.env.AGENT_EXEC_ADDON = join(scratch, "no-such-addon.node");
      vi.resetModules();
      expect((await (await import("../../src/platform/process-tree.js")).processTree()).name).toBe("koffi");
    } finally {
      restoreEnv("AGENT_EXEC_BACKEND", saved.backend);
      restoreEnv("AGENT_EXEC_ADDON", saved.addon);
      vi.resetModules();
    }
  });

  it("a forced backend that cannot load is invalid_argument naming the variable and the load error", async () => {
    const saved = { backend: process.env.AGENT_EXEC_BACKEND, addon: process.env.AGENT_EXEC_ADDON };
    try {
      process.env.AGENT_EXEC_BACKEND = "addon";
      process.env.AGENT_EXEC_ADDON = join(scratch, "no-such-addon.node");
      vi.resetModules();
      const { processTree } = await import("../../src/platform/process-tree.js");
      const error = await processTree().catch((e: unknown) => e);
      expect(isAgentExecError(error)).toBe(true);
      expect(error).toMatchObject({ code: "invalid_argument", details: { backend: "addon" } });
      expect((error as Error).message).toContain("AGENT_EXEC_BACKEND=addon");
      expect((error as Error).message).toContain("no-such-addon.node does not exist");
      expect((error as Error).message).toContain("AGENT_EXEC_ADDON");
    } finally {
      restoreEnv("AGENT_EXEC_BACKEND", saved.backend);
      restoreEnv("AGENT_EXEC_ADDON", saved.addon);
      vi.resetModules();
    }
  });

  it("processTree() honours AGENT_EXEC_BACKEND and rejects unknown names", async () => {
    const saved = process.env.AGENT_EXEC_BACKEND;
    try {
      for (const { name } of backends) {
        vi.resetModules();
        process.env.AGENT_EXEC_BACKEND = name;
        const { processTree } = await import("../../src/platform/process-tree.js");
        expect((await processTree()).name).toBe(name);
      }
      vi.resetModules();
      process.env.AGENT_EXEC_BACKEND = "no-such-backend";
      const { processTree } = await import("../../src/platform/process-tree.js");
      await expect(processTree()).rejects.toMatchObject({ code: "invalid_argument" });
    } finally {
      if (saved === undefined) delete process.env.AGENT_EXEC_BACKEND;
      else process.env.AGENT_EXEC_BACKEND = saved;
      vi.resetModules();
    }
  });
});

describe.each(backends)("process-tree backend $name (version $version)", ({ name, version, backend, index, loadError }) => {
  const n = (k: number) => sleepNumber(index, k);

  it("loads", () => {
    if (loadError) throw loadError;
  });

  it("reports its name and a version", () => {
    expect(backend.name).toBe(name);
    expect(typeof version).toBe("string");
    expect(version.length).toBeGreaterThan(0);
  });

  it.runIf(process.platform !== "win32")("containSelf is a no-op on POSIX (the process group is the container)", () => {
    expect(backend.containSelf("01HAAAAAAAAAAAAAAAAAAAAAAA")).toBeNull();
  });

  describe.runIf(onLinux)("signalTree", () => {
    it("ends a detached leader, its grandchild and its great-grandchild", async () => {
      const [a, b] = [n(1), n(2)];
      markers.push(`sleep ${a}`, `sleep ${b}`);
      // root sh → (inner sh → sleep a), sleep b. "; true" keeps the inner sh from exec'ing sleep.
      const { child, exited } = start(`sh -c "sleep ${a}; true" & sleep ${b} & wait`, true);
      const root = child.pid!;
      const tree = await until(() => {
        const kids = childrenOf(root);
        const inner = kids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sh\0"));
        const grandkids = inner ? childrenOf(inner) : [];
        return kids.length === 2 && grandkids.length === 1 ? { kids, inner: inner!, great: grandkids[0]! } : undefined;
      }, "the three-level tree");
      const all = [root, ...tree.kids, tree.great];
      expect(all.map(pgrpOf)).toEqual(all.map(() => root)); // one group, led by the root

      expect(backend.signalTree({ pid: root }, TERM)).toBe(true);
      expect(await exited).toEqual([null, "SIGTERM"]);
      await until(() => all.every((pid) => !isAlive(pid)), "every process of the tree to end");
      expect(processesMatching(`sleep ${a}`)).toEqual([]);
      expect(processesMatching(`sleep ${b}`)).toEqual([]);
    });

    it("signals what is left of a group whose leader has already exited", async () => {
      const c = n(3);
      markers.push(`sleep ${c}`);
      const { child, exited } = start(`sleep ${c} & exit 0`, true);
      const root = child.pid!;
      expect(await exited).toEqual([0, null]);
      const [orphan] = await until(() => {
        const pids = processesMatching(`sleep ${c}`);
        return pids.length === 1 ? pids : undefined;
      }, "the orphaned sleep");
      expect(pgrpOf(orphan!)).toBe(root);

      expect(backend.signalTree({ pid: root }, TERM)).toBe(true);
      await until(() => !isAlive(orphan!), "the orphan to end");
    });

    it("falls back to the pid alone when it does not lead a group", async () => {
      const d = n(4);
      markers.push(`sleep ${d}`);
      const { child, exited } = start(`sleep ${d}; true`, false);
      const pid = child.pid!;
      const [sleeper] = await until(() => {
        const kids = childrenOf(pid);
        return kids.length === 1 ? kids : undefined;
      }, "the child's sleep");
      expect(pgrpOf(pid)).not.toBe(pid);
      expect(pgrpOf(pid)).toBe(pgrpOf(process.pid)); // our own group: signalling it would end this test run

      expect(backend.signalTree({ pid }, TERM)).toBe(true);
      expect(await exited).toEqual([null, "SIGTERM"]);
      await pause(200);
      expect(isAlive(sleeper!)).toBe(true); // its child was not signalled: only the pid was
      expect(isProcessAlive(process.pid)).toBe(true);
    });

    it("returns false for a pid that is gone", async () => {
      const { child, exited } = start("exit 0", true);
      await exited;
      expect(backend.signalTree({ pid: child.pid! }, TERM)).toBe(false);
      expect(backend.signalTree({ pid: child.pid! }, KILL)).toBe(false);
    });

    it("delivers the signal asked for: a TERM trap survives TERM, KILL ends it", async () => {
      const e = n(5);
      markers.push(`sleep ${e}`);
      const trapped = join(scratch, `trapped-${name}`);
      const ready = join(scratch, `ready-${name}`);
      // The root sh handles TERM and USR1 (writes a line); its background sleep ignores both (SIG_IGN survives exec).
      const { child, exited } = start(
        `trap 'echo TERM >> ${trapped}' TERM; trap 'echo USR1 >> ${trapped}' USR1; ` +
          `(trap '' TERM USR1; exec sleep ${e}) & echo ready > ${ready}; while :; do wait; done`,
        true,
      );
      const root = child.pid!;
      await until(() => existsSync(ready) && processesMatching(`sleep ${e}`).length > 0, "the trap to be set");
      const [sleeper] = processesMatching(`sleep ${e}`).filter((pid) => childrenOf(root).includes(pid));
      expect(sleeper).toBeDefined();

      expect(backend.signalTree({ pid: root }, TERM)).toBe(true);
      await until(() => existsSync(trapped) && readFileSync(trapped, "utf8").includes("TERM"), "the TERM trap to run");
      expect(backend.signalTree({ pid: root }, resolveSignal("USR1"))).toBe(true);
      await until(() => readFileSync(trapped, "utf8").includes("USR1"), "the USR1 trap to run");
      await pause(200);
      expect(isAlive(root)).toBe(true);
      expect(isAlive(sleeper!)).toBe(true);
      expect(readFileSync(trapped, "utf8")).toBe("TERM\nUSR1\n");

      expect(backend.signalTree({ pid: root }, KILL)).toBe(true);
      expect(await exited).toEqual([null, "SIGKILL"]);
      await until(() => !isAlive(sleeper!), "the TERM-ignoring sleep to end");
    });

    it("refuses pids that could widen a signal, with one coded error, before sending anything", () => {
      for (const pid of [0, 1, -1, -process.pid, 1.5, Number.NaN, Infinity, 2 ** 31, 2 ** 40, "12" as unknown as number]) {
        const error = (() => {
          try {
            return backend.signalTree({ pid }, SIGNAL_PROBE);
          } catch (e) {
            return e;
          }
        })();
        expect(isAgentExecError(error), `pid ${String(pid)}`).toBe(true);
        expect(error, `pid ${String(pid)}`).toMatchObject({ code: "unsafe_pid", details: { pid: typeof pid === "number" && Number.isFinite(pid) ? pid : String(pid) } });
      }
    });

    it("refuses this process, its own process group and the supervisor's group", async () => {
      expect(() => backend.signalTree({ pid: process.pid }, SIGNAL_PROBE)).toThrow(expect.objectContaining({ code: "unsafe_pid", details: expect.objectContaining({ why: "it is this process" }) }));
      const ownGroup = pgrpOf(process.pid);
      expect(ownGroup).toBeGreaterThan(1);
      if (ownGroup !== process.pid) {
        expect(() => backend.signalTree({ pid: ownGroup }, SIGNAL_PROBE)).toThrow(
          expect.objectContaining({ code: "unsafe_pid", details: expect.objectContaining({ why: "it is this process's own process group" }) }),
        );
      }
      // A "supervisor" inside a group led by the pid we are asked to signal.
      const h = n(7);
      markers.push(`sleep ${h}`);
      const { child } = start(`sleep ${h} & wait`, true);
      const leader = child.pid!;
      const [member] = await until(() => {
        const kids = childrenOf(leader);
        return kids.length === 1 ? kids : undefined;
      }, "the group member");
      expect(pgrpOf(member!)).toBe(leader);
      expect(() => backend.signalTree({ pid: leader, supervisorPid: member }, TERM)).toThrow(
        expect.objectContaining({ code: "unsafe_pid", details: expect.objectContaining({ why: "it is the supervisor's process group" }) }),
      );
      expect(() => backend.signalTree({ pid: member!, supervisorPid: member }, TERM)).toThrow(
        expect.objectContaining({ code: "unsafe_pid", details: expect.objectContaining({ why: "it is the job's supervisor" }) }),
      );
      await pause(100);
      expect(isAlive(leader) && isAlive(member!)).toBe(true); // nothing was sent
    });

    it("processStartTime: this process's /proc start time; null once a pid is gone", async () => {
      expect(backend.processStartTime(process.pid)).toBe(processStartTime(process.pid));
      expect(backend.processStartTime(process.pid)).toMatch(/^\d+$/);
      const { child, exited } = start("exit 0", true);
      await exited;
      expect(backend.processStartTime(child.pid!)).toBeNull();
    });

    it("ends a wide tree (50 processes) with one call", async () => {
      const f = n(6);
      markers.push(`sleep ${f}`);
      const { child, exited } = start(`for i in $(seq 50); do sleep ${f} & done; wait`, true);
      await until(() => processesMatching(`sleep ${f}`).length >= 51, "50 sleeps"); // + the sh itself
      expect(backend.signalTree({ pid: child.pid! }, TERM)).toBe(true);
      await exited;
      await until(() => processesMatching(`sleep ${f}`).length === 0, "every sleep to end");
    });
  });

  // In a process of its own (test/helpers/subreaper-probe.mjs, through the built dist/): being a
  // subreaper would change this test worker for good.
  it.runIf(onLinux)("becomeSubreaper adopts an orphan, reapChild reaps it (refusing pid ≤ 1), childrenUsage reads getrusage", () => {
    const probe = spawnSync(
      process.execPath,
      [SUBREAPER_PROBE, pathToFileURL(DIST_TREE).href, name],
      { encoding: "utf8", env: { ...process.env, AGENT_EXEC_ADDON: undefined } },
    );
    expect(probe.status, probe.stderr).toBe(0);
    const out = JSON.parse(probe.stdout);
    expect(out).toMatchObject({ subreaper: true, adopted: true, zombie: true, refused: [false, false, false, false], reaped: true, gone: true });
    expect(out.usage).toEqual({ user_ms: expect.any(Number), system_ms: expect.any(Number), max_rss_bytes: expect.any(Number) });
    expect(out.usage.max_rss_bytes).toBeGreaterThan(0); // the sh and the sleep it reaped
    expect(backend.queryJob("AgentExec-01HAAAAAAAAAAAAAAAAAAAAAAA")).toBeNull(); // Job Objects are Windows-only
  });
});

// What only the addon exports: liveness of a pid and of a group, and its argument checks.
describe.runIf(process.platform !== "win32")("native addon primitives (POSIX)", () => {
  const load = () => import("../../src/platform/addon.js").then((m) => m.loadAddon());

  it("is the build this source expects, with a version naming N-API", async () => {
    const addon = await load();
    const { ADDON_ABI } = await import("../../src/platform/addon.js");
    expect(addon.abi).toBe(ADDON_ABI);
    expect(addon.platform).toBe("posix");
    expect(addon.version).toMatch(/^agent_exec native \d+\.\d+\.\d+ \(N-API \d+\)$/);
  });

  it("isAlive / isGroupAlive / processGroupOf follow a detached group to its end", async () => {
    const addon = (await load()) as Extract<Awaited<ReturnType<typeof load>>, { platform: "posix" }>;
    expect(addon.isAlive(process.pid)).toBe(true);
    expect(addon.isAlive(1)).toBe(true); // pid 1 exists (EPERM or not): alive
    const g = sleepNumber(BACKEND_NAMES.length, 1);
    markers.push(`sleep ${g}`);
    const { child, exited } = start(`sleep ${g} & exit 0`, true);
    const root = child.pid!;
    await exited;
    const [orphan] = await until(() => {
      const pids = processesMatching(`sleep ${g}`);
      return pids.length === 1 ? pids : undefined;
    }, "the orphaned sleep");
    expect(addon.isAlive(root)).toBe(false); // the leader is gone (and reaped)...
    expect(addon.isGroupAlive(root)).toBe(true); // ...but its group lives on in the orphan
    expect(addon.processGroupOf(orphan!)).toBe(root);
    expect(addon.processGroupOf(root)).toBeNull();
    forceKill(orphan!);
    // A killed orphan may stay a zombie for a while (a PID 1 that is slow to reap), and kill(-pgid, 0)
    // still finds zombies: only once it is reaped must the group read as empty.
    await until(() => statFields(orphan!)?.[0] !== "S" && statFields(orphan!)?.[0] !== "R", "the orphan to die");
    if (statFields(orphan!) === null) expect(addon.isGroupAlive(root)).toBe(false);
  });

  it("refuses its own process group and the supervisor's itself, before any signal", async () => {
    const addon = (await load()) as Extract<Awaited<ReturnType<typeof load>>, { platform: "posix" }>;
    const ownGroup = pgrpOf(process.pid);
    expect(addon.signalTree(ownGroup, 0)).toEqual({ refused: "own_group" });
    const g = sleepNumber(BACKEND_NAMES.length, 2);
    markers.push(`sleep ${g}`);
    const { child } = start(`sleep ${g} & wait`, true);
    const [member] = await until(() => {
      const kids = childrenOf(child.pid!);
      return kids.length === 1 ? kids : undefined;
    }, "the group member");
    expect(addon.signalTree(child.pid!, 0, member)).toEqual({ refused: "supervisor_group" });
    expect(addon.signalTree(child.pid!, 0, 0)).toEqual({ delivered: true }); // no supervisor named: a probe
  });

  it("refuses pids that would reach more than one tree (0, 1, negative, fractional) without signalling", async () => {
    const addon = (await load()) as Extract<Awaited<ReturnType<typeof load>>, { platform: "posix" }>;
    for (const pid of [0, 1, -1, -process.pid, 1.5, Number.NaN]) {
      expect(() => addon.signalTree(pid, 0), `pid ${pid}`).toThrow(RangeError);
    }
    expect(() => addon.signalTree("123" as unknown as number, 0)).toThrow(TypeError);
    expect(() => addon.signalTree(process.pid, -1)).toThrow(RangeError);
    expect(addon.signalTree(process.pid, 0)).toEqual({ delivered: true }); // signal 0: a probe, harmless
  });
});

describe("process-info", () => {
  it("isProcessAlive: this process is, a reaped child is not", async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it.runIf(process.platform !== "win32")("isProcessAlive counts a process we may not signal (EPERM) as alive", () => {
    expect(isProcessAlive(1)).toBe(true);
  });

  it.runIf(onLinux)("processStartTime is non-null on Linux and stable for the same pid", async () => {
    const first = processStartTime(process.pid);
    expect(first).toMatch(/^\d+$/);
    await pause(50);
    expect(processStartTime(process.pid)).toBe(first);
    expect(processStartTime(process.ppid)).toMatch(/^\d+$/);
  });

  it.runIf(onLinux)("processStartTime reads starttime even when the command name has spaces and parentheses", async () => {
    // /proc/PID/stat: "pid (comm) state ..."; comm may itself contain ") (".
    const uptimeAtSpawn = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const child = spawn(process.execPath, ["-e", "process.title = 'a) (b c'; setTimeout(() => {}, 5000)"], { stdio: "ignore" });
    started.push({ child, group: false });
    await until(() => readFileSync(`/proc/${child.pid}/stat`, "utf8").includes("(a) (b c)"), "the new title");
    const start = processStartTime(child.pid!);
    expect(start).toMatch(/^\d+$/);
    // starttime counts clock ticks (USER_HZ = 100 on Linux) since boot: it must match when we spawned.
    // A parser that split at the first ")" would read another field (e.g. num_threads) here.
    expect(Math.abs(Number(start) / 100 - uptimeAtSpawn)).toBeLessThan(5);
    expect(Number(start)).toBeGreaterThanOrEqual(Number(processStartTime(process.pid)));
  });

  it("processStartTime is null for a pid that is gone", async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    expect(processStartTime(child.pid!)).toBeNull();
  });

  it("isSameProcessAlive: right start time, no start time, wrong start time, gone", async () => {
    const mine = processStartTime(process.pid);
    expect(isSameProcessAlive(process.pid, mine)).toBe(true);
    expect(isSameProcessAlive(process.pid, null)).toBe(true);
    expect(isSameProcessAlive(process.pid, undefined)).toBe(true);
    if (onLinux) expect(isSameProcessAlive(process.pid, `${Number(mine) + 1}`)).toBe(false);
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    expect(isSameProcessAlive(child.pid!, null)).toBe(false);
  });
});
