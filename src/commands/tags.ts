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

/** A list filter: an exact tag, or `prefix.*` for the prefix itself and every tag below it. */
export function tagPatternProblem(pattern: string): string | undefined {
  const prefix = pattern.endsWith(".*") ? pattern.slice(0, -2) : pattern;
  const problem = tagProblem(prefix);
  return problem?.replace(JSON.stringify(prefix), JSON.stringify(pattern));
}

/** True when every pattern matches at least one of the job's tags. */
export function matchesAllPatterns(tags: readonly string[], patterns: readonly string[]): boolean {
  return patterns.every((pattern) => {
    if (!pattern.endsWith(".*")) return tags.includes(pattern);
    const prefix = pattern.slice(0, -2);
    return tags.some((tag) => tag === prefix || tag.startsWith(`${prefix}.`));
  });
}
