import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cli, tempRoot } from "../helpers/cli.js";

// `agent-exec doctor`: what this installation runs on and which process-tree backend it uses.
// `npm test` builds the native addon first, so both backends are available here.
const { root, cleanup } = tempRoot();
afterAll(cleanup);

const PACKAGE = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };
const KOFFI = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../node_modules/koffi/package.json"), "utf8")) as { version: string };
const ADDON_VERSION = /^agent_exec native \d+\.\d+\.\d+ \(N-API \d+\)$/;

/** doctor with AGENT_EXEC_BACKEND set (or unset with undefined), every other variable inherited. */
const doctor = (backend: string | undefined, env: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  cli(["doctor", "--root", root, ...args], { env: { AGENT_EXEC_BACKEND: backend, AGENT_EXEC_ADDON: undefined, ...env } });

describe("doctor", () => {
  test("reports platform, versions, the chosen backend, every backend and the root", () => {
    const r = doctor(undefined);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({
      schema_version: "0.1",
      ok: true,
      type: "doctor",
      platform: process.platform,
      arch: process.arch,
      node: process.version,
      agent_exec_version: PACKAGE.version,
      backend: { name: "addon", version: expect.stringMatching(ADDON_VERSION) },
      backends: [
        { name: "addon", available: true, version: expect.stringMatching(ADDON_VERSION) },
        { name: "koffi", available: true, version: KOFFI.version },
      ],
      root,
      containment: { kind: expect.stringMatching(/^(cgroup|subreaper)$/), note: expect.any(String) },
    });
    expect(Object.keys(r.json)).toEqual([
      "schema_version", "ok", "type", "platform", "arch", "node", "agent_exec_version", "backend", "backends", "root", "containment",
    ]);
    expect(r.stderr).toBe("");
  });

  test("AGENT_EXEC_BACKEND=koffi", () => {
    const r = doctor("koffi");
    expect(r.code).toBe(0);
    expect(r.json.backend).toEqual({ name: "koffi", version: KOFFI.version });
  });

  test("AGENT_EXEC_BACKEND=addon", () => {
    const r = doctor("addon");
    expect(r.code).toBe(0);
    expect(r.json.backend).toEqual({ name: "addon", version: expect.stringMatching(ADDON_VERSION) });
  });

  test("AGENT_EXEC_BACKEND=bogus is invalid_argument naming the backends there are, with the report in details", () => {
    const r = doctor("bogus");
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe("invalid_argument");
    expect(r.json.error.message).toBe("AGENT_EXEC_BACKEND=bogus is not available; this build has: addon, koffi");
    expect(r.json.error.details).toMatchObject({
      backend: "bogus",
      platform: process.platform,
      backends: [
        { name: "addon", available: true },
        { name: "koffi", available: true },
      ],
      root,
    });
  });

  test("containment: a cgroup per job as root here; AGENT_EXEC_CONTAINMENT forces one; an unknown kind is invalid_argument", () => {
    if (process.getuid?.() === 0) expect(doctor(undefined).json.containment.kind).toBe("cgroup");
    expect(doctor(undefined, { AGENT_EXEC_CONTAINMENT: "subreaper" }).json.containment).toEqual({ kind: "subreaper", note: "forced by AGENT_EXEC_CONTAINMENT=subreaper" });
    const bad = doctor(undefined, { AGENT_EXEC_CONTAINMENT: "jail" });
    expect(bad.code).toBe(1);
    expect(bad.json.error).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("AGENT_EXEC_CONTAINMENT=jail") });
  });

  test("an addon that cannot load: automatic choice falls back to koffi; forcing it is a clear error", () => {
    const missing = { AGENT_EXEC_ADDON: join(root, "no-such-addon.node") };
    const auto = doctor(undefined, missing);
    expect(auto.code).toBe(0);
    expect(auto.json.backend.name).toBe("koffi");
    expect(auto.json.backends[0]).toEqual({ name: "addon", available: false, error: expect.stringContaining("no-such-addon.node does not exist") });

    const forced = doctor("addon", missing);
    expect(forced.code).toBe(1);
    expect(forced.json.error.code).toBe("invalid_argument");
    expect(forced.json.error.message).toMatch(/^AGENT_EXEC_BACKEND=addon, but the addon process-tree backend cannot be loaded: /);
    expect(forced.json.error.message).toContain("no-such-addon.node does not exist");
  });

  test("--yaml prints the same report as YAML", () => {
    const r = doctor("koffi", {}, ["--yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^schema_version: "0\.1"\nok: true\ntype: doctor\nplatform: /);
    expect(r.stdout).toContain("  name: koffi\n");
  });
});
