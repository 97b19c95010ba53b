// Every name inside a job directory (and the root's own lock), in one place: the store, the
// supervisor, the notifications and the readers all take them from here. docs/ARCHITECTURE.md
// ("Job store") says what each holds and who writes it.

/** The definition (src/store/types.ts JobMeta), written by the front end; tags/notification change later. */
export const META_FILE = "meta.json";
/** The lifecycle record (StateRecord): one writer at a time (src/job/transitions.ts builds every one). */
export const STATE_FILE = "state.json";
export const STDOUT_LOG = "stdout.log";
export const STDERR_LOG = "stderr.log";
/** The interleaved log, unless --log put it elsewhere (meta.json full_log_path). */
export const FULL_LOG = "full.log";
export const LOG_FILES = [STDOUT_LOG, STDERR_LOG, FULL_LOG] as const;
/** The workload's materialized stdin, when it has one. */
export const STDIN_FILE = "stdin.bin";
/** The supervisor's Unix socket: it closes every connection once the terminal state is written (src/observe/wake.ts). */
export const WAKE_SOCKET = "wake.sock";
/** The real --env pairs of a `create`d job with masked values, for start/restart (never in meta.json). */
export const SECRETS_FILE = "secrets.json";
/** The signal `kill` asked for (src/job/kill-request.ts): how a Windows supervisor knows it was killed. */
export const KILL_REQUEST_FILE = "kill-request.json";
/** Faults the supervisor met (src/supervisor/fault-log.ts); only when there was one. */
export const SUPERVISOR_LOG = "supervisor.log";
/** job.finished and its delivery results (src/notify/completion.ts). */
export const COMPLETION_EVENT_FILE = "completion_event.json";
/** One line per job.output.matched delivery (src/notify/output-match.ts). */
export const NOTIFICATION_EVENTS_FILE = "notification_events.ndjson";
/** A run's records that `restart` removes, with the kill request, before the new run. */
export const PREVIOUS_RUN_FILES = [COMPLETION_EVENT_FILE, NOTIFICATION_EVENTS_FILE, KILL_REQUEST_FILE] as const;

// The locks (src/store/file-lock.ts): each file holds its owner's pid; `<lock>.takeover` exists
// for the microseconds in which a dead owner's lock is being taken over.
/** While run/start/restart launches the job, or delete/gc removes it (src/store/launch-claim.ts). */
export const LAUNCH_LOCK = "launch.lock";
/** While `tag set` / `notify set` rewrite meta.json (JobDir.updateMeta). */
export const META_LOCK = "meta.lock";
/** In the root, not a job directory: while auto-gc collects (src/launch/auto-gc.ts). */
export const GC_LOCK = ".gc.lock";
/** In the root, not a job directory: one empty file per job started long after it was made (src/job/late-starts.ts). */
export const LATE_STARTS_DIR = ".late-starts";
