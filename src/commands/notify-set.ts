import { updateNotification, type NotificationConfig } from "../notify/config.js";
import { notificationOf, OUTPUT_MATCH_KEYS, type OutputMatchOptions } from "../protocol/options.js";
import { JobDir } from "../store/job-dir.js";
import { resolveRoot } from "../store/root.js";
import type { JobRef } from "./status.js";

export interface NotifySetOptions extends JobRef, OutputMatchOptions {
  /** Replaces notify_command ('' removes it); notify_file is kept. */
  command?: string;
}

export interface NotifySetResult {
  job_id: string;
  notification: NotificationConfig;
}

/**
 * Changes a job's stored notification settings, in any state. Metadata only: no sink runs now.
 * A running supervisor applies output-match changes from its next line, and reads the completion
 * sinks when the job ends.
 */
export async function notifySet(options: NotifySetOptions): Promise<NotifySetResult> {
  const dir = JobDir.open(resolveRoot(options.root), options.jobId);
  const changes = { notifyCommand: options.command, ...notificationOf(options, OUTPUT_MATCH_KEYS) };
  const meta = dir.updateMeta(({ notification, ...rest }) => {
    const next = updateNotification(notification, changes);
    return next ? { ...rest, notification: next } : rest;
  });
  return { job_id: dir.id, notification: meta.notification ?? {} };
}
