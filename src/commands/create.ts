import { loadConfig } from "../config.js";
import { resolveRoot } from "../store/root.js";
import { buildDefinition, type DefinitionOptions } from "../launch/definition.js";
import { createJob } from "./run.js";
import { readStdinInput, type StdinOptions } from "../launch/stdin-input.js";

export interface CreateOptions extends DefinitionOptions, StdinOptions {
  root?: string;
}

export interface CreateResult {
  job_id: string;
  state: "created";
  tags: string[];
  env_vars?: string[];
  stdout_log_path: string;
  stderr_log_path: string;
}

/** Defines a job without starting it; `start` launches it later. */
export async function create(options: CreateOptions): Promise<CreateResult> {
  const root = resolveRoot(options.root);
  const { meta, secrets } = buildDefinition(root, options, loadConfig(options.config), true);
  const stdin = await readStdinInput({ ...options, forwardPiped: false });
  const dir = createJob(root, meta, stdin, undefined, secrets);
  return {
    job_id: meta.job.id,
    state: "created",
    tags: meta.tags,
    ...(meta.env_vars.length > 0 ? { env_vars: meta.env_vars } : {}),
    stdout_log_path: dir.stdoutPath,
    stderr_log_path: dir.stderrPath,
  };
}
