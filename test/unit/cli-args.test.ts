import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { collect, collectTag, count, increase, normalizeWaitFlag, seconds } from "../../src/cli-args.js";

// The value-taking options of `run`, as cli.ts derives them from the command definition.
const RUN_VALUE_FLAGS = new Set([
  "--root",
  "--timeout",
  "--kill-after",
  "--cwd",
  "--env",
  "--env-file",
  "--mask",
  "--log",
  "--progress-every",
  "--tag",
  "--shell-wrapper",
  "--until",
  "--max-bytes",
]);

const norm = (line: string, flags: ReadonlySet<string> = RUN_VALUE_FLAGS) => normalizeWaitFlag(line.split(" "), flags).join(" ");

describe("seconds", () => {
  it.each([
    ["0", 0],
    ["2.5", 2.5],
    ["  3 ", 3],
    ["10", 10],
  ])("accepts %j", (input, expected) => {
    expect(seconds(input)).toBe(expected);
  });

  it.each(["", " ", "-1", "abc", "1e999", "Infinity", "NaN", "-0.5"])("rejects %j", (input) => {
    expect(() => seconds(input)).toThrow(InvalidArgumentError);
  });
});

describe("count", () => {
  it.each([
    ["0", 0],
    ["65536", 65536],
    [" 7 ", 7],
  ])("accepts %j", (input, expected) => {
    expect(count(input)).toBe(expected);
  });

  it.each(["", " ", "-1", "abc", "1e999", "1e3", "1.5", "0x10", "+1", "99999999999999999999"])("rejects %j", (input) => {
    expect(() => count(input)).toThrow(InvalidArgumentError);
  });
});

describe("small parsers", () => {
  it("collect appends", () => {
    expect(collect("b", ["a"])).toEqual(["a", "b"]);
    expect(collect("a")).toEqual(["a"]);
  });

  it("collectTag appends valid tags and rejects bad ones as usage errors", () => {
    expect(collectTag("ci", ["x"])).toEqual(["x", "ci"]);
    expect(() => collectTag("bad tag!")).toThrow(InvalidArgumentError);
    expect(() => collectTag("x.*")).toThrow(/reserved/);
  });

  it("increase counts -v", () => {
    expect(increase("", increase("", 0))).toBe(2);
  });
});

describe("normalizeWaitFlag", () => {
  it.each([
    ["run --wait false -- x", "run --no-wait -- x"],
    ["run --wait FALSE -- x", "run --no-wait -- x"],
    ["run --wait true x", "run --wait x"],
    ["run --wait=false x", "run --no-wait x"],
    ["run --wait=true x", "run --wait x"],
    ["run --wait=False -- x", "run --no-wait -- x"],
    ["start --wait false -- x", "start --no-wait -- x"],
    ["run --tag ci --wait false --until 5 -- x", "run --tag ci --no-wait --until 5 -- x"],
    ["run --tag=ci --wait false -- x", "run --tag=ci --no-wait -- x"],
  ])("%s → %s", (input, expected) => {
    expect(norm(input)).toBe(expected);
  });

  it.each([
    "run --wait echo hi",
    "run --wait -- false",
    "run --wait",
    "run --wait --until 5 x",
    "run --no-wait false",
    "run echo --wait false",
    "run echo --wait=false",
    "run -- --wait false",
    "run -- x --wait=true",
    "run --until 5 echo --wait false",
    "status --wait false",
    "wait --wait false",
    "list",
    "",
  ])("leaves %j alone", (input) => {
    expect(norm(input)).toBe(input);
  });

  it("skips the value of a value-taking flag, even when it looks like --wait", () => {
    // `--cwd --wait`: "--wait" is the directory, so "false" is the workload.
    expect(norm("run --cwd --wait false x")).toBe("run --cwd --wait false x");
    expect(norm("run --env --wait=false false")).toBe("run --env --wait=false false");
    // Without --cwd in the value-flag set, the same words read as a flag followed by --wait false.
    expect(norm("run --cwd --wait false x", new Set())).toBe("run --cwd --no-wait x");
  });

  it("skips a value that does not start with a dash, so it is not taken for the workload", () => {
    expect(norm("run --cwd /tmp --wait false -- x")).toBe("run --cwd /tmp --no-wait -- x");
    // With no value flags known, /tmp would end the options and nothing after it is touched.
    expect(norm("run --cwd /tmp --wait false -- x", new Set())).toBe("run --cwd /tmp --wait false -- x");
  });

  it("handles program flags before the subcommand", () => {
    expect(norm("--root /r --yaml run --wait false x")).toBe("--root /r --yaml run --no-wait x");
    expect(norm("--root=/r -v run --wait=true x")).toBe("--root=/r -v run --wait x");
    expect(norm("-v -v --yaml start --wait false -- x")).toBe("-v -v --yaml start --no-wait -- x");
    // The --root value is skipped even when it is literally "run".
    expect(norm("--root run status --wait false")).toBe("--root run status --wait false");
  });

  it("does not mutate its input", () => {
    const args = ["run", "--wait", "false", "--", "x"];
    normalizeWaitFlag(args, RUN_VALUE_FLAGS);
    expect(args).toEqual(["run", "--wait", "false", "--", "x"]);
  });

  it("keeps arguments with spaces intact", () => {
    expect(normalizeWaitFlag(["run", "--wait", "false", "--", "sh", "-c", "echo --wait false"], RUN_VALUE_FLAGS)).toEqual([
      "run",
      "--no-wait",
      "--",
      "sh",
      "-c",
      "echo --wait false",
    ]);
  });
});
