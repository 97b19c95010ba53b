import type { JobMeta } from "../../src/store/types.js";

/** A plain meta.json for a hand-made job directory (unit tests that build a jobs root themselves). */
export function fakeMeta(id: string, root: string, change: Partial<JobMeta> = {}): JobMeta {
  return {
    job: { id },
    schema_version: "0.1",
    command: ["echo", "hi"],
    created_at: "2025-01-01T00:00:00.000Z",
    root,
    cwd: "/",
    env_keys: [],
    env_vars: [],
    mask: [],
    env_files: [],
    inherit_env: true,
    tags: [],
    timeout_ms: 0,
    kill_after_ms: 0,
    progress_every_ms: 0,
    shell_wrapper: ["sh", "-lc"],
    ...change,
  };
}
