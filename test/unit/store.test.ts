import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../helpers/errors.js";
import { readJsonFile, writeJsonAtomic } from "../../src/store/atomic.js";
import { JobDir, listJobDirs, LOG_FILES } from "../../src/store/job-dir.js";
import { newJobId, STORED_ID, validateUserJobId } from "../../src/store/job-id.js";
import { resolveRoot } from "../../src/store/root.js";
import type { JobState } from "../../src/store/types.js";
import { fakeMeta } from "../helpers/records.js";

function fakeState(id: string): JobState {
  return {
    job: { id, status: "created", started_at: null },
    result: { exit_code: null, signal: null, duration_ms: null },
    updated_at: "2025-01-01T00:00:00.000Z",
  };
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "agent-exec-unit-store-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("resolveRoot", () => {
  const env = { AGENT_EXEC_ROOT: "/from/agent-exec-root", XDG_DATA_HOME: "/from/xdg" };

  it("prefers the --root flag over everything", () => {
    expect(resolveRoot("/flag/root", env)).toBe("/flag/root");
  });

  it("resolves a relative flag against the current directory", () => {
    expect(resolveRoot("rel/root", env)).toBe(resolve(process.cwd(), "rel/root"));
  });

  it("uses AGENT_EXEC_ROOT when there is no flag", () => {
    expect(resolveRoot(undefined, env)).toBe("/from/agent-exec-root");
  });

  it("treats an empty flag as absent", () => {
    expect(resolveRoot("", env)).toBe("/from/agent-exec-root");
  });

  it("uses $XDG_DATA_HOME/agent-exec/jobs when AGENT_EXEC_ROOT is unset or empty", () => {
    expect(resolveRoot(undefined, { XDG_DATA_HOME: "/from/xdg" })).toBe("/from/xdg/agent-exec/jobs");
    expect(resolveRoot(undefined, { AGENT_EXEC_ROOT: "", XDG_DATA_HOME: "/from/xdg" })).toBe("/from/xdg/agent-exec/jobs");
  });

  it("falls back to the platform default", () => {
    const expected =
      process.platform === "darwin"
        ? join(homedir(), "Library", "Application Support", "agent-exec", "jobs")
        : process.platform === "win32"
          ? join(process.env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "agent-exec", "jobs")
          : join(homedir(), ".local", "share", "agent-exec", "jobs");
    expect(resolveRoot(undefined, {})).toBe(expected);
    expect(resolveRoot(undefined, { XDG_DATA_HOME: "" })).toBe(expected);
  });

  it("does not read process.env when an env object is given", () => {
    const saved = process.env.AGENT_EXEC_ROOT;
    process.env.AGENT_EXEC_ROOT = "/from/process/env";
    try {
      expect(resolveRoot(undefined, { XDG_DATA_HOME: "/from/xdg" })).toBe("/from/xdg/agent-exec/jobs");
    } finally {
      if (saved === undefined) delete process.env.AGENT_EXEC_ROOT;
      else process.env.AGENT_EXEC_ROOT = saved;
    }
  });
});

describe("validateUserJobId", () => {
  const id = newJobId();

  it("generates stored ids that are upper-case ULIDs", () => {
    expect(id).toMatch(STORED_ID);
    expect(newJobId()).not.toBe(id);
  });

  it.each([
    ["full id", id],
    ["full id, lower case", id.toLowerCase()],
    ["prefix", id.slice(0, 10)],
    ["prefix, mixed case", "01hAbC"],
    ["one character", "0"],
    ["v0.2.3 id (32 hex)", "0123456789abcdef0123456789abcdef"],
    ["well-formed id of no job", "NONEXISTENT_JOB-ID"],
  ])("accepts a %s as it is", (_label, input) => {
    expect(validateUserJobId(input)).toBe(input);
  });

  it.each(["..", "../x", "/etc", "a/b", "a\\b", "", ".", "a.b", "a b", "a\0b", "%2e%2e", "x".repeat(65)])(
    "rejects %j with invalid_job_id",
    (input) => {
      const error = caught(() => validateUserJobId(input));
      expect(error.code).toBe("invalid_job_id");
      expect(error.retryable).toBe(false);
    },
  );
});

