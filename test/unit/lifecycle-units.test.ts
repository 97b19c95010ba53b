import { describe, expect, it } from "vitest";
import { defaultConfigPath, parseConfig } from "../../src/config.js";
import { parseDuration } from "../../src/commands/duration.js";
import { matchesAllPatterns, tagPatternProblem } from "../../src/commands/tags.js";

describe("parseDuration", () => {
  it.each([
    ["30d", 30 * 86_400_000],
    ["24h", 86_400_000],
    ["60m", 3_600_000],
    ["3600s", 3_600_000],
    ["0s", 0],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["30", "1w", "-1d", "1.5h", "d", "", "1 d", "99999999999999999d"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("tag patterns", () => {
  it.each(["ci", "a.b", "a.*", "a.b.*"])("accepts %j", (p) => expect(tagPatternProblem(p)).toBeUndefined());
  it.each(["*", ".*", "a.**", "a..b", "bad!", ""])("rejects %j", (p) => expect(tagPatternProblem(p)).toBeTypeOf("string"));

  it("exact and prefix matches, all patterns required", () => {
    expect(matchesAllPatterns(["project.build"], ["project.*"])).toBe(true);
    expect(matchesAllPatterns(["project"], ["project.*"])).toBe(true);
    expect(matchesAllPatterns(["projects"], ["project.*"])).toBe(false);
    expect(matchesAllPatterns(["project.build"], ["project"])).toBe(false);
    expect(matchesAllPatterns(["a", "b"], ["a", "b"])).toBe(true);
    expect(matchesAllPatterns(["a"], ["a", "b"])).toBe(false);
    expect(matchesAllPatterns([], [])).toBe(true);
  });
});

describe("parseConfig", () => {
  it("reads [shell] and [gc]", () => {
    const config = parseConfig(
      '[shell]\nunix = ["bash", "-lc"]\nwindows = ["pwsh", "-Command"]\n[gc]\nauto = false\nolder_than = "7d"\nmax_jobs = 5\nmax_bytes = 1000\nscan_limit = 10\ndelete_limit = 2\n',
      "c.toml",
    );
    expect(config).toEqual({
      shell: { unix: ["bash", "-lc"], windows: ["pwsh", "-Command"] },
      gc: { auto: false, older_than: "7d", max_jobs: 5, max_bytes: 1000, scan_limit: 10, delete_limit: 2 },
    });
  });

  it("an empty file means built-in defaults", () => {
    expect(parseConfig("", "c.toml")).toEqual({ shell: { unix: undefined, windows: undefined }, gc: {
      auto: undefined, older_than: undefined, max_jobs: undefined, max_bytes: undefined, scan_limit: undefined, delete_limit: undefined,
    } });
  });

  it.each([
    ["x = [", "not valid TOML"],
    ['[shell]\nunix = ["sh", 1]', "shell.unix"],
    ['[shell]\nunix = [""]', "shell.unix"],
    ["[gc]\nmax_jobs = -1", "gc.max_jobs"],
    ["[gc]\nmax_bytes = 1.5", "gc.max_bytes"],
    ["[gc]\nolder_than = 30", "gc.older_than"],
    ["gc = 1", "[gc] must be a table"],
  ])("rejects %j as config_error naming the file", (text, what) => {
    expect(() => parseConfig(text, "/x/c.toml")).toThrow(expect.objectContaining({ code: "config_error", message: expect.stringContaining("/x/c.toml") }));
    expect(() => parseConfig(text, "/x/c.toml")).toThrow(what);
  });

  it("default path: $XDG_CONFIG_HOME, else ~/.config", () => {
    if (process.platform === "win32") return;
    expect(defaultConfigPath({ XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/agent-exec/config.toml");
    expect(defaultConfigPath({})).toMatch(/\.config\/agent-exec\/config\.toml$/);
  });
});
