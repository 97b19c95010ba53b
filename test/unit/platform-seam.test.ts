import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The platform seam (docs/ARCHITECTURE.md, "Platform"): src/platform/ decides per OS and per
// backend; everything else asks it for facts (src/platform/os.ts). This fails on any test of the
// OS outside it: process.platform (any spelling) or node:os's platform().

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const OS_TEST = /\bprocess\s*(\?\.|\.)\s*platform\b|\bprocess\s*\[\s*["'`]platform["'`]\s*\]|\bos\.platform\s*\(|import\s*\{[^}]*\bplatform\b[^}]*\}\s*from\s*["'](node:)?os["']/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

function osTests(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i) => (OS_TEST.test(line) ? [`${relative(SRC, file).split(sep).join("/")}:${i + 1}: ${line.trim()}`] : []));
}

describe("the platform seam", () => {
  const files = sources(SRC);
  const inPlatform = (file: string) => relative(SRC, file).split(sep)[0] === "platform";

  it("no file in src/ outside src/platform/ tests which OS it runs on", () => {
    expect(files.filter((f) => !inPlatform(f)).flatMap(osTests)).toEqual([]);
  });

  it("the check sees the tests it forbids (src/platform/os.ts makes one)", () => {
    expect(files.length).toBeGreaterThan(20);
    expect(osTests(join(SRC, "platform", "os.ts")).length).toBeGreaterThan(0);
    expect(["const w = process.platform === 'win32'", "process?.platform", 'process["platform"]', "os.platform()", 'import { platform } from "node:os"']
      .filter((line) => !OS_TEST.test(line))).toEqual([]);
  });
});