describe("JobDir.create", () => {
  it("writes meta.json, state.json and empty logs", () => {
    const id = newJobId();
    const nested = join(root, "not", "yet", "there");
    const dir = JobDir.create(nested, fakeMeta(id, nested), fakeState(id));
    expect(dir.path).toBe(join(nested, id));
    expect(readdirSync(dir.path).sort()).toEqual(["full.log", "meta.json", "state.json", "stderr.log", "stdout.log"]);
    for (const name of LOG_FILES) expect(readFileSync(dir.file(name), "utf8")).toBe("");
    expect(JSON.parse(readFileSync(dir.file("meta.json"), "utf8"))).toEqual(fakeMeta(id, nested));
    expect(dir.readMeta()).toEqual(fakeMeta(id, nested));
    expect(dir.readState()).toEqual(fakeState(id));
    expect(dir.stdoutPath).toBe(join(dir.path, "stdout.log"));
    expect(dir.stderrPath).toBe(join(dir.path, "stderr.log"));
  });

  it("never reuses an existing id (io_error)", () => {
    const id = newJobId();
    JobDir.create(root, fakeMeta(id, root), fakeState(id));
    const error = caught(() => JobDir.create(root, fakeMeta(id, root), fakeState(id)));
    expect(error.code).toBe("io_error");
    expect(error.retryable).toBe(true);
  });
});

