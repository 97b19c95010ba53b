// The library API: the same functions and JSON shapes as the CLI, without a process per call.
// Each function returns the data part of the CLI's envelope or throws an AgentExecError.
export { run, type RunOptions, type RunResult, type ObserveOptions } from "./commands/run.js";
export { status, type JobRef, type StatusResult } from "./commands/status.js";
export { tail, type TailOptions, type TailResult } from "./commands/tail.js";
export { wait, type WaitOptions, type WaitResult } from "./commands/wait.js";
export { kill, type KillOptions, type KillResult } from "./commands/kill.js";
export { list, type ListOptions, type ListResult, type JobSummary } from "./commands/list.js";
export { doctor, type DoctorOptions, type DoctorResult, type BackendReport } from "./commands/doctor.js";
export type { DefinitionOptions } from "./commands/definition.js";
export { AgentExecError, isAgentExecError, type ErrorCode } from "./protocol/errors.js";
export type { JobMeta, JobState, JobStatus } from "./store/types.js";
