// The library API: the same functions and JSON shapes as the CLI, without a process per call.
// Each function returns the data part of the CLI's envelope or throws an AgentExecError.
export { run, type RunOptions, type RunResult, type ObserveOptions } from "./commands/run.js";
export { status, type JobRef, type StatusResult } from "./commands/status.js";
export { tail, type TailOptions, type TailResult } from "./commands/tail.js";
export { wait, type WaitOptions, type WaitResult } from "./commands/wait.js";
export { kill, type KillOptions, type KillResult } from "./commands/kill.js";
export { list, type ListOptions, type ListResult, type JobSummary } from "./commands/list.js";
export { create, type CreateOptions, type CreateResult } from "./commands/create.js";
export { start, type StartOptions } from "./commands/start.js";
export { restart, type RestartOptions } from "./commands/restart.js";
export { tagSet, type TagSetOptions, type TagSetResult } from "./commands/tag-set.js";
export { notifySet, type NotifySetOptions, type NotifySetResult } from "./commands/notify-set.js";
export type { NotificationConfig, NotificationOptions, OutputMatchConfig } from "./notify/config.js";
export type { CompletionEvent } from "./notify/completion.js";
export type { OutputMatchEvent } from "./notify/output-match.js";
export type { SinkResult } from "./notify/sinks.js";
export { deleteJobs, type DeleteOptions, type DeleteResult } from "./commands/delete.js";
export { gc, type GcOptions, type GcResult } from "./commands/gc.js";
export { doctor, type DoctorOptions, type DoctorResult, type BackendReport } from "./commands/doctor.js";
export { schema, type SchemaResult } from "./commands/schema.js";
export { installSkills, type InstallSkillsOptions, type InstallSkillsResult, type InstalledSkill } from "./commands/install-skills.js";
export type { DefinitionOptions } from "./launch/definition.js";
export type { ExcerptOptions, OutputFields } from "./observe/output.js";
export type { UntilOutput } from "./observe/until-output.js";
export { COMPRESSION_MODES, compressOutput, type CompressInput, type Compression, type CompressionMode, type DetectedKind } from "./compress/index.js";
export { AgentExecError, isAgentExecError, type ErrorCode } from "./protocol/errors.js";
export type { JobMeta, JobState, JobStatus } from "./store/types.js";
