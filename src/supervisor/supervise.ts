import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync } from "node:fs";
import { once } from "node:events";
import { dirname } from "node:path";
import { Containment } from "../platform/containment.js";
import { processTree, type TreeTarget } from "../platform/process-tree.js";
import { processGroupAndSession, processStartTime } from "../platform/process-info.js";
import { checkWorkload } from "../platform/process-identity.js";
import { resolveSignal, type ResolvedSignal } from "../platform/signals.js";
import { deliverCompletion } from "../notify/completion.js";
import { OutputMatcher, type MatchedStream } from "../notify/output-match.js";
import { sinkTimeoutMs } from "../notify/sinks.js";
import { FULL_LOG, STATE_FILE, STDERR_LOG, STDOUT_LOG } from "../job/files.js";
import { readKillRequest } from "../job/kill-request.js";
import { drained, failedToStart, finished, progressed, started, supervisorSpawned } from "../job/transitions.js";
import type { JobDir } from "../store/job-dir.js";
import { makePrivateDir, openJobFile } from "../store/job-file.js";
import { LINGER_DRAIN_MS, type JobMeta, type StateRecord } from "../store/types.js";
import { storedMsProblem } from "../commands/duration.js";
import { longInterval, longTimeout, now, sleep } from "../time.js";
import { workloadCommand, workloadEnv } from "./command-line.js";
import { commandNotFound } from "../launch/resolve-command.js";
import { faults, writeUntilDone } from "./fault-log.js";
import { LogPump } from "./log-pump.js";
import { spawnCommand } from "../platform/spawn-command.js";
import { noteLateStart } from "../job/late-starts.js";
import { Waiters, wakeSocketPath } from "../observe/wake.js";

// After the root process exits, output it wrote is normally already in the pipes; this is how long
// we wait for EOF before writing the terminal state anyway (a grandchild may hold the pipes open).
const EXIT_DRAIN_MS = 150;

/** What the front end hands the supervisor on stdin: values that must not be written to disk. */
export interface LaunchSecrets {
  env: Record<string, string>;
}

/**
 * The per-job supervisor: starts the workload, copies its output, enforces the timeout and
 * records the outcome. Between the front end's `created` and this process's first write it is
 * the only writer of state.json.
 */
