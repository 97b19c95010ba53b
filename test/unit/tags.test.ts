import { describe, expect, it } from "vitest";
import { normalizeTags, tagProblem } from "../../src/commands/tags.js";
import { isAgentExecError } from "../../src/protocol/errors.js";

describe("normalizeTags", () => {
  it("de-duplicates, keeping first-seen order", () => {
    expect(normalizeTags(["b", "a", "b", "c", "a"])).toEqual(["b", "a", "c"]);
    expect(normalizeTags([])).toEqual([]);
  });

  it("is case-sensitive", () => {
    expect(normalizeTags(["CI", "ci"])).toEqual(["CI", "ci"]);
  });

  it.each(["ci", "project.build", "hoge-fuga.v2", "a.b.c", "-", "1"])("accepts %j", (tag) => {
    expect(normalizeTags([tag])).toEqual([tag]);
    expect(tagProblem(tag)).toBeUndefined();
  });

  it.each(["bad tag!", "x.*", "", "a..b", ".a", "a.", "a b", "a/b", "é", "a_b", "*"])("rejects %j as usage_error", (tag) => {
    let thrown: unknown;
    try {
      normalizeTags(["ok", tag]);
    } catch (error) {
      thrown = error;
    }
    expect(isAgentExecError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe("usage_error");
    expect(tagProblem(tag)).toBeTypeOf("string");
  });

  it("explains that .* is reserved", () => {
    expect(tagProblem("x.*")).toMatch(/reserved/);
  });
});