describe("JobDir.updateMeta", () => {
  const DIST_JOB_DIR = resolve(import.meta.dirname, "../../dist/store/job-dir.js");

  it("serializes read-modify-writes from concurrent processes: none is lost", async () => {
    const id = newJobId();
    JobDir.create(root, fakeMeta(id, root), fakeState(id));
    // Each process appends its own tags one change at a time; without the lock, a change made from
    // a stale read drops the others' tags. Processes, not workers: the lock is per process.
    const writer = resolve(import.meta.dirname, "../fixtures/update-meta-writer.mjs");
    const writers = ["a", "b", "c", "d"].map(
      (name) =>
        new Promise<number | null>((done) =>
          spawn(process.execPath, [writer, pathToFileURL(DIST_JOB_DIR).href, root, id, name], { stdio: "inherit" }).once("exit", done),
        ),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const tags = new JobDir(root, id).readMeta().tags;
    expect(tags).toHaveLength(100);
    expect(new Set(tags).size).toBe(100);
    expect(existsSync(join(root, id, "meta.lock"))).toBe(false);
  });

  it("takes over a lock whose holder died; a live holder makes it wait, then fail as invalid_state", () => {
    const id = newJobId();
    const dir = JobDir.create(root, fakeMeta(id, root), fakeState(id));
    writeFileSync(dir.file("meta.lock"), "999999999");
    expect(dir.updateMeta((meta) => ({ ...meta, tags: ["x"] })).tags).toEqual(["x"]);
    writeFileSync(dir.file("meta.lock"), String(process.ppid)); // a live process that is not us
    const error = caught(() => dir.updateMeta((meta) => ({ ...meta, tags: ["y"] })));
    expect(error.code).toBe("invalid_state");
    expect(error.retryable).toBe(true);
    expect(dir.readMeta().tags).toEqual(["x"]);
  });
});

describe("JobDir.open", () => {
  // 25 ULID-shaped ids sharing the prefix "01HAAAAAAAAAAAAAAAAAAAAA" (24 chars), then 2 varying characters.
  const SHARED = "01HAAAAAAAAAAAAAAAAAAAAA";
  const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const manyIds = Array.from({ length: 25 }, (_, i) => SHARED + ALPHABET[Math.floor(i / 5)]! + ALPHABET[i % 5]!);

  function makeDirs(ids: string[]): void {
    for (const id of ids) mkdirSync(join(root, id), { recursive: true });
  }

  it("opens a full id", () => {
    const id = newJobId();
    JobDir.create(root, fakeMeta(id, root), fakeState(id));
    const dir = JobDir.open(root, id);
    expect(dir.id).toBe(id);
    expect(dir.root).toBe(root);
  });

  it("opens a full id given in lower case", () => {
    const id = newJobId();
    JobDir.create(root, fakeMeta(id, root), fakeState(id));
    expect(JobDir.open(root, id.toLowerCase()).id).toBe(id);
  });

  it("opens an unambiguous prefix, in any case", () => {
    makeDirs(["01HB0000000000000000000000", "01HC0000000000000000000000"]);
    expect(JobDir.open(root, "01HB").id).toBe("01HB0000000000000000000000");
    expect(JobDir.open(root, "01hc").id).toBe("01HC0000000000000000000000");
  });

  it("ignores entries that are not ULID-named directories", () => {
    makeDirs(["01HB0000000000000000000000", "01hb0000000000000000000001", "01HB-notes"]);
    writeFileSync(join(root, "01HB0000000000000000000002"), "a file, not a job");
    expect(JobDir.open(root, "01HB").id).toBe("01HB0000000000000000000000");
    expect(listJobDirs(root).sort()).toEqual(["01HB-notes", "01HB0000000000000000000000", "01hb0000000000000000000001"]);
  });

  it("reports job_not_found for an unknown id or prefix", () => {
    makeDirs(["01HB0000000000000000000000"]);
    for (const id of ["01HC", "01HB0000000000000000000001"]) {
      const error = caught(() => JobDir.open(root, id));
      expect(error.code).toBe("job_not_found");
      expect(error.details).toEqual({ root });
    }
  });

  it("reports job_not_found when the root does not exist", () => {
    expect(caught(() => JobDir.open(join(root, "missing"), "01HB")).code).toBe("job_not_found");
  });

  it("rejects path-like ids before touching the file system", () => {
    for (const id of ["..", "../x", "/etc", "a/b", ""]) {
      expect(caught(() => JobDir.open(root, id)).code).toBe("invalid_job_id");
    }
  });

  it("reports ambiguous_job_id with all candidates when there are few", () => {
    const ids = manyIds.slice(0, 3);
    makeDirs(ids);
    const error = caught(() => JobDir.open(root, SHARED.toLowerCase()));
    expect(error.code).toBe("ambiguous_job_id");
    expect(error.message).toContain("3 jobs");
    expect(error.details).toEqual({ candidates: [...ids].sort(), truncated: false });
  });

  it("truncates the candidates to 20, sorted, and says so", () => {
    makeDirs([...manyIds].reverse());
    const error = caught(() => JobDir.open(root, SHARED.slice(0, 20)));
    expect(error.code).toBe("ambiguous_job_id");
    expect(error.message).toContain("25 jobs");
    const details = error.details as { candidates: string[]; truncated: boolean };
    expect(details.truncated).toBe(true);
    expect(details.candidates).toHaveLength(20);
    expect(details.candidates).toEqual([...manyIds].sort().slice(0, 20));
  });

  it("resolves once the prefix is long enough", () => {
    makeDirs(manyIds);
    expect(JobDir.open(root, manyIds[7]!.toLowerCase()).id).toBe(manyIds[7]);
  });
});

describe("readState / readMeta on damaged files", () => {
  let dir: JobDir;
  beforeEach(() => {
    const id = newJobId();
    dir = JobDir.create(root, fakeMeta(id, root), fakeState(id));
  });

  const damaged: [string, string][] = [
    ["empty", ""],
    ["whitespace only", "  \n"],
    ["invalid JSON", "{\"job\": "],
    ["null", "null"],
    ["an array", "[]"],
    ["a number", "42"],
    ["an empty object", "{}"],
  ];

  it.each(damaged)("state.json %s → corrupt_job", (_label, content) => {
    writeFileSync(dir.file("state.json"), content);
    const error = caught(() => dir.readState());
    expect(error.code).toBe("corrupt_job");
    expect(error.retryable).toBe(false);
  });

  it.each(damaged)("meta.json %s → corrupt_job", (_label, content) => {
    writeFileSync(dir.file("meta.json"), content);
    expect(caught(() => dir.readMeta()).code).toBe("corrupt_job");
  });

  it.each([
    ["an unknown status", { job: { id: "x", status: "sleeping" }, result: {} }],
    ["no result", { job: { id: "x", status: "running" } }],
    ["a result that is not an object", { job: { id: "x", status: "running" }, result: [] }],
    ["job that is a string", { job: "running", result: {} }],
  ])("state.json with %s → corrupt_job", (_label, value) => {
    writeFileSync(dir.file("state.json"), JSON.stringify(value));
    expect(caught(() => dir.readState()).code).toBe("corrupt_job");
  });

  it.each([
    ["no command", { created_at: "2025-01-01T00:00:00.000Z" }],
    ["a string command", { command: "echo hi", created_at: "2025-01-01T00:00:00.000Z" }],
    ["no created_at", { command: ["echo"] }],
  ])("meta.json with %s → corrupt_job", (_label, value) => {
    writeFileSync(dir.file("meta.json"), JSON.stringify(value));
    expect(caught(() => dir.readMeta()).code).toBe("corrupt_job");
  });

  it("a missing state.json or meta.json → corrupt_job", () => {
    rmSync(dir.file("state.json"));
    rmSync(dir.file("meta.json"));
    const state = caught(() => dir.readState());
    expect(state.code).toBe("corrupt_job");
    expect(state.message).toContain("state.json is missing");
    expect(caught(() => dir.readMeta()).code).toBe("corrupt_job");
  });

  it("readJsonFile: missing → undefined, empty and invalid → corrupt_job with a message saying which", () => {
    expect(readJsonFile(join(root, "nope.json"))).toBeUndefined();
    writeFileSync(join(root, "empty.json"), "");
    expect(caught(() => readJsonFile(join(root, "empty.json"))).message).toContain("is empty");
    writeFileSync(join(root, "bad.json"), "{");
    expect(caught(() => readJsonFile(join(root, "bad.json"))).message).toContain("is not valid JSON");
  });

  it("readJsonFile on a directory or through a symlink → unsafe_job_file", () => {
    expect(caught(() => readJsonFile(root)).code).toBe("unsafe_job_file");
    writeFileSync(join(root, "real.json"), "{}");
    symlinkSync(join(root, "real.json"), join(root, "link.json"));
    expect(caught(() => readJsonFile(join(root, "link.json"))).message).toContain("is a symbolic link");
  });
});

describe("writeJsonAtomic", () => {
  function bigState(i: number): JobState & { padding: string[] } {
    return {
      job: { id: "01HAAAAAAAAAAAAAAAAAAAAAAA", status: "running", started_at: "2025-01-01T00:00:00.000Z" },
      result: { exit_code: null, signal: null, duration_ms: i },
      updated_at: new Date(1_700_000_000_000 + i).toISOString(),
      // ~300 KB: far more than one write(2) or one page, so a torn read would show.
      padding: Array.from({ length: 3000 }, (_, k) => `${i}-${k}-${"x".repeat(90)}`),
    };
  }

  it("writes pretty JSON with a trailing newline", () => {
    const path = join(root, "value.json");
    writeJsonAtomic(path, { a: 1, b: [true] });
    expect(readFileSync(path, "utf8")).toBe('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  it("into a missing directory → io_error naming the path", () => {
    const path = join(root, "missing", "state.json");
    const error = caught(() => writeJsonAtomic(path, {}));
    expect(error.code).toBe("io_error");
    expect(error.message).toContain(path);
  });

  it("200 writes of a large state leave no temp files, and reads in between always parse", () => {
    const path = join(root, "state.json");
    for (let i = 0; i < 200; i++) {
      writeJsonAtomic(path, bigState(i));
      const read = readJsonFile(path) as ReturnType<typeof bigState>;
      expect(read.result.duration_ms).toBe(i);
      expect(read.padding).toHaveLength(3000);
    }
    expect(readdirSync(root)).toEqual(["state.json"]);
  });

  it("a reader in another thread never sees partial JSON while 200 large states are written", async () => {
    const path = join(root, "state.json");
    writeJsonAtomic(path, bigState(0));
    const stop = join(root, "stop");
    // The reader runs on its own thread, truly concurrently with the synchronous writes below.
    const reader = new Worker(
      `
      const { readFileSync, existsSync } = require("node:fs");
      const { parentPort, workerData } = require("node:worker_threads");
      let reads = 0, bad = 0, firstBad = "";
      const seen = new Set();
      while (!existsSync(workerData.stop)) {
        const raw = readFileSync(workerData.path, "utf8");
        reads++;
        try {
          const value = JSON.parse(raw);
          if (value.padding.length !== 3000) throw new Error("short padding");
          seen.add(value.result.duration_ms);
        } catch (error) {
          bad++;
          if (!firstBad) firstBad = String(error) + " (" + raw.length + " chars)";
        }
      }
      parentPort.postMessage({ reads, bad, firstBad, distinct: seen.size });
      `,
      { eval: true, workerData: { path, stop } },
    );
    const result = new Promise<{ reads: number; bad: number; firstBad: string; distinct: number }>((done, fail) => {
      reader.once("message", done);
      reader.once("error", fail);
    });
    try {
      for (let i = 1; i <= 200; i++) writeJsonAtomic(path, bigState(i));
    } finally {
      writeFileSync(stop, "");
    }
    const { reads, bad, firstBad, distinct } = await result;
    await reader.terminate();
    expect(bad, firstBad).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(distinct).toBeGreaterThan(1); // the reader did overlap with the writes
    rmSync(stop);
    expect(readdirSync(root)).toEqual(["state.json"]);
    expect((readJsonFile(path) as ReturnType<typeof bigState>).result.duration_ms).toBe(200);
  });
});
