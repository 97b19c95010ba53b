import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Every module a supervisor loads is held for the whole job (issue 13 item 4: memory per job).
// Loads the built supervisor's module graph in a fresh node and lists the CommonJS packages it
// pulled in (ESM imports of CommonJS land in require.cache).
const SUPERVISE = fileURLToPath(new URL("../../dist/supervisor/supervise.js", import.meta.url));
const PROBE = `import { createRequire } from "node:module";
await import(${JSON.stringify(SUPERVISE)});
const cache = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify(cache.filter((k) => k.includes("node_modules")).map((k) => k.split(/node_modules[\\\\/]/).pop())));`;

describe("the supervisor's modules", () => {
  it("do not load cross-spawn before a spawn needs it (off Windows, never)", () => {
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], { encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    const packages = JSON.parse(out.stdout) as string[];
    // \`which\` (and its isexe) stays: the supervisor resolves the workload's program on its PATH
    // before the spawn (src/launch/resolve-command.ts), on every launch.
    expect(packages.filter((file) => /^(cross-spawn|path-key|shebang-command|shebang-regex)[\\/]/.test(file))).toEqual([]);
  });
});
