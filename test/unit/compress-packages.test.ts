import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compressOutput } from "../../src/compress/index.js";
import { expandVariants, isFailureLine, keptIn } from "../../src/compress/failure.js";
import { compressPackages, packageView } from "../../src/compress/packages.js";
import { sameTemplate, templateOf } from "../../src/compress/text.js";

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
      "... 3 omitted: progress 3",
    ]);
  });
});

// Install failures, cut from the corpus's real runs (bench/compress/corpus/*-fail*, *-unreachable).
const gyp = [
  "npm error code 1",
  "npm error path /app/node_modules/fast-hash-native",
  "npm error command failed",
  "npm error command sh -c node-gyp rebuild",
  "npm error make: Entering directory '/app/node_modules/fast-hash-native/build'",
  "npm error   CXX(target) Release/obj.target/fast_hash/src/hash.o",
  "npm error gyp info it worked if it ends with ok",
  "npm error gyp info spawn args [ 'BUILDTYPE=Release', '-C', 'build' ]",
  "npm error ../src/hash.cc:10:38: error: expected ‘;’ before ‘return’",
  "npm error    10 |   napi_create_uint32(env, seed, &out)",
  "npm error       |                                      ^",
  "npm error make: *** [fast_hash.target.mk:107: Release/obj.target/fast_hash/src/hash.o] Error 1",
  "npm error gyp ERR! build error ",
  "npm error gyp ERR! stack Error: `make` failed with exit code: 2",
  "npm error gyp ERR! node -v v20.20.2",
  "npm error gyp ERR! not ok",
  "npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-02T04_33_14_712Z-debug-0.log",
].join("\n");