export async function supervise(dir: JobDir, secrets: LaunchSecrets | undefined): Promise<void> {
  const meta = dir.readMeta();
  const created = dir.readState();
  if (created.job.status !== "created") return; // the launcher gave up on this process and said so
  const base = supervisorSpawned(created, process.pid, processStartTime(process.pid));
  const sinkTimeout = sinkTimeoutMs();
  // After the terminal state this process only delivers notifications; a `restart` meanwhile makes
  // the directory another run's, which this one must not write event records into.
  const current = () => {
    try {
      return dir.readState().supervisor_pid === process.pid;
    } catch {
      return false;
    }
  };
  const gone = () => !existsSync(dir.path);
  const record = (state: StateRecord) => writeUntilDone(STATE_FILE, () => dir.writeState(state), gone);
  const waiters = new Waiters(wakeSocketPath(dir.path));
  const failed = async (reason: string) => {
    const at = now();
    const state = failedToStart(base, reason, at, at);
    noteLateStart(dir.root, dir.id, at);
    const written = await record(state);
    waiters.announce();
    if (written) await deliverCompletion(dir, state, sinkTimeout, current);
  };
  if (!secrets) return failed("launch interrupted: the launching process ended before handing over the job's environment; nothing ran");
  // meta.json may have been edited by hand: its durations obey the rule a flag's does.
  for (const key of ["timeout_ms", "kill_after_ms", "progress_every_ms"] as const) {
    const problem = storedMsProblem(meta[key]);
    if (problem) return failed(`meta.json ${key} ${JSON.stringify(meta[key])}: ${problem}`);
  }
  const env = { ...secrets.env, AGENT_EXEC_JOB_ID: meta.job.id, AGENT_EXEC_ROOT: dir.root };
  const notFound = await commandNotFound({ wrapper: meta.shell_wrapper, command: meta.command, env, cwd: meta.cwd });
  if (notFound) return failed(notFound);
  const tree = await processTree();
  let windowsJobName: string | null;
  let containment: Containment;
  try {
    windowsJobName = tree.containSelf(meta.job.id);
    containment = Containment.open(meta.job.id, tree, windowsJobName);
  } catch (error) {
    return failed((error as Error).message); // nothing was started: there is nothing to clean up
  }

  let fds: LogFds;
  let stdin: number | undefined;
  try {
    fds = openLogs(dir, meta);
    stdin = openStdin(dir);
  } catch (error) {
    return failed((error as Error).message); // a log or stdin.bin that is a link is never followed
  }
  const { file, args, options } = workloadCommand(meta.shell_wrapper, meta.command);
  let child: ChildProcess;
  try {
    child = containment.spawn(() =>
      spawnCommand(file, args, {
        ...options,
        cwd: meta.cwd,
        env: workloadEnv(meta.shell_wrapper, env),
        stdio: [stdin ?? "ignore", "pipe", "pipe"],
        windowsHide: true,
      }),
    );
  } catch (error) {
    if (stdin !== undefined) closeSync(stdin);
    closeAll(fds);
    return failed((error as Error).message); // nothing started: a forced cgroup it could not enter, a spawn that threw
  }
  const spawnError = await spawned(child);
  if (stdin !== undefined) closeSync(stdin); // the workload has its own copy
  if (spawnError) {
    closeAll(fds);
    return failed(`could not start ${file}: ${spawnError.message}`);
  }

  child.on("error", () => undefined); // after a successful spawn, errors only concern signalling, which we do ourselves
  const exited = once(child, "exit"); // listened for now: a state write retried below may outlast the workload
  const pid = child.pid!;
  const startedAt = now();
  const startedMs = performance.now();
  const running = started(base, {
    pid,
    // Read before the event loop can reap it: even a workload that already exited is a zombie here.
    pid_start: tree.processStartTime(pid),
    ...processGroupAndSession(pid),
    windows_job_name: windowsJobName,
    containment: containment.record(),
  }, startedAt);

  // The pipes are drained from here on, whatever the disk does, so the workload never blocks on a
  // full pipe or dies of SIGPIPE because this process could not write.
  const matcher = new OutputMatcher(dir, meta.shell_wrapper, sinkTimeout, current);
  const observe = (stream: MatchedStream) => ({ data: (chunk: Buffer) => matcher.observe(stream, chunk), flush: () => matcher.flush(stream) });
  const fullName = meta.full_log_path ?? FULL_LOG;
  const pumps = [
    new LogPump(child.stdout!, { fd: fds.stdout, name: STDOUT_LOG }, { fd: fds.full, name: fullName }, "STDOUT", observe("stdout")),
    new LogPump(child.stderr!, { fd: fds.stderr, name: STDERR_LOG }, { fd: fds.full, name: fullName }, "STDERR", observe("stderr")),
  ];
  noteLateStart(dir.root, dir.id, startedAt); // before started_at is recorded, for list's order
  waiters.listen(); // before `running`: a reader that sees it can connect
  await record(running);
  waiters.announce();
  const enforcer = new TreeEnforcer({ pid, windowsJobName, supervisorPid: process.pid }, running.pid_start, containment);
  const timers = startTimers(meta, dir, running, enforcer);
  const forward = (name: NodeJS.Signals) => void enforcer.send(resolveSignal(name));
  for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(name, forward);

  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  const durationMs = Math.round(performance.now() - startedMs);
  timers.cancel();
  let pipesClosed = false;
  const allDone = Promise.all(pumps.map((p) => p.done)).then(() => {
    pipesClosed = true;
  });
  await Promise.race([allDone, sleep(EXIT_DRAIN_MS)]);
  for (const pump of pumps) pump.flush();

  // Windows has no signals: a tree we ended exits with a plain code, so what ended it is known
  // from the timeout or from the request `kill` left in the job directory.
  const endedBy = signal ?? (windowsJobName ? (enforcer.sent ?? readKillRequest(dir)) : null);
  const finishedAt = now();
  const end = { exit_code: code, signal: endedBy, duration_ms: durationMs, tree_usage: containment.usage(), ...(pipesClosed ? {} : { logs_drained: false }) };
  // The reason is computed at each try, so a state.json written late says why.
  let terminal = finished(running, { ...end, reason: null }, finishedAt);
  await writeUntilDone(
    STATE_FILE,
    () => {
      terminal = finished(running, { ...end, reason: reasonOf(enforcer, pumps) }, finishedAt);
      dir.writeState(terminal);
    },
    gone,
  );
  waiters.release();

  await enforcer.settled();
  await Promise.race([allDone, sleep(LINGER_DRAIN_MS)]);
  for (const pump of pumps) pump.flush();
  closeAll(fds);
  // `wait` holds its answer until the lingering output is in (or LINGER_DRAIN_MS passed): say so,
  // unless a restart made state.json another run's meanwhile.
  if (terminal.logs_drained === false && current()) {
    terminal = drained(terminal);
    await record(terminal);
  }
  // The job's state is final; notifications follow it and cannot change it. Matches first, so
  // job.finished is the last event of the run.
  await matcher.drain(sinkTimeout);
  await deliverCompletion(dir, terminal, sinkTimeout, current);
  await containment.close(sleep);
}

