import { SCHEMA_VERSION } from "../protocol/envelope.js";
import { writeJsonAtomic } from "../store/atomic.js";
import { COMPLETION_EVENT_FILE } from "../job/files.js";
import type { JobDir } from "../store/job-dir.js";
import { definedOnly } from "../defined.js";
import { project } from "../job/projection.js";
import type { StateRecord } from "../store/types.js";
import { deliverToSinks, type SinkResult } from "./sinks.js";

// job.finished: built from the terminal state, persisted in completion_event.json before any sink
// runs, and persisted again with what each sink did.

export interface CompletionEvent {
  schema_version: string;
  event_type: "job.finished";
  job_id: string;
  state: string;
  command: string[];
  cwd: string;
  started_at: string;
  finished_at: string;
  duration_ms?: number;
  exit_code?: number;
  signal?: string;
  /** Why the job ended this way when the state alone does not say (timeout, a failed start). */
  reason?: string;
  stdout_log_path: string;
  stderr_log_path: string;
}

/**
 * Delivers job.finished to the sinks configured in meta.json now (so a `notify set` made while the
 * job ran is honoured). Nothing configured: nothing is written. Never throws for a sink.
 * `current` says whether the job directory still records this run.
 */
export async function deliverCompletion(dir: JobDir, state: StateRecord, timeoutMs: number, current: () => boolean): Promise<void> {
  const meta = dir.readMeta();
  const { notify_command: command, notify_file: file } = meta.notification ?? {};
  if (command === undefined && file === undefined) return;

  const view = project(state);
  const finishedAt = view.finished_at ?? view.updated_at;
  const event: CompletionEvent = {
    schema_version: SCHEMA_VERSION,
    event_type: "job.finished",
    job_id: dir.id,
    state: view.state,
    command: meta.command,
    cwd: meta.cwd,
    started_at: view.started_at ?? finishedAt, // a job that failed to start ended as it began
    finished_at: finishedAt,
    ...definedOnly({ duration_ms: view.duration_ms, exit_code: view.exit_code, signal: view.signal, reason: view.reason }),
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
  };
  const eventPath = dir.file(COMPLETION_EVENT_FILE);
  // The sinks are delivered even when the record cannot be written (the job was deleted meanwhile)
  // or must not be (the job was restarted meanwhile: the file is the new run's now).
  const persist = (delivery_results: SinkResult[]) => {
    if (!current()) return;
    try {
      writeJsonAtomic(eventPath, { ...event, delivery_results });
    } catch {
      // nothing to record it in
    }
  };
  persist([]);

  const context = { wrapper: meta.shell_wrapper, jobId: dir.id, eventType: "job.finished", eventPath, timeoutMs } as const;
  persist(await deliverToSinks({ command, file }, JSON.stringify(event), context));
}
