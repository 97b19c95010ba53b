import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressOutput } from "../../src/compress/index.js";
import { gitIn, makeGitRepo } from "../helpers/git-repo.js";

// The reference's git fixture (8 commits of 8 files), with real git; what 0.2.31's compression
// tests assert of git log --stat, diff, show, branch, and of grep and find.
let repo: string;
const git = (...args: string[]) => gitIn(repo, ...args);
const routed = (command: string[], stdout: string) => compressOutput({ mode: "route", command, stdout, stderr: "" })!;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "agent-exec-unit-compress-git-"));
  makeGitRepo(repo);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe("git views of a real repository", () => {
  it("log --stat: one line per commit with its totals, smaller than the raw", () => {
    const raw = git("log", "--stat", "-30");
    const v = routed(["git", "log", "--stat", "-30"], raw);
    expect(v).toMatchObject({ detected_kind: "git-log", applied: true });
    expect(v.stdout.length).toBeLessThan(raw.length);
    expect(v.stdout).toMatch(/^commit [0-9a-f]{12} {2}commit 7$/m);
    expect(v.stdout).toContain("1 files, +2 -0");
    expect(v.stdout).toContain("total: 8 commits, 8 files, +16 -0");
  });

  it("diff and show: files, hunks, changes", () => {
    writeFileSync(join(repo, "file1.txt"), "line 1\nnew 1\nadded\n");
    const raw = git("diff");
    const v = routed(["git", "diff"], raw);
    expect(v.detected_kind).toBe("git-diff");
    expect(v.stdout).toContain("file1.txt (+2 -1)");
    expect(v.stdout).toContain("@@ -1,2 +1,3 @@");
    expect(v.stdout).toContain("+added");
    expect(v.stdout.length).toBeLessThan(raw.length);
    const show = routed(["git", "show", "--stat", "--patch", "HEAD"], git("show", "--stat", "--patch", "HEAD"));
    expect(show.detected_kind).toBe("git-show");
    expect(show.stdout).toContain("file7.txt");
    git("checkout", "--", ".");
  });

  it("a short git branch is left to the raw by the guard", () => {
    const v = routed(["git", "branch"], git("branch"));
    expect(v).toMatchObject({ applied: false, strategy: ["expansion-guard"], stdout: "" });
  });

  it("grep -Hn and find: grouped by file and by directory", () => {
    const search = routed(["grep", "-Hn", "needle", "/dev/stdin"], "/dev/stdin:1:needle one\n/dev/stdin:2:needle two\n/dev/stdin:4:needle three\n");
    expect(search.detected_kind).toBe("search");
    expect(search.stdout).toContain("/dev/stdin: 3 match(es)");
    const files = execFileSync("find", [".", "-type", "f", "-not", "-path", "./.git/*"], { cwd: repo, encoding: "utf8" });
    const list = routed(["find", ".", "-type", "f"], files);
    expect(list.detected_kind).toBe("list");
    expect(list.stdout).toMatch(/^\.: file0\.txt, file1\.txt/);
    expect(list.stdout.length).toBeLessThan(files.length);
  });
});