describe("install failures", () => {
  it("drops what npm relays of node-gyp's info log, make's steps and code frames; keeps the compiler's error and gyp's verdict", () => {
    expect(compressPackages(gyp).split("\n")).toEqual([
      "npm error:",
      "  code 1",
      "  path /app/node_modules/fast-hash-native",
      "  command failed",
      "  command sh -c node-gyp rebuild",
      "  ../src/hash.cc:10:38: error: expected ‘;’ before ‘return’",
      "  make: *** [fast_hash.target.mk:107: Release/obj.target/fast_hash/src/hash.o] Error 1",
      "npm error gyp ERR!:",
      "  build error ",
      "  stack Error: `make` failed with exit code: 2",
      "  not ok",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-02T04_33_14_712Z-debug-0.log",
      "... 7 omitted: build log 7; full log above",
    ]);
  });

  it("counts a relayed line as no failure by its npm tag alone, and a located error as one", () => {
    expect(isFailureLine("npm error gyp info spawn args [ 'BUILDTYPE=Release', '-C', 'build' ]")).toBe(false);
    expect(isFailureLine("npm error gyp ERR! cwd /app/node_modules/fast-hash-native")).toBe(false);
    expect(isFailureLine("npm error       |                                      ^")).toBe(false);
    expect(isFailureLine("npm error     at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26) {")).toBe(false);
    expect(isFailureLine("npm error ../src/hash.cc:10:38: error: expected ‘;’ before ‘return’")).toBe(true);
    expect(isFailureLine("npm error gyp ERR! not ok")).toBe(true);
    expect(isFailureLine("npm error code E404")).toBe(true);
  });

  it("drops a Python traceback's frames inside installed libraries with their source lines, and pip's repeated summary", () => {
    const raw = [
      "  error: subprocess-exited-with-error",
      "  × Getting requirements to build wheel did not run successfully.",
      "  │ exit code: 1",
      "  ╰─> [26 lines of output]",
      "      Traceback (most recent call last):",
      "        File \"/venv/lib/python3.11/site-packages/pip/_vendor/pyproject_hooks/_in_process/_in_process.py\", line 353, in <module>",
      "          main()",
      "        File \"/tmp/pip-build-env-7jpdsbpv/overlay/lib/python3.11/site-packages/setuptools/build_meta.py\", line 317, in run_setup",
      "          exec(code, locals())  # noqa: S102 # exec is intentional here",
      "          ^^^^^^^^^^^^^^^^^^^^",
      "        File \"<string>\", line 7, in <module>",
      "      RuntimeError: libcsvparse development headers not found; install libcsvparse-dev (or set CSVPARSE_DIR)",
      "      [end of output]",
      "  note: This error originates from a subprocess, and is likely not a problem with pip.",
      "error: subprocess-exited-with-error",
      "note: This error originates from a subprocess, and is likely not a problem with pip.",
    ].join("\n");
    expect(compressPackages(raw, "/jobs/J/stderr.log").split("\n")).toEqual([
      "  error: subprocess-exited-with-error",
      "  × Getting requirements to build wheel did not run successfully.",
      "  │ exit code: 1",
      "  ╰─> [26 lines of output]",
      "      Traceback (most recent call last):",
      "        File \"<string>\", line 7, in <module>",
      "      RuntimeError: libcsvparse development headers not found; install libcsvparse-dev (or set CSVPARSE_DIR)",
      "      [end of output]",
      "  note: This error originates from a subprocess, and is likely not a problem with pip.",
      // A library's frame names its file and line: dropped, counted, and the full log named.
      "... 7 omitted: internal frames 5, duplicates 2; full log: /jobs/J/stderr.log",
    ]);
  });

  it("drops npm's usage text under EUSAGE and says so; merges lock-file lines that differ in a name, every name read back", () => {
    const names = ["accepts@1.3.8", "array-flatten@1.1.1", "body-parser@1.20.1", "content-type@1.0.5"];
    const raw = [
      "npm error code EUSAGE",
      "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.",
      ...names.map((n) => `npm error Missing: ${n} from lock file`),
      "npm error Clean install a project",
      "npm error Usage:",
      "npm error npm ci",
      "npm error Options:",
      "npm error [--install-strategy <hoisted|nested|shallow|linked>] [--legacy-bundling]",
      "npm error   --install-strategy",
      "npm error     Sets the strategy for installing packages in node_modules.",
      "npm error aliases: clean-install, ic, install-clean, isntall-clean",
      "npm error Run \"npm help ci\" for more info",
      "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log",
    ];
    const { text, declared } = packageView(raw.join("\n"));
    expect(text.split("\n")).toEqual([
      "npm error:",
      "  code EUSAGE",
      "  `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.",
      `  Missing: {${names.join(", ")}} from lock file (4x)`,
      "  Clean install a project",
      "  A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log",
      "... 8 omitted: usage text 8; full log above",
    ]);
    const kept = keptIn(text);
    for (const n of names) expect(kept(`npm error Missing: ${n} from lock file`)).toBe(true);
    expect(declared.has("npm error Options:")).toBe(true);
    // The safety net leaves the declared lines out: nothing is appended.
    const v = compressOutput({ mode: "route", command: ["npm", "ci"], stdout: "", stderr: raw.join("\n") })!;
    expect(v.stderr).toBe(text);
  });

  it("drops the properties Node prints after an error's stack, keeping its code; shows 12 names of a long merged run and declares the rest", () => {
    const crash = [
      "npm error Error: getaddrinfo ENOTFOUND downloads.fastimg.invalid",
      "npm error     at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26) {",
      "npm error   errno: -3008,",
      "npm error   code: 'ENOTFOUND',",
      "npm error   syscall: 'getaddrinfo',",
      "npm error   hostname: 'downloads.fastimg.invalid'",
      "npm error }",
    ];
    const names = Array.from({ length: 20 }, (_, i) => `dep-${String.fromCharCode(97 + i)}@1.0.${i}`);
    const raw = [...crash, ...names.map((n) => `npm error Missing: ${n} from lock file`), "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log"].join("\n");
    const { text, declared } = packageView(raw);
    expect(text.split("\n")).toEqual([
      "npm error:",
      "  Error: getaddrinfo ENOTFOUND downloads.fastimg.invalid",
      "    code: 'ENOTFOUND',",
      `  Missing: dep-{${names.slice(0, 8).map((n) => n.slice(4)).join(", ")} (+12 more)} from lock file (20x)`,
      "  A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log",
      "... 17 omitted: internal frames 1, error details 4, merged 12; full log above",
    ]);
    const kept = keptIn(text);
    expect(names.slice(0, 8).every((n) => kept(`npm error Missing: ${n} from lock file`))).toBe(true);
    expect(names.slice(8).every((n) => declared.has(`npm error Missing: ${n} from lock file`))).toBe(true);
    expect(declared.has("npm error   syscall: 'getaddrinfo',")).toBe(true);
  });

  it("drops npm's network advice and apt's, the same under every such failure, as hints", () => {
    const npm = [
      "npm error code ENOTFOUND",
      "npm error network request to https://registry.npmjs.invalid/express failed, reason: getaddrinfo ENOTFOUND registry.npmjs.invalid",
      "npm error network This is a problem related to network connectivity.",
      "npm error network In most cases you are behind a proxy or have bad network settings.",
      "npm error network",
      "npm error network If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'",
    ].join("\n");
    expect(compressPackages(npm, "/jobs/J/stderr.log").split("\n")).toEqual([
      "npm error code ENOTFOUND",
      "npm error network request to https://registry.npmjs.invalid/express failed, reason: getaddrinfo ENOTFOUND registry.npmjs.invalid",
      "... 4 omitted: hints 4; full log: /jobs/J/stderr.log",
    ]);
    const apt = "Package libc6 is not available, but is referred to by another package.\nThis may mean that the package is missing, has been obsoleted, or\nis only available from another source\n";
    expect(compressPackages(apt)).toBe("Package libc6 is not available, but is referred to by another package.\n... 2 omitted: hints 2");
    const etarget = [
      "npm error code ETARGET",
      "npm error notarget No matching version found for glob@99.0.0.",
      "npm error notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist.",
    ].join("\n");
    expect(compressPackages(etarget).split("\n")).toEqual(["npm error code ETARGET", "npm error notarget No matching version found for glob@99.0.0.", "... 1 omitted: hints 1; full log: the job's log file"]);
  });

  it("routes apt-get to the package view: the progress goes, apt's E: lines stay", () => {
    const v = compressOutput({ mode: "route", command: ["apt-get", "install", "-y", "nonexistent-pkg-zz9q"], stdout: "Reading package lists...\nBuilding dependency tree...\nReading state information...\n", stderr: "E: Unable to locate package nonexistent-pkg-zz9q\n" })!;
    expect(v.detected_kind).toBe("system-packages");
    expect(v.stdout).toBe("... 3 omitted: progress 3");
    expect(v.stderr).toBe("E: Unable to locate package nonexistent-pkg-zz9q");
  });
});