/** Sends signals to the workload's tree; remembers a timeout and a pending SIGKILL escalation. */
class TreeEnforcer {
  timedOut = false;
  /** The first signal this supervisor sent to the tree, if any. */
  sent: string | null = null;
  private escalation: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: TreeTarget,
    private readonly start: string | null | undefined,
    private readonly containment: Containment,
  ) {}

  /** Never rejects: a signal that could not be sent is a fault of the run, recorded in its reason. */
  async send(signal: ResolvedSignal): Promise<void> {
    this.sent ??= signal.name;
    try {
      const tree = await processTree();
      // A late signal (the KILL after --kill-after, a forwarded SIGTERM) may come after the root was
      // reaped and its pid given to another process: that process, and its group, are not ours.
      if (checkWorkload(this.target.pid, this.start, (pid) => tree.processStartTime(pid)) !== "reused") tree.signalTree(this.target, signal);
      this.containment.signalAll(signal); // what left the group: setsid, double fork
    } catch (error) {
      faults.record(`send ${signal.name} to the workload's tree`, error);
    }
  }

  /** TERM now and KILL after `killAfterMs`, or KILL at once when it is 0. */
  timeout(killAfterMs: number): void {
    this.timedOut = true;
    if (killAfterMs <= 0) {
      this.escalation = this.send(resolveSignal("KILL"));
      return;
    }
    this.escalation = this.send(resolveSignal("TERM"))
      .then(() => sleep(killAfterMs))
      .then(() => this.send(resolveSignal("KILL")));
  }

  /**
   * Resolves once a pending escalation has run, so descendants that ignored TERM still get KILL,
   * or as soon as the job has no process left for it: a KILL for nobody is not waited for (a
   * 30-day --kill-after would otherwise keep this process alive for 30 days).
   */
  async settled(): Promise<void> {
    let pending = true;
    const done = this.escalation.catch(() => undefined).finally(() => (pending = false));
    while (pending && this.containment.members().length > 0) await Promise.race([done, sleep(100)]);
  }
}

/** The terminal state's reason: the timeout, and whatever went wrong on the way. */
function reasonOf(enforcer: TreeEnforcer, pumps: LogPump[]): string | null {
  const lost = pumps.reduce((sum, pump) => sum + pump.lostBytes, 0);
  const parts = [enforcer.timedOut ? "timeout" : null, lost > 0 ? `${lost} bytes of output not logged` : null, faults.summary()];
  return parts.filter(Boolean).join("; ") || null;
}

/** The timeout and the progress ticks; long* timers, so a 30-day timeout is not a 1 ms one. */
function startTimers(meta: JobMeta, dir: JobDir, running: StateRecord, enforcer: TreeEnforcer) {
  const timeout = meta.timeout_ms > 0 ? longTimeout(() => enforcer.timeout(meta.kill_after_ms), meta.timeout_ms) : undefined;
  // Each tick replaces state.json atomically; readers never see a half-written file.
  const progress =
    meta.progress_every_ms > 0
      ? longInterval(() => {
          try {
            dir.writeState(progressed(running));
          } catch (error) {
            faults.record("write state.json (progress)", error); // the next tick tries again
          }
        }, meta.progress_every_ms)
      : undefined;
  return {
    cancel: () => {
      timeout?.();
      progress?.();
    },
  };
}

function spawned(child: ChildProcess): Promise<Error | undefined> {
  return new Promise((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", (error) => resolve(error));
  });
}

interface LogFds {
  stdout: number;
  stderr: number;
  full: number;
}

/**
 * The logs, opened for appending without following links; a --log file elsewhere obeys the same
 * rule, and the directories made for it are private.
 */
function openLogs(dir: JobDir, meta: JobMeta): LogFds {
  const fullPath = dir.fullLogPath(meta);
  makePrivateDir(dirname(fullPath), true);
  const fds: number[] = [];
  try {
    for (const path of [dir.stdoutPath, dir.stderrPath, fullPath]) fds.push(openJobFile(path, "append"));
  } catch (error) {
    for (const fd of fds) closeSync(fd);
    throw error;
  }
  const [stdout, stderr, full] = fds as [number, number, number];
  return { stdout, stderr, full };
}

/** The materialized input (stdin.bin), read-only; without one the workload's stdin is null. */
function openStdin(dir: JobDir): number | undefined {
  try {
    return openJobFile(dir.stdinPath, "read");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function closeAll(fds: LogFds): void {
  for (const fd of Object.values(fds)) {
    try {
      closeSync(fd);
    } catch (error) {
      faults.record("close a log", error); // a deferred write error (NFS) surfaces here
    }
  }
}
