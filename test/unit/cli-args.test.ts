import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { bind, collect, collectTag, count, duration, increase, normalizeWait, port, seconds, waitValue } from "../../src/cli/args.js";

describe("seconds", () => {
  it.each([
    ["0", 0],
    ["2.5", 2.5],
    ["  3 ", 3],
    ["10", 10],
  ])("accepts %j", (input, expected) => {
    expect(seconds(input)).toBe(expected);
  });

  it.each(["", " ", "-1", "abc", "1e999", "1e308", "1e3", "0x10", "+5", "Infinity", "NaN", "-0.5", "3153600001"])("rejects %j", (input) => {
    expect(() => seconds(input)).toThrow(InvalidArgumentError);
  });

  it("accepts up to the 100-year ceiling, e.g. a 30-day timeout", () => {
    expect(seconds("2592000")).toBe(2592000);
    expect(seconds("3153600000")).toBe(3153600000);
  });
});

describe("duration (retention windows)", () => {
  it.each(["30d", "24h", "60m", "3600s", "36500d"])("accepts %j", (input) => {
    expect(duration(input)).toBe(input);
  });

  it.each(["", "30", "1e3d", "-1d", "36501d", "104000000d", "0x10d", "1.5d"])("rejects %j", (input) => {
    expect(() => duration(input)).toThrow(InvalidArgumentError);
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

describe("waitValue (--wait [true|false])", () => {
  it.each([
    ["true", true],
    ["false", false],
    ["FALSE", false],
    ["True", true],
  ])("accepts %j", (input, expected) => {
    expect(waitValue(input)).toBe(expected);
  });

  it.each(["30", "echo", "", "yes", "1", "0"])("rejects %j as a usage error", (input) => {
    expect(() => waitValue(input)).toThrow(InvalidArgumentError);
  });
});

describe("normalizeWait (0.2.31's bare --wait)", () => {
  const takesValue = (flag: string) => ["--until", "--cwd", "--env"].includes(flag);
  it.each([
    // a bare --wait: the next word is the command / the job id, not its value
    [["--wait", "echo", "hi"], true, ["--wait=true", "echo", "hi"]],
    [["--wait", "01JD4ABC"], false, ["--wait=true", "01JD4ABC"]],
    [["--until", "5", "--wait", "echo"], true, ["--until", "5", "--wait=true", "echo"]],
    // the old bool forms and what commander already reads as bare
    [["--wait", "false", "echo"], true, ["--wait", "false", "echo"]],
    [["--wait", "TRUE", "ID"], false, ["--wait", "TRUE", "ID"]],
    [["--wait", "--", "echo"], true, ["--wait", "--", "echo"]],
    [["--wait"], false, ["--wait"]],
    // a mistaken value for run stays a value, which waitValue refuses
    [["--wait", "30", "--", "echo"], true, ["--wait", "30", "--", "echo"]],
    [["--wait", "2.5s", "echo"], true, ["--wait", "2.5s", "echo"]],
    [["--wait", "no", "echo"], true, ["--wait", "no", "echo"]],
    // nothing of the command's own argv, nor a flag's value, is touched
    [["sh", "-c", "x", "--wait", "echo"], true, ["sh", "-c", "x", "--wait", "echo"]],
    [["--cwd", "--wait", "echo"], true, ["--cwd", "--wait", "echo"]],
    [["--", "--wait", "echo"], true, ["--", "--wait", "echo"]],
  ])("%j (run: %s) -> %j", (args, run, expected) => {
    expect(normalizeWait(args, takesValue, run)).toEqual(expected);
  });
});

describe("port and bind", () => {
  it.each([
    ["0", 0],
    ["19263", 19263],
    ["65535", 65535],
  ])("port accepts %j", (input, expected) => {
    expect(port(input)).toBe(expected);
  });

  it.each(["99999", "65536", "-1", "abc", "", "1e3", "0x50", "80.5", "1000000"])("port rejects %j as a usage error", (input) => {
    expect(() => port(input)).toThrow(InvalidArgumentError);
  });

  it("bind rejects a bad port or host as a usage error naming --bind", () => {
    expect(bind("127.0.0.1:8080")).toBe("127.0.0.1:8080");
    expect(() => bind("127.0.0.1:99999")).toThrow(/--bind "127.0.0.1:99999": expected a port number 0-65535/);
    expect(() => bind(":80")).toThrow(InvalidArgumentError);
  });
});