describe("templateOf", () => {
  it("replaces every run of hex digits that holds a digit, and only those", () => {
    expect(templateOf("0x7f3a at 12:30:05 deadbeef face 9 ab12cd")).toBe("#x# at #:#:# deadbeef face # #");
    expect(templateOf("no digits here")).toBe("no digits here");
  });

  it("sameTemplate answers as comparing templates does, over every pair of adjacent corpus lines", () => {
    const dir = join(import.meta.dirname, "..", "..", "bench", "compress", "corpus");
    let pairs = 0;
    for (const f of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
      const c = JSON.parse(readFileSync(join(dir, f), "utf8")) as { stdout: string; stderr: string };
      for (const text of [c.stdout, c.stderr]) {
        const ls = text.split("\n");
        for (let i = 1; i < ls.length; i++, pairs++) expect(sameTemplate(ls[i - 1]!, ls[i]!), `${ls[i - 1]}\n${ls[i]}`).toBe(templateOf(ls[i - 1]!) === templateOf(ls[i]!));
      }
    }
    // Where the first difference sits in a run (x1cp / x1p) the templates can still agree.
    for (const [a, b] of [["x1cp", "x1p"], ["id 1a2 done", "id 3 done"], ["face 1", "fade 1"], ["a@1.0 ok", "b@1.0 ok"]] as const) expect(sameTemplate(a, b)).toBe(templateOf(a) === templateOf(b));
    expect(pairs).toBeGreaterThan(5000);
  });

  it("sameTemplate past differing timestamps and ids: every pair of random lines over a small alphabet", () => {
    // Lines of digits, hex letters, other letters, separators and a literal "#" (which templateOf
    // also yields): runs that begin alike and differ later, as timestamps do.
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = "019afAFx#: -.";
    const line = (): string => Array.from({ length: 1 + random(14) }, () => alphabet[random(alphabet.length)]).join("");
    let same = 0;
    for (let i = 0; i < 20000; i++) {
      const a = line();
      // A third of the pairs share a prefix, so that the first difference falls anywhere; a third
      // differ in their digits only, as a timestamp or a counter does.
      const mode = random(3);
      const b = mode === 0 ? a.slice(0, random(a.length + 1)) + line() : mode === 1 ? a.replace(/\d/g, () => String(random(10))) : line();
      const want = templateOf(a) === templateOf(b);
      expect(sameTemplate(a, b), `${a} | ${b}`).toBe(want);
      if (want) same++;
    }
    expect(same).toBeGreaterThan(500);
    const stamp = (s: string, rest: string): string => `2026-11-30 10:23:${s} ${rest}`;
    expect(sameTemplate(stamp("45", "status installed libc6:amd64 2.36-9"), stamp("46", "status installed libc6:amd64 2.36-10"))).toBe(true);
    expect(sameTemplate(stamp("45", "status installed libc6:amd64"), stamp("46", "status half-configured libc6:amd64"))).toBe(false);
  });
});

describe("expandVariants", () => {
  // What it replaced: one regex with three open groups, which tried every split of a long line.
  const THREE_GROUPS = /^(.*)\{(.+)\}(.*) \((\d+)x\)$/;
  const byRegex = (line: string): string[] => {
    const m = line.endsWith("x)") ? THREE_GROUPS.exec(line) : null;
    if (!m) return [line];
    const more = /^(.*) \(\+(\d+) more\)$/.exec(m[2]!);
    const middles = (more?.[1] ?? m[2]!).split(", ");
    return middles.length + Number(more?.[2] ?? 0) === Number(m[4]) ? middles.map((x) => `${m[1]}${x}${m[3]}`) : [line];
  };

  it("reads back the lines of a variants line as the regex did, over random lines of braces, commas and counts", () => {
    expect(expandVariants("pre{a, b, c}post (3x)")).toEqual(["preapost", "prebpost", "precpost"]);
    expect(expandVariants("x{y}z{a, b (+1 more)}w (3x)")).toEqual(["x{y}zaw", "x{y}zbw"]);
    const alphabet = "{}ab, (x)2+";
    let seed = 11;
    const next = () => {
      seed = (seed * 16807) % 2147483647;
      return seed % alphabet.length;
    };
    for (let i = 0; i < 50_000; i++) {
      let line = "";
      for (let n = 3 + (i % 14); n > 0; n--) line += alphabet[next()];
      line += ` (${1 + (i % 3)}x)`;
      expect(expandVariants(line), line).toEqual(byRegex(line));
    }
  });
});

