import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ownChild } from "../platform/node-children.js";
import { processTree } from "../platform/process-tree.js";
import { resolveSignal } from "../platform/signals.js";
import { workloadCommand } from "../supervisor/command-line.js";
import { secondsProblem, secondsToMs } from "../commands/duration.js";
import { longTimeout, now } from "../time.js";
import { spawnCommand } from "../platform/spawn-command.js";

// The two places an event can go. Delivery never throws: every outcome is a SinkResult that the
// caller records next to the job, and the job's own state is never touched.

export interface SinkResult {
  sink_type: "command" | "file";
  target: string;
  success: boolean;
  error?: string;
  attempted_at: string;
}

export interface CommandSinkContext {
  /** The job's shell wrapper, e.g. ["sh", "-lc"] or ["cmd", "/C"]. */
  wrapper: readonly string[];
  jobId: string;
  eventType: "job.finished" | "job.output.matched";
  /** The file the event is persisted in (AGENT_EXEC_EVENT_PATH). */
  eventPath: string;
  /** A sink still running after this long is ended with its whole tree. */
  timeoutMs: number;
}

// Enough of a failing sink's stderr to say why (a quoting mistake, a missing program).
const STDERR_TAIL_BYTES = 1024;
// How long a timed-out sink's tree gets to go after it was killed.
const END_GRACE_MS = 2000;

const DEFAULT_TIMEOUT_SECONDS = 30;

/** How long one command sink may run: AGENT_EXEC_NOTIFY_TIMEOUT seconds (the duration rule, > 0), else 30. */
export function sinkTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.AGENT_EXEC_NOTIFY_TIMEOUT;
  const valid = value !== undefined && secondsProblem(value) === undefined && Number(value) > 0;
  return secondsToMs(valid ? value : DEFAULT_TIMEOUT_SECONDS, "AGENT_EXEC_NOTIFY_TIMEOUT");
}

/** Runs `command` through the job's wrapper with the event JSON on stdin. */
export function deliverToCommand(command: string, eventJson: string, context: CommandSinkContext): Promise<SinkResult> {
  const attempted_at = now();
  const result = (error?: string): SinkResult => ({
    sink_type: "command",
    target: command,
    success: error === undefined,
    ...(error === undefined ? {} : { error }),
    attempted_at,
  });
  const { file, args, options } = workloadCommand(context.wrapper, [command]);
  return new Promise((resolve) => {
    const child = spawnCommand(file, args, {
      ...options, // POSIX: its own process group, so a timeout ends everything it started
      env: {
        ...process.env,
        AGENT_EXEC_EVENT_PATH: context.eventPath,
        AGENT_EXEC_JOB_ID: context.jobId,
        AGENT_EXEC_EVENT_TYPE: context.eventType,
      },
      stdio: ["pipe", "ignore", "pipe"],
      windowsHide: true,
    });
    ownChild(child); // a subreaper supervisor must leave this child to libuv
    let stderr = Buffer.alloc(0);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]).subarray(-STDERR_TAIL_BYTES);
    });
    child.stdin!.on("error", () => undefined); // a sink need not read its stdin
    child.stdin!.end(`${eventJson}\n`); // one NDJSON line, so `cat >> events.ndjson` stays valid
    const timedOutResult = () => result(`timed out after ${context.timeoutMs} ms; its process tree was ended`);
    let timedOut = false;
    const cancelTimer = longTimeout(() => {
      timedOut = true;
      void endTree(child.pid);
      // Should the tree outlive the kill, the delivery is still over.
      setTimeout(() => resolve(timedOutResult()), END_GRACE_MS).unref();
    }, context.timeoutMs);
    child.once("error", (error) => {
      cancelTimer();
      resolve(result(`could not start ${file}: ${error.message}`));
    });
    // "exit", not "close": a process the sink left in the background may hold its stderr open.
    child.once("exit", (code, signal) => {
      cancelTimer();
      if (timedOut) return resolve(timedOutResult());
      if (code === 0) return resolve(result());
      const why = signal ? `ended by ${signal}` : `exited with code ${code}`;
      const text = stderr.toString("utf8").trim();
      resolve(result(text ? `${why}: ${text}` : why));
    });
  });
}

/** Where one event goes: either sink may be absent. */
export interface Sinks {
  command?: string;
  file?: string;
}

/** The command sink, then the file sink, as configured: one result each. */
export async function deliverToSinks(sinks: Sinks, eventJson: string, context: CommandSinkContext): Promise<SinkResult[]> {
  const results: SinkResult[] = [];
  if (sinks.command !== undefined) results.push(await deliverToCommand(sinks.command, eventJson, context));
  if (sinks.file !== undefined) results.push(deliverToFile(sinks.file, eventJson));
  return results;
}

/** A failed result for each configured sink, for an event that was not attempted. */
export function notDelivered(sinks: Sinks, error: string): SinkResult[] {
  const attempted_at = now();
  const targets: [SinkResult["sink_type"], string | undefined][] = [
    ["command", sinks.command],
    ["file", sinks.file],
  ];
  return targets
    .filter(([, target]) => target !== undefined)
    .map(([sink_type, target]) => ({ sink_type, target: target!, success: false, error, attempted_at }));
}

/** Appends the event as one NDJSON line, creating the file's directories. */
export function deliverToFile(path: string, eventJson: string): SinkResult {
  const attempted_at = now();
  try {
    mkdirSync(dirname(path), { recursive: true });
    // One write with O_APPEND: lines from concurrent jobs sharing the file do not interleave.
    appendFileSync(path, `${eventJson}\n`);
    return { sink_type: "file", target: path, success: true, attempted_at };
  } catch (error) {
    return { sink_type: "file", target: path, success: false, error: (error as Error).message, attempted_at };
  }
}

async function endTree(pid: number | undefined): Promise<void> {
  if (!pid) return;
  try {
    (await processTree()).signalTree({ pid }, resolveSignal("KILL"));
  } catch {
    // already gone, or not ours to end: the delivery is reported as timed out either way
  }
}
