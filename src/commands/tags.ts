import { AgentExecError } from "../protocol/errors.js";

// Dot-separated segments of letters, digits and hyphens: "ci", "project.build", "hoge-fuga.v2".
const TAG = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

export function tagProblem(tag: string): string | undefined {
  if (tag.endsWith(".*")) return `tag ${JSON.stringify(tag)}: the ".*" suffix is reserved for list filters`;
  if (!TAG.test(tag)) return `tag ${JSON.stringify(tag)}: use dot-separated segments of letters, digits and hyphens`;
  return undefined;
}

/** Validates and de-duplicates tags, keeping first-seen order. */
export function normalizeTags(tags: readonly string[]): string[] {
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) throw new AgentExecError("usage_error", problem);
  }
  return [...new Set(tags)];
}
