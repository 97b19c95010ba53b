// Variables that Node acts on as it starts, which a supervisor (a node of ours that makes no TLS
// connection and loads no user code) should not pay for or obey: NODE_EXTRA_CA_CERTS makes node
// parse a CA bundle before the first line runs (a 220 KB bundle: ~70 ms of every start on the
// bench VM, on the launch's critical path), and NODE_OPTIONS may --require a hook or open an
// inspector port (every supervisor on 9229). The supervisor starts without them, under held
// names, and puts them back into its own environment at once, so that what it spawns (the
// notification sinks; the workload's environment comes from the launcher) sees the user's.
const HELD = ["NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"] as const;
const HELD_PREFIX = "AGENT_EXEC_HELD_";

/** The environment to start a supervisor with: `env` with the held variables renamed. */
export function supervisorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of HELD) {
    if (out[name] === undefined) continue;
    out[HELD_PREFIX + name] = out[name];
    delete out[name];
  }
  return out;
}

/** In the supervisor: the held variables back under their own names. */
export function restoreHeldEnv(env: NodeJS.ProcessEnv): void {
  for (const name of HELD) {
    const held = env[HELD_PREFIX + name];
    if (held === undefined) continue;
    env[name] = held;
    delete env[HELD_PREFIX + name];
  }
}
