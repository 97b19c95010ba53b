import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { lineMatcher, updateNotification, type NotificationConfig, type OutputMatchConfig } from "../../src/notify/config.js";
import { MAX_REGEX_PROGRAM_SIZE } from "../../src/notify/line-regex.js";
import { caught } from "../helpers/errors.js";

const FULL: NotificationConfig = {
  notify_command: "notify-send done",
  notify_file: "/var/events/done.ndjson",
  on_output_match: { pattern: "ERROR", match_type: "regex", stream: "stderr", command: "page-me", file: "/var/events/matches.ndjson" },
};

describe("updateNotification: completion sinks", () => {
  it("nothing given and nothing stored is no block at all", () => {
    expect(updateNotification(undefined, {})).toBeUndefined();
    expect(updateNotification(undefined, { notifyCommand: undefined, outputPattern: undefined })).toBeUndefined();
  });

  it("nothing given keeps what is stored, as it is", () => {
    expect(updateNotification(FULL, {})).toEqual(FULL);
    const handEdited = { notify_file: "relative/events.ndjson" };
    expect(updateNotification(handEdited, { notifyCommand: "x" })).toEqual({ notify_command: "x", notify_file: "relative/events.ndjson" });
  });

  it("a given command replaces the stored one and keeps notify_file", () => {
    expect(updateNotification(FULL, { notifyCommand: "cat >/dev/null" })).toEqual({ ...FULL, notify_command: "cat >/dev/null" });
  });

  it("an empty string removes that sink only", () => {
    const { notify_command: _c, ...withoutCommand } = FULL;
    expect(updateNotification(FULL, { notifyCommand: "" })).toEqual(withoutCommand);
    const { notify_file: _f, ...withoutFile } = FULL;
    expect(updateNotification(FULL, { notifyFile: "" })).toEqual(withoutFile);
  });

  it("removing the last sink leaves no block, and no keys with undefined values", () => {
    expect(updateNotification({ notify_command: "x" }, { notifyCommand: "" })).toBeUndefined();
    expect(updateNotification(undefined, { notifyCommand: "" })).toBeUndefined();
    const result = updateNotification({ notify_command: "x", notify_file: "/f" }, { notifyCommand: "" })!;
    expect(Object.keys(result)).toEqual(["notify_file"]);
    const matchOnly = updateNotification(undefined, { outputPattern: "P" })!;
    expect(Object.keys(matchOnly)).toEqual(["on_output_match"]);
    expect(Object.keys(matchOnly.on_output_match!).sort()).toEqual(["match_type", "pattern", "stream"]);
  });

  it("files are made absolute against the current directory; absolute ones are kept", () => {
    expect(updateNotification(undefined, { notifyFile: "out/events.ndjson" })).toEqual({ notify_file: resolve("out/events.ndjson") });
    expect(updateNotification(undefined, { notifyFile: "/abs/../abs/e.ndjson" })).toEqual({ notify_file: "/abs/e.ndjson" });
    expect(updateNotification(undefined, { outputPattern: "P", outputFile: "m.ndjson" })!.on_output_match!.file).toBe(resolve("m.ndjson"));
  });

  it("does not change the stored object", () => {
    const stored = structuredClone(FULL);
    updateNotification(stored, { notifyCommand: "", outputPattern: "NEW", outputCommand: "", outputStream: "stdout" });
    expect(stored).toEqual(FULL);
  });
});

