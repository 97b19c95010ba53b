import { describe, expect, it } from "vitest";
import { keptIn } from "../../src/compress/failure.js";
import { compressPackages } from "../../src/compress/packages.js";
import { templateOf } from "../../src/compress/text.js";

// Package-manager output: npm's multi-line reports with their tag named once, warnings that differ
// in one name on one line, progress and successful fetches counted, every failure line still found.

const eresolve = [
  "npm error code ERESOLVE",
  "npm error ERESOLVE could not resolve",
  "npm error",
  "npm error While resolving: @eslint/js@10.0.1",
  "npm error Found: eslint@9.39.5",
  "npm error node_modules/eslint",
  "npm error   eslint@\"9\" from the root project",
  "",
].join("\n");

describe("package manager output", () => {
  it("names an npm report's tag once, above the rest of each line, indentation kept", () => {
    expect(compressPackages(eresolve).split("\n")).toEqual([
      "npm error:",
      "  code ERESOLVE",
      "  ERESOLVE could not resolve",
      "  While resolving: @eslint/js@10.0.1",
      "  Found: eslint@9.39.5",
      "  node_modules/eslint",
      "    eslint@\"9\" from the root project",
    ]);
  });

  it("starts a report of its own where the following lines share a longer tag", () => {
    const force = [
      "npm warn using --force Recommended protections disabled.",
      "npm warn ERESOLVE overriding peer dependency",
      "npm warn While resolving: @eslint/js@10.0.1",
      "npm warn install-scripts 1 package has install scripts not yet covered by allowScripts:",
      "npm warn install-scripts   core-js@2.6.12 (postinstall: node postinstall)",
      "npm warn install-scripts",
      "npm warn install-scripts Run `npm install-scripts ls` to review.",
    ].join("\n");
    expect(compressPackages(force).split("\n")).toEqual([
      "npm warn:",
      "  using --force Recommended protections disabled.",
      "  ERESOLVE overriding peer dependency",
      "  While resolving: @eslint/js@10.0.1",
      "npm warn install-scripts:",
      "  1 package has install scripts not yet covered by allowScripts:",
      "    core-js@2.6.12 (postinstall: node postinstall)",
      "  Run `npm install-scripts ls` to review.",
    ]);
  });

  it("counts every raw npm error line as kept under its tag, and no other line", () => {
    const view = compressPackages(eresolve);
    const kept = keptIn(view);
    for (const line of eresolve.split("\n").filter((l) => /\S/.test(l.replace(/^npm error/, "")))) expect(kept(line.trim()), line).toBe(true);
    expect(kept("npm error code ETARGET")).toBe(false);
    expect(kept("npm warn code ERESOLVE")).toBe(false);
  });

  it("puts a run of warnings that differ in one name on one line, with the names", () => {
    const pkgs = ["requests", "rich", "flask", "idna"];
    const raw = pkgs.map((p) => `WARNING: Location 'file:///opt/pypi-more/simple/${p}/' is ignored: it is neither a file nor a directory.`).join("\n");
    expect(compressPackages(`${raw}\nSuccessfully installed flask-3.1.3 idna-3.20\n`).split("\n")).toEqual([
      "WARNING: Location 'file:///opt/pypi-more/simple/{requests, rich, flask, idna}/' is ignored: it is neither a file nor a directory. (4x)",
      "Successfully installed flask-3.1.3 idna-3.20",
    ]);
  });

  it("leaves failure lines that differ in one name one by one", () => {
    const raw = ["a", "b", "c"].map((p) => `ERROR: Could not find a version that satisfies the requirement ${p}==0.0.1`).join("\n");
    expect(compressPackages(raw)).toBe(raw);
  });

  it("drops pnpm's progress and npm's successful fetches, keeping failed ones and the outcome", () => {
    const raw = [
      "Progress: resolved 1, reused 0, downloaded 0, added 0",
      "Progress: resolved 205, reused 0, downloaded 205, added 205, done",
      "npm http fetch GET 200 https://registry.npmjs.org/express/-/express-4.18.2.tgz 345ms (cache miss)",
      "npm http fetch GET 404 https://registry.npmjs.org/nope 80ms (cache miss)",
      "Packages: +205",
      "Done in 32s using pnpm v9.15.9",
    ].join("\n");
    expect(compressPackages(raw).split("\n")).toEqual([
      "npm http fetch GET 404 https://registry.npmjs.org/nope 80ms (cache miss)",
      "Packages: +205",
      "Done in 32s using pnpm v9.15.9",
      "... 3 progress lines omitted",
    ]);
  });
});

describe("templateOf", () => {
  it("replaces every run of hex digits that holds a digit, and only those", () => {
    expect(templateOf("0x7f3a at 12:30:05 deadbeef face 9 ab12cd")).toBe("#x# at #:#:# deadbeef face # #");
    expect(templateOf("no digits here")).toBe("no digits here");
  });
});
