#!/usr/bin/env -S node --
// The `--` keeps Node from reading agent-exec's own flags: Node 20 claims any `--env-file` on its
// command line, even after the script name (nodejs/node#54232).
import { appendFileSync, readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { doctor } from "./commands/doctor.js";
import { kill } from "./commands/kill.js";
import { DEFAULT_LIST_LIMIT, list, LIST_STATES, type ListOptions } from "./commands/list.js";
import { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS, run } from "./commands/run.js";
import { status } from "./commands/status.js";
import { DEFAULT_TAIL_LINES, tail } from "./commands/tail.js";
import { DEFAULT_WAIT_UNTIL_SECONDS, wait } from "./commands/wait.js";
import { collect, collectTag, count, increase, normalizeWaitFlag, seconds } from "./cli-args.js";
import { log, setVerbosity } from "./log.js";
import { errorEnvelope, formatEnvelope, okEnvelope } from "./protocol/envelope.js";
import { AgentExecError, isAgentExecError } from "./protocol/errors.js";
import { JobDir } from "./store/job-dir.js";
import { STORED_ID } from "./store/job-id.js";
import { supervise, type LaunchSecrets } from "./supervisor/supervise.js";
import { now } from "./time.js";
import { AGENT_EXEC_VERSION } from "./version.js";

// The only module that prints or chooses an exit code: commands return data or throw coded errors.


type Opts = Record<string, unknown> & { root?: string; yaml?: boolean; verbose?: number };

const program = new Command("agent-exec")
  .description("Durable job runner for AI agents: every command prints one JSON object on stdout.")
  .version(`agent-exec ${AGENT_EXEC_VERSION}`, "-V, --version")
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });
withGlobals(program);

/** --root, --yaml and -v are accepted before the subcommand and after it. */
function withGlobals(command: Command): Command {
  return command
    .option("--root <path>", "jobs root (default: $AGENT_EXEC_ROOT, $XDG_DATA_HOME/agent-exec/jobs, platform default)")
    .option("--yaml", "print the response as YAML instead of JSON")
    .option("-v, --verbose", "diagnostics on stderr (-vv for debug)", increase, 0);
}

function subcommand(name: string, description: string): Command {
  return withGlobals(program.command(name).description(description)).exitOverride();
}

/** Runs a command function and prints its result as one envelope; errors become error envelopes. */
function respond<T extends object>(type: string, handler: (opts: Opts, args: string[]) => Promise<T>) {
  return async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const opts: Opts = { ...program.opts(), ...definedOnly(command.opts()) };
    opts.yaml = Boolean(program.opts().yaml || command.opts().yaml);
    setVerbosity((program.opts().verbose as number) + (command.opts().verbose as number));
    try {
      const data = await handler(opts, command.args);
      await finish(formatEnvelope(okEnvelope(type, data), opts.yaml), 0);
    } catch (error) {
      await fail(error, opts.yaml);
    }
  };
}

async function fail(error: unknown, yaml = false): Promise<never> {
  const coded = isAgentExecError(error) ? error : new AgentExecError("internal_error", String((error as Error)?.message ?? error), { cause: error });
  if (!isAgentExecError(error)) log("debug", (error as Error)?.stack ?? String(error));
  if (coded.code === "usage_error") {
    process.stderr.write(`error: ${coded.message}\n`);
    return finish("", 2);
  }
  return finish(formatEnvelope(errorEnvelope(coded), yaml), 1);
}

// Exit only after stdout has been flushed: a pipe may take the write asynchronously.
function finish(text: string, code: number): Promise<never> {
  return new Promise(() => process.stdout.write(text, () => process.exit(code)));
}

const runCommand = subcommand("run", "run a command as a job and report on it for up to --until seconds")
  .argument("[command...]", "the command and its arguments (after --)")
  .passThroughOptions()
  .option("--timeout <seconds>", "end the job's whole tree after this long (0 = never)", seconds, 0)
  .option("--kill-after <seconds>", "after the timeout's SIGTERM, SIGKILL this much later (0 = SIGKILL at once)", seconds, 0)
  .option("--cwd <dir>", "working directory (default: the current one)")
  .option("--env <KEY=VALUE>", "set a variable (repeatable)", collect)
  .option("--env-file <file>", "read variables from a dotenv file (repeatable, applied in order)", collect)
  .option("--inherit-env", "start from this process's environment (default)")
  .option("--no-inherit-env", "start from an empty environment")
  .option("--mask <KEY>", "show this variable's value as *** in output (repeatable)", collect)
  .option("--log <path>", "write the interleaved full.log here instead of the job directory")
  .option("--progress-every <seconds>", "refresh state.json's updated_at this often (0 = never)", seconds, 0)
  .option("--tag <tag>", "tag the job, e.g. ci or project.build (repeatable)", collectTag)
  .option("--shell-wrapper <program-and-flags>", 'wrapper that starts the command (default "sh -lc")')
  .option("--wait", "wait for the job before answering (default; --wait false = --no-wait)")
  .option("--no-wait", "answer as soon as the job has started")
  .addOption(new Option("--until <seconds>", "wait at most this long").argParser(seconds).default(DEFAULT_RUN_UNTIL_SECONDS).conflicts("forever"))
  .option("--forever", "wait until the job ends, however long")
  .option("--max-bytes <bytes>", "bytes of each stream's head to include", count, DEFAULT_MAX_BYTES)
  .action(
    respond("run", (o, args) =>
      run({
        root: o.root,
        command: args,
        timeout: o.timeout as number,
        killAfter: o.killAfter as number,
        cwd: o.cwd as string | undefined,
        env: o.env as string[] | undefined,
        envFiles: o.envFile as string[] | undefined,
        inheritEnv: o.inheritEnv as boolean | undefined,
        mask: o.mask as string[] | undefined,
        log: o.log as string | undefined,
        progressEvery: o.progressEvery as number,
        tags: o.tag as string[] | undefined,
        shellWrapper: o.shellWrapper as string | undefined,
        wait: o.wait as boolean | undefined,
        until: o.until as number,
        forever: o.forever as boolean | undefined,
        maxBytes: o.maxBytes as number,
      }),
    ),
  );
