import { probeContainment } from "../platform/containment.js";
import { OS_PLATFORM } from "../platform/os.js";
import { BACKEND_NAMES, loadBackend, processTree } from "../platform/process-tree.js";
import { AgentExecError, isAgentExecError } from "../protocol/errors.js";
import { resolveRoot } from "../store/root.js";
import { AGENT_EXEC_VERSION } from "../version.js";

export interface DoctorOptions {
  root?: string;
}

export interface BackendReport {
  name: string;
  /** It loads on this machine. */
  available: boolean;
  version?: string;
  /** Why it does not load. */
  error?: string;
}

export interface DoctorResult {
  platform: NodeJS.Platform;
  arch: string;
  /** The running node, e.g. "v20.20.2". */
  node: string;
  agent_exec_version: string;
  /** The process-tree backend kill and the supervisor use here (AGENT_EXEC_BACKEND, else the first that loads). */
  backend: { name: string; version: string };
  /** Every backend this build has, in order of preference, and whether it loads here. */
  backends: BackendReport[];
  /** The jobs root these options resolve to (it need not exist yet). */
  root: string;
  /** How a job started now would hold its processes (cgroup, subreaper, process-group, job-object), and why. */
  containment: { kind: string; note: string };
}

/**
 * What this installation would use. A backend that AGENT_EXEC_BACKEND forces but that cannot load
 * is the same error kill would give (invalid_argument), with this report in its details.
 */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorResult> {
  const backends: BackendReport[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      backends.push({ name, available: true, version: (await loadBackend(name)).version });
    } catch (error) {
      backends.push({ name, available: false, error: (error as Error).message });
    }
  }
  const base = { platform: OS_PLATFORM, arch: process.arch, node: process.version, agent_exec_version: AGENT_EXEC_VERSION };
  const root = resolveRoot(options.root);
  let chosen;
  try {
    chosen = await processTree();
  } catch (error) {
    if (!isAgentExecError(error)) throw error;
    throw new AgentExecError(error.code, error.message, { details: { ...error.details, ...base, backends, root }, cause: error });
  }
  const containment = probeContainment();
  return { ...base, backend: { name: chosen.name, version: chosen.version }, backends, root, containment };
}
