import { join } from "node:path";
import type { AgentExecConfig } from "../config.js";
import { log } from "../log.js";
import { GC_LOCK } from "../job/files.js";
import { tryLock } from "../store/file-lock.js";
import { collectGarbage, DEFAULT_GC_OLDER_THAN } from "../commands/gc.js";
import { durationOrThrow } from "../commands/duration.js";

// Best-effort gc after run/start: bounded so a launch stays fast on a large root, serialized by a
// lock file so concurrent launches do not race, and never able to fail the launch.

const DEFAULT_SCAN_LIMIT = 200;
const DEFAULT_DELETE_LIMIT = 20;

export interface AutoGcOptions {
  /** false (--no-auto-gc) skips it. */
  autoGc?: boolean;
  autoGcOlderThan?: string;
  autoGcMaxJobs?: number;
  autoGcMaxBytes?: number;
}

export function autoGc(root: string, config: AgentExecConfig, options: AutoGcOptions): void {
  if (options.autoGc === false || config.gc.auto === false) return;
  let release: () => void;
  try {
    const lock = tryLock(join(root, GC_LOCK)); // a dead process's lock is taken over
    if (typeof lock !== "function") return; // another launch is collecting
    release = lock;
  } catch (error) {
    log("debug", `auto-gc skipped: ${(error as Error).message}`);
    return;
  }
  try {
    const outcome = collectGarbage(root, {
      olderThanMs: durationOrThrow(options.autoGcOlderThan ?? config.gc.older_than ?? DEFAULT_GC_OLDER_THAN, "gc.older_than"),
      maxJobs: options.autoGcMaxJobs ?? config.gc.max_jobs,
      maxBytes: options.autoGcMaxBytes ?? config.gc.max_bytes,
      dryRun: false,
      scanLimit: config.gc.scan_limit ?? DEFAULT_SCAN_LIMIT,
      deleteLimit: config.gc.delete_limit ?? DEFAULT_DELETE_LIMIT,
    });
    log("debug", `auto-gc: scanned ${outcome.scanned_dirs}, deleted ${outcome.deleted}, failed ${outcome.failed}`);
  } catch (error) {
    log("warn", `auto-gc failed (the launch is unaffected): ${(error as Error).message}`);
  } finally {
    release();
  }
}
