// On-disk shapes of a job. Field names follow agent-exec v0.2.3 so existing readers keep working;
// additions are optional and documented in docs/CONTRACT-NOTES.md.

import type { NotificationConfig } from "../notify/config.js";

export const JOB_STATUSES = ["created", "running", "exited", "killed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function isTerminal(status: JobStatus): boolean {
  return status !== "created" && status !== "running";
}

/** meta.json: the job's definition, written once by the front end (tags may change later). */
export interface JobMeta {
  job: { id: string };
  schema_version: string;
  command: string[];
  created_at: string;
  root: string;
  /** Canonical working directory; also the scope `list` filters on. */
  cwd: string;
  /** Names of variables given with --env. */
  env_keys: string[];
  /** KEY=VALUE with masked values shown as ***; for display only. */
  env_vars: string[];
  mask: string[];
  env_files: string[];
  inherit_env: boolean;
  tags: string[];
  timeout_ms: number;
  kill_after_ms: number;
  progress_every_ms: number;
  /** Wrapper argv, e.g. ["sh", "-lc"]; resolved when the job is defined. */
  shell_wrapper: string[];
  /** "stdin.bin" when the job has an input (--stdin, --stdin-file or piped), as 0.2.31 records it. */
  stdin_file?: string;
  /** Where the interleaved log goes when --log moved it out of the job directory. */
  full_log_path?: string;
  /** Sinks for job.finished and job.output.matched; changed later by `notify set`. */
  notification?: NotificationConfig;
}

/**
 * state.json as stored: the job's lifecycle, written by one writer at a time (see
 * docs/ARCHITECTURE.md). Every record is built by src/job/transitions.ts; src/job/state.ts reads
 * one into the job model, a union by phase.
 */
export interface StateRecord {
  job: { id: string; status: JobStatus; started_at?: string | null };
  result: { exit_code: number | null; signal: string | null; duration_ms: number | null };
  /** The workload's root process; it leads its own process group on POSIX. */
  pid?: number | null;
  /**
   * The workload's OS start time when it was started (Linux: /proc/<pid>/stat starttime; Windows:
   * its creation time; null where not read, e.g. macOS). Checked before every signal: a pid whose
   * process started at another time was reused by the OS and is never signalled.
   */
  pid_start?: string | null;
  /** POSIX: the workload's process group and session when it was started (it leads both). */
  pgid?: number | null;
  sid?: number | null;
  supervisor_pid?: number | null;
  /** Opaque process start time of the supervisor, to tell a live supervisor from a reused pid. */
  supervisor_start?: string | null;
  finished_at?: string | null;
  updated_at: string;
  windows_job_name?: string | null;
  /** Why a job ended the way it did when the exit status alone does not say (timeout, lost supervisor, …). */
  reason?: string | null;
  /** How the job's processes are held together, from `running` on (src/platform/containment.ts). */
  containment?: ContainmentRecord;
  /** CPU time (and peak memory, where the OS gives it) of the whole tree, in the terminal state. */
  tree_usage?: TreeUsage | null;
  /**
   * false in a terminal state written while descendants still held the output pipes: the
   * supervisor copies their output for up to LINGER_DRAIN_MS more, then removes the field (0.2.31's
   * `logs_drained`; absent means drained). `wait` answers after that.
   */
  logs_drained?: boolean;
}

/** How long after the root's exit a supervisor still copies the output of descendants holding the pipes. */
export const LINGER_DRAIN_MS = 2000;

/** The record's older name, which src/platform/ and the library API (src/index.ts) still import. */
export type JobState = StateRecord;

export const CONTAINMENT_KINDS = ["cgroup", "subreaper", "process-group", "job-object"] as const;
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

export interface ContainmentRecord {
  kind: ContainmentKind;
  /** cgroup: the job's cgroup, relative to the cgroup2 mount (checked against the job id before use). */
  cgroup?: string;
  /** job-object: the Job Object's name, AgentExec-<job id> (checked against the job id before use). */
  job_object?: string;
}

export interface TreeUsage {
  /** cgroup: cpu.stat (+ memory.peak); rusage: getrusage(RUSAGE_CHILDREN); job-object: the Job Object's accounting. */
  source: "cgroup" | "rusage" | "job-object";
  user_ms: number;
  system_ms: number;
  /** Peak memory of the whole tree (cgroup memory.peak, Job Object PeakJobMemoryUsed). */
  peak_memory_bytes?: number;
  /** rusage: the largest peak resident set of any one reaped process. */
  max_rss_bytes?: number;
}