rejectBoth(runCommand, "inherit-env", "no-inherit-env");

subcommand("status", "state, exit code and times of a job")
  .argument("<job-id>", "job id or unambiguous prefix")
  .action(respond("status", (o, [jobId]) => status({ root: o.root, jobId: jobId! })));

subcommand("tail", "the end of a job's stdout and stderr")
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--tail-lines <n>", "lines from the end of each stream (0 = no limit)", count, DEFAULT_TAIL_LINES)
  .option("--max-bytes <bytes>", "bytes from the end of each stream at most", count, DEFAULT_MAX_BYTES)
  .action(
    respond("tail", (o, [jobId]) =>
      tail({ root: o.root, jobId: jobId!, tailLines: o.tailLines as number, maxBytes: o.maxBytes as number }),
    ),
  );

subcommand("wait", "wait until a job ends or --until passes; the job keeps running either way")
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--poll <seconds>", "fallback check interval; state changes are seen at once", seconds, 1)
  .addOption(new Option("--until <seconds>", `wait at most this long (default ${DEFAULT_WAIT_UNTIL_SECONDS})`).argParser(seconds).conflicts("forever"))
  .option("--forever", "wait until the job ends, however long")
  .action(
    respond("wait", (o, [jobId]) =>
      wait({
        root: o.root,
        jobId: jobId!,
        poll: o.poll as number,
        until: o.until as number | undefined,
        forever: o.forever as boolean | undefined,
      }),
    ),
  );

subcommand("kill", "signal a job's whole process tree and report the outcome")
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--signal <signal>", "TERM, INT, KILL or another signal name or number", "TERM")
  .option("--no-wait", "do not watch for the outcome (legacy response shape)")
  .action(
    respond("kill", (o, [jobId]) =>
      kill({ root: o.root, jobId: jobId!, signal: o.signal as string, noWait: o.wait === false }),
    ),
  );

function listCommand(name: string, description: string, state?: "running"): Command {
  const command = subcommand(name, description)
    .option("--limit <n>", "rows at most (0 = all)", count, DEFAULT_LIST_LIMIT)
    .addOption(new Option("--cwd <dir>", "only jobs defined in this directory").conflicts("all"))
    .option("--all", "jobs from every directory");
  if (!state) command.addOption(new Option("--state <state>", "only jobs in this state").choices(LIST_STATES));
  return command.action(
    respond("list", (o) =>
      list({
        root: o.root,
        limit: o.limit as number,
        cwd: o.cwd as string | undefined,
        all: o.all as boolean | undefined,
        state: state ?? (o.state as ListOptions["state"]),
      }),
    ),
  );
}
listCommand("list", "jobs, newest first, from the current directory unless --all or --cwd");
listCommand("ps", "running jobs (list --state running)", "running");

subcommand("doctor", "platform, versions and the process-tree backend this installation uses")
  .action(respond("doctor", (o) => doctor({ root: o.root })));

program
  .command("_supervise", { hidden: true })
  .argument("<job-id>")
  .requiredOption("--root <path>")
  .action(async (jobId: string, opts: { root: string }) => {
    if (!STORED_ID.test(jobId)) process.exit(2);
    const dir = new JobDir(opts.root, jobId);
    try {
      const secrets = JSON.parse(readFileSync(0, "utf8")) as LaunchSecrets;
      await supervise(dir, secrets);
      process.exit(0);
    } catch (error) {
      // Nobody reads this process's stderr; leave the reason next to the job.
      appendFileSync(dir.file("supervisor.log"), `${now()} ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    }
  });

/** Commander folds --x and --no-x into one value; the reference treats giving both as a usage error. */
function rejectBoth(command: Command, a: string, b: string): void {
  const seen = new Set<string>();
  command.on(`option:${a}`, () => seen.add(a)).on(`option:${b}`, () => seen.add(b));
  command.hook("preAction", () => {
    if (seen.size === 2) throw new AgentExecError("usage_error", `--${a} and --${b} cannot be used together`);
  });
}

function definedOnly(opts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

const valueFlags = new Set(runCommand.options.filter((o) => o.required || o.optional).map((o) => o.long!));
try {
  await program.parseAsync(normalizeWaitFlag(process.argv.slice(2), valueFlags), { from: "user" });
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version are not errors; everything else commander rejects is a usage error.
    process.exit(error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2);
  }
  await fail(error);
}