describe("updateNotification: output match", () => {
  it("a pattern alone gets contains / either and no sinks", () => {
    expect(updateNotification(undefined, { outputPattern: "ERROR" })).toEqual({
      on_output_match: { pattern: "ERROR", match_type: "contains", stream: "either" },
    });
  });

  it("every option given is stored", () => {
    const result = updateNotification(undefined, {
      outputPattern: "^E",
      outputMatchType: "regex",
      outputStream: "stdout",
      outputCommand: "cmd",
      outputFile: "/m.ndjson",
    });
    expect(result).toEqual({ on_output_match: { pattern: "^E", match_type: "regex", stream: "stdout", command: "cmd", file: "/m.ndjson" } });
  });

  it("options without a pattern update the stored block and keep the rest of it", () => {
    const { on_output_match: stored } = FULL;
    expect(updateNotification(FULL, { outputStream: "either" })!.on_output_match).toEqual({ ...stored, stream: "either" });
    expect(updateNotification(FULL, { outputMatchType: "contains" })!.on_output_match).toEqual({ ...stored, match_type: "contains" });
    expect(updateNotification(FULL, { outputPattern: "WARN" })!.on_output_match).toEqual({ ...stored, pattern: "WARN" });
    expect(updateNotification(FULL, { outputCommand: "other" })!.on_output_match).toEqual({ ...stored, command: "other" });
    // The completion sinks are untouched by output options.
    expect(updateNotification(FULL, { outputCommand: "other" })).toMatchObject({ notify_command: FULL.notify_command, notify_file: FULL.notify_file });
  });

  it("an empty output command or file removes that sink of the block", () => {
    const { command: _c, ...noCommand } = FULL.on_output_match!;
    expect(updateNotification(FULL, { outputCommand: "" })!.on_output_match).toEqual(noCommand);
    const { file: _f, ...noFile } = FULL.on_output_match!;
    expect(updateNotification(FULL, { outputFile: "" })!.on_output_match).toEqual(noFile);
  });

  it("an empty pattern removes the whole block, whatever else is given", () => {
    const { on_output_match: _m, ...rest } = FULL;
    expect(updateNotification(FULL, { outputPattern: "" })).toEqual(rest);
    expect(updateNotification(FULL, { outputPattern: "", outputCommand: "x", outputStream: "stdout" })).toEqual(rest);
    expect(updateNotification({ on_output_match: FULL.on_output_match! }, { outputPattern: "" })).toBeUndefined();
    expect(updateNotification(undefined, { outputPattern: "" })).toBeUndefined();
  });

  it("options without any pattern (none given, none stored) are invalid_argument", () => {
    for (const options of [{ outputCommand: "x" }, { outputFile: "/f" }, { outputStream: "stdout" }, { outputMatchType: "regex" }]) {
      expect(caught(() => updateNotification(undefined, options)).code).toBe("invalid_argument");
      expect(caught(() => updateNotification({ notify_command: "c" }, options)).code).toBe("invalid_argument");
    }
  });

  it("an unknown match type or stream is invalid_argument naming the choices", () => {
    const type = caught(() => updateNotification(undefined, { outputPattern: "P", outputMatchType: "glob" }));
    expect(type.code).toBe("invalid_argument");
    expect(type.message).toContain("contains, regex");
    const stream = caught(() => updateNotification(FULL, { outputStream: "both" }));
    expect(stream.code).toBe("invalid_argument");
    expect(stream.message).toContain("stdout, stderr, either");
  });

  it("a regex that does not compile is refused when set, also when only the type changes", () => {
    const error = caught(() => updateNotification(undefined, { outputPattern: "(", outputMatchType: "regex" }));
    expect(error.code).toBe("invalid_argument");
    expect(error.details).toEqual({ pattern: "(" });
    const stored: NotificationConfig = { on_output_match: { pattern: "a[", match_type: "contains", stream: "either" } };
    expect(caught(() => updateNotification(stored, { outputMatchType: "regex" })).code).toBe("invalid_argument");
    // The same text is a fine substring.
    expect(updateNotification(undefined, { outputPattern: "(" })!.on_output_match!.pattern).toBe("(");
    // A stored regex that stays valid is re-checked and accepted.
    expect(updateNotification(FULL, { outputStream: "stdout" })!.on_output_match!.match_type).toBe("regex");
  });
});

describe("lineMatcher", () => {
  const config = (pattern: string, match_type: OutputMatchConfig["match_type"]): OutputMatchConfig => ({ pattern, match_type, stream: "either" });

  it("contains: a case-sensitive substring, with no special characters", () => {
    const test = lineMatcher(config("a.b(", "contains"));
    expect(test("xx a.b( yy")).toBe(true);
    expect(test("a.b(")).toBe(true);
    expect(test("axb(")).toBe(false);
    expect(test("A.B(")).toBe(false);
    expect(test("")).toBe(false);
  });

  it("regex: RE2 syntax, anchored only when the pattern says so", () => {
    const test = lineMatcher(config("^ERR\\d+$", "regex"));
    expect(test("ERR123")).toBe(true);
    expect(test("xERR123")).toBe(false);
    expect(test("ERR12a")).toBe(false);
    const anywhere = lineMatcher(config("fail(ed|ure)", "regex"));
    expect(anywhere("build failed at step 3")).toBe(true);
    expect(anywhere("failing")).toBe(false);
  });

  it("regex: the same line matches every time it is tested (no state between lines)", () => {
    const test = lineMatcher(config("MATCH", "regex"));
    expect([test("MATCH"), test("MATCH"), test("x MATCH"), test("MATCH")]).toEqual([true, true, true, true]);
  });

  it("regex: an empty line can match", () => {
    expect(lineMatcher(config("^$", "regex"))("")).toBe(true);
  });

  it("regex: RE2's own syntax works (named groups, inline flags, Unicode classes)", () => {
    expect(lineMatcher(config("(?P<code>E[0-9]+)", "regex"))("at E42")).toBe(true);
    expect(lineMatcher(config("(?i)error", "regex"))("ERROR")).toBe(true);
    expect(lineMatcher(config("^\\p{Lu}+$", "regex"))("ÉTÉ")).toBe(true);
  });

  it("regex: what a linear-time engine cannot do (backreferences, lookaround) is refused with the engine's reason", () => {
    for (const [pattern, reason] of [
      ["(a)\\1", "invalid escape sequence: `\\1`"],
      ["x(?=y)", "unsupported Perl syntax: `(?=`"],
      ["x(?!y)", "unsupported Perl syntax: `(?!`"],
    ]) {
      const error = caught(() => lineMatcher(config(pattern!, "regex")));
      expect(error.code).toBe("invalid_argument");
      expect(error.message).toContain(JSON.stringify(pattern));
      expect(error.message).toContain("RE2 syntax: no backreferences or lookaround");
      expect(error.message).toContain(reason);
    }
  });

  it("regex: a pattern that compiles to too large a program is refused (the cost per line stays bounded)", () => {
    const error = caught(() => lineMatcher(config("[a-z]{1000}", "regex")));
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(new RegExp(`compiles to \\d+ instructions, at most ${MAX_REGEX_PROGRAM_SIZE}`));
    expect(lineMatcher(config("[a-z]{450}", "regex"))("a".repeat(450))).toBe(true);
  });

  it("an invalid regex throws invalid_argument with the pattern", () => {
    const error = caught(() => lineMatcher(config("*oops", "regex")));
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain("*oops");
    expect(error.details).toEqual({ pattern: "*oops" });
  });
});
