import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { JobRef } from "./status.js";
import { normalizeTags } from "./tags.js";

export interface TagSetOptions extends JobRef {
  /** The job's new tags; none clears them. */
  tags?: string[];
}

export interface TagSetResult {
  job_id: string;
  tags: string[];
}

/** Replaces a job's tags (in any state). */
export async function tagSet(options: TagSetOptions): Promise<TagSetResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const tags = normalizeTags(options.tags ?? []);
  dir.updateMeta((meta) => ({ ...meta, tags }));
  return { job_id: dir.id, tags };
}
