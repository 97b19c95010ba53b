#!/usr/bin/env -S node --
// The `--` keeps Node from reading agent-exec's own flags: Node 20 claims any `--env-file` on its
// command line, even after the script name (nodejs/node#54232).
import { Command, CommanderError, Option } from "commander";
import { complete } from "./commands/complete.js";
import { completionScript, SHELLS, type Shell } from "./commands/completions.js";
import { doctor } from "./commands/doctor.js";
import { installSkills } from "./commands/install-skills.js";
import { schema } from "./commands/schema.js";
import { kill } from "./commands/kill.js";
import { DEFAULT_LIST_LIMIT, list, LIST_STATES, type ListOptions } from "./commands/list.js";
import { DEFAULT_MAX_BYTES, DEFAULT_RUN_UNTIL_SECONDS, run, type ObserveOptions } from "./commands/run.js";
import type { AutoGcOptions } from "./commands/auto-gc.js";
import { create } from "./commands/create.js";
import type { DefinitionOptions } from "./commands/definition.js";
import { deleteJobs } from "./commands/delete.js";
import { DEFAULT_GC_OLDER_THAN, gc } from "./commands/gc.js";
import { restart } from "./commands/restart.js";
import { start } from "./commands/start.js";
import { DEFAULT_STDIN_MAX_BYTES, type StdinOptions } from "./commands/stdin-input.js";
import { tagSet } from "./commands/tag-set.js";
import { notifySet } from "./commands/notify-set.js";
import { MATCH_STREAMS, MATCH_TYPES } from "./notify/config.js";
import { status } from "./commands/status.js";
import { DEFAULT_TAIL_LINES, tail } from "./commands/tail.js";
import { DEFAULT_WAIT_UNTIL_SECONDS, wait } from "./commands/wait.js";
import { bind, collect, collectTag, collectTagPattern, count, duration, increase, port, seconds, waitValue } from "./cli-args.js";
import { definedOnly } from "./defined.js";
import { log, setVerbosity } from "./log.js";
import { errorEnvelope, formatEnvelope, okEnvelope } from "./protocol/envelope.js";
import { AgentExecError, asAgentExecError } from "./protocol/errors.js";
import { DEFAULT_BIND, startServer } from "./server/http.js";
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
  const coded = asAgentExecError(error);
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

/** The options that define a job: run and create. */
function withDefinition(command: Command): Command {
  command
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
    .option("--shell-wrapper <program-and-flags>", 'wrapper that starts the command (default: config.toml, else "sh -lc")')
    .option("--config <path>", "config.toml to use instead of $XDG_CONFIG_HOME/agent-exec/config.toml")
    .addOption(new Option("--stdin <value>", "the workload's stdin, exactly these bytes; - reads this process's stdin").conflicts("stdinFile"))
    .option("--stdin-file <path>", "the workload's stdin, copied from this file")
    .option("--stdin-max-bytes <bytes>", "largest stdin accepted", count, DEFAULT_STDIN_MAX_BYTES)
    .option("--notify-command <command>", "when the job ends, run this shell string with the job.finished event on stdin")
    .option("--notify-file <path>", "when the job ends, append the job.finished event to this NDJSON file");
  return withOutputMatch(command);
}

/** The output-match options of run, create and notify set. */
function withOutputMatch(command: Command): Command {
  return command
    .option("--output-pattern <pattern>", "fire job.output.matched for every later output line matching this ('' removes)")
    .addOption(new Option("--output-match-type <type>", "contains (substring, default) or regex (RE2 syntax, linear time)").choices(MATCH_TYPES))
    .addOption(new Option("--output-stream <stream>", "which stream's lines are matched (default either)").choices(MATCH_STREAMS))
    .option("--output-command <command>", "on each match, run this shell string with the event on stdin")
    .option("--output-file <path>", "on each match, append the event to this NDJSON file");
}

function definitionOf(o: Opts, args: string[]): DefinitionOptions & StdinOptions {
  return {
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
    config: o.config as string | undefined,
    stdin: o.stdin as string | undefined,
    stdinFile: o.stdinFile as string | undefined,
    stdinMaxBytes: o.stdinMaxBytes as number,
    notification: { notifyCommand: o.notifyCommand as string | undefined, notifyFile: o.notifyFile as string | undefined, ...outputMatchOf(o) },
  };
}

function outputMatchOf(o: Opts) {
  return {
    outputPattern: o.outputPattern as string | undefined,
    outputMatchType: o.outputMatchType as string | undefined,
    outputStream: o.outputStream as string | undefined,
    outputCommand: o.outputCommand as string | undefined,
    outputFile: o.outputFile as string | undefined,
  };
}

/** How run, start and restart watch the job, and their best-effort gc afterwards. */
function withObservation(command: Command): Command {
  return command
    .option("--wait [true|false]", "wait for the job before answering (default; --wait false = --no-wait)", waitValue)
    .option("--no-wait", "answer as soon as the job has started")
    .addOption(new Option("--until <seconds>", "wait at most this long").argParser(seconds).default(DEFAULT_RUN_UNTIL_SECONDS).conflicts("forever"))
    .option("--forever", "wait until the job ends, however long")
    .option("--max-bytes <bytes>", "bytes of each stream's head to include (up to 4 MiB)", count, DEFAULT_MAX_BYTES)
    .option("--no-auto-gc", "skip the best-effort cleanup of old finished jobs afterwards")
    .option("--auto-gc-older-than <duration>", "auto-gc retention window, e.g. 30d, 24h (default: config.toml, else 30d)", duration)
    .option("--auto-gc-max-jobs <n>", "auto-gc: keep at most this many finished jobs", count)
    .option("--auto-gc-max-bytes <bytes>", "auto-gc: keep finished jobs under this many bytes", count);
}

function observationOf(o: Opts): ObserveOptions & AutoGcOptions & { config?: string } {
  return {
    interrupt: interruptOnSignal(),
    wait: o.wait as boolean | undefined,
    until: o.until as number,
    forever: o.forever as boolean | undefined,
    maxBytes: o.maxBytes as number,
    autoGc: o.autoGc as boolean | undefined,
    autoGcOlderThan: o.autoGcOlderThan as string | undefined,
    autoGcMaxJobs: o.autoGcMaxJobs as number | undefined,
    autoGcMaxBytes: o.autoGcMaxBytes as number | undefined,
    config: o.config as string | undefined,
  };
}

/**
 * SIGINT/SIGTERM during run, start or restart stops the watch: the answer is printed at once with
 * the job's id and state, and the job keeps running (an agent whose tool call timed out must not
 * lose the id). A launch under way finishes its handshake first; a second signal exits at once.
 */
function interruptOnSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === "SIGINT" ? 130 : 143);
    log("info", `${name}: answering now; the job keeps running`);
    controller.abort();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  return controller.signal;
}

const runCommand = withObservation(withDefinition(subcommand("run", "run a command as a job and report on it for up to --until seconds")))
  // Piped or redirected input is forwarded without --stdin; see docs/CONTRACT-NOTES.md.
  .action(respond("run", (o, args) => run({ root: o.root, ...definitionOf(o, args), ...observationOf(o), forwardPiped: true })));
rejectBoth(runCommand, "inherit-env", "no-inherit-env");

const createCommand = withDefinition(subcommand("create", "define a job without starting it (start it later with start)"))
  .action(respond("create", (o, args) => create({ root: o.root, ...definitionOf(o, args) })));
rejectBoth(createCommand, "inherit-env", "no-inherit-env");

withObservation(subcommand("start", "start a created job and report on it like run"))
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--config <path>", "config.toml for the auto-gc defaults")
  .action(respond("start", (o, [jobId]) => start({ root: o.root, jobId: jobId!, ...observationOf(o) })));

withObservation(subcommand("restart", "run a job's definition again under the same id"))
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--signal <signal>", "signal that ends a running job first", "TERM")
  .option("--config <path>", "config.toml for the auto-gc defaults")
  .action(
    respond("restart", (o, [jobId]) => restart({ root: o.root, jobId: jobId!, signal: o.signal as string, ...observationOf(o) })),
  );

program
  .command("tag")
  .description("change a job's tags")
  .exitOverride()
  .addCommand(
    withGlobals(new Command("set").description("replace a job's tags; no --tag clears them"))
      .exitOverride()
      .argument("<job-id>", "job id or unambiguous prefix")
      .option("--tag <tag>", "a tag (repeatable)", collectTag)
      .action(respond("tag_set", (o, [jobId]) => tagSet({ root: o.root, jobId: jobId!, tags: o.tag as string[] | undefined }))),
  );

program
  .command("notify")
  .description("change a job's notification sinks")
  .exitOverride()
  .addCommand(
    withOutputMatch(withGlobals(new Command("set").description("change where a job's events go; metadata only, no sink runs now")))
      .exitOverride()
      .argument("<job-id>", "job id or unambiguous prefix")
      .option("--command <command>", "replace the job.finished command sink ('' removes it; --notify-file is kept)")
      .action(respond("notify.set", (o, [jobId]) => notifySet({ root: o.root, jobId: jobId!, command: o.command as string | undefined, ...outputMatchOf(o) }))),
  );

subcommand("delete", "delete a finished job, or with --all every finished job of this directory")
  .alias("rm")
  .argument("[job-id]", "job id or unambiguous prefix")
  .option("--all", "every finished job whose cwd is the current directory")
  .option("--dry-run", "report what would be deleted, delete nothing")
  .action(
    respond("delete", (o, [jobId]) =>
      deleteJobs({ root: o.root, jobId, all: o.all as boolean | undefined, dryRun: o.dryRun as boolean | undefined }),
    ),
  );

subcommand("gc", "delete finished jobs older than --older-than or beyond --max-jobs / --max-bytes")
  .option("--older-than <duration>", `retention window: 30d, 24h, 60m, 3600s (default ${DEFAULT_GC_OLDER_THAN})`)
  .option("--max-jobs <n>", "keep at most this many newest finished jobs", count)
  .option("--max-bytes <bytes>", "keep finished jobs' total size under this, deleting oldest first", count)
  .option("--dry-run", "report what would be deleted, delete nothing")
  .action(
    respond("gc", (o) =>
      gc({
        root: o.root,
        olderThan: o.olderThan as string | undefined,
        maxJobs: o.maxJobs as number | undefined,
        maxBytes: o.maxBytes as number | undefined,
        dryRun: o.dryRun as boolean | undefined,
      }),
    ),
  );

subcommand("status", "state, exit code and times of a job")
  .argument("<job-id>", "job id or unambiguous prefix")
  .action(respond("status", (o, [jobId]) => status({ root: o.root, jobId: jobId! })));

subcommand("tail", "the end of a job's stdout and stderr")
  .argument("<job-id>", "job id or unambiguous prefix")
  .option("--tail-lines <n>", "lines from the end of each stream (0 = no limit)", count, DEFAULT_TAIL_LINES)
  .option("--max-bytes <bytes>", "bytes from the end of each stream at most (up to 4 MiB)", count, DEFAULT_MAX_BYTES)
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
  .option("--grace <seconds>", "if the job still runs this long after --signal, send SIGKILL")
  .action(
    respond("kill", (o, [jobId]) =>
      kill({ root: o.root, jobId: jobId!, signal: o.signal as string, noWait: o.wait === false, grace: o.grace as string | undefined }),
    ),
  );

function listCommand(name: string, description: string, state?: "running"): Command {
  const command = subcommand(name, description)
    .option("--limit <n>", "rows at most (0 = all)", count, DEFAULT_LIST_LIMIT)
    .addOption(new Option("--cwd <dir>", "only jobs defined in this directory").conflicts("all"))
    .option("--all", "jobs from every directory")
    .option("--tag <pattern>", "only jobs with this tag, or any tag under prefix.* (repeatable; all must match)", collectTagPattern);
  if (!state) command.addOption(new Option("--state <state>", "only jobs in this state").choices(LIST_STATES));
  return command.action(
    respond("list", (o) =>
      list({
        root: o.root,
        limit: o.limit as number,
        cwd: o.cwd as string | undefined,
        all: o.all as boolean | undefined,
        state: state ?? (o.state as ListOptions["state"]),
        tags: o.tag as string[] | undefined,
      }),
    ),
  );
}
listCommand("list", "jobs, newest first, from the current directory unless --all or --cwd");
listCommand("ps", "running jobs (list --state running)", "running");

subcommand("doctor", "platform, versions and the process-tree backend this installation uses")
  .action(respond("doctor", (o) => doctor({ root: o.root })));

subcommand("schema", "the JSON Schema of every response and error envelope")
  .action(respond("schema", () => schema()));

subcommand("install-skills", "install the agent-exec skill into .agents/skills/ (or .claude/skills/)")
  .option("--claude", "install into .claude/ instead of .agents/")
  .option("--global", "install under the home directory instead of the current one")
  .action(respond("install_skills", (o) => installSkills({ claude: o.claude as boolean | undefined, global: o.global as boolean | undefined })));

// Not JSON: the script is meant to be sourced by the shell.
subcommand("completions", "print a shell completion script (job ids complete from the jobs root)")
  .addArgument(program.createArgument("<shell>", SHELLS.join(", ")).choices(SHELLS))
  .action((shell: Shell) => finish(completionScript(shell), 0));

// Called by the completion scripts at <TAB>: candidates one per line; never JSON, never an error.
program
  .command("__complete", { hidden: true })
  .argument("[cword]")
  .argument("[words...]")
  .helpOption(false)
  .allowUnknownOption()
  .action(async (cword: string, words: string[]) => {
    const candidates = await complete(program, words, Number(cword)).catch(() => []);
    await finish(candidates.map((c) => `${c}\n`).join(""), 0);
  });

// serve is long-running: it prints one line when listening instead of going through respond().
subcommand("serve", "HTTP API (run, status, tail, wait, kill, list as JSON endpoints) on 127.0.0.1:19263")
  .option("--bind <host:port>", `address to listen on (default ${DEFAULT_BIND}; non-loopback needs --insecure and a token)`, bind)
  .option("--port <port>", "port to listen on, replacing --bind's (0 = any free port)", port)
  .option("--token <token>", "require Authorization: Bearer <token> on every endpoint but /health (default: $AGENT_EXEC_SERVE_TOKEN, $AGENT_EXEC_TOKEN)")
  .option("--insecure", "allow a non-loopback --bind (a token is still required)")
  .option("--allow-origin <origin>", "let this one browser origin call the API (CORS), e.g. https://app.example.com; * is refused")
  .action(async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const o: Opts = { ...program.opts(), ...definedOnly(command.opts()) };
    setVerbosity((program.opts().verbose as number) + (command.opts().verbose as number));
    try {
      const token = (o.token as string | undefined) || process.env.AGENT_EXEC_SERVE_TOKEN || process.env.AGENT_EXEC_TOKEN || undefined;
      // Jobs inherit this process's environment; the token is not theirs.
      delete process.env.AGENT_EXEC_SERVE_TOKEN;
      delete process.env.AGENT_EXEC_TOKEN;
      const server = await startServer({
        root: o.root,
        bind: o.bind as string | undefined,
        port: o.port as number | undefined,
        token,
        insecure: o.insecure as boolean | undefined,
        allowOrigin: o.allowOrigin as string | undefined,
      });
      const url = `http://${server.bind}`;
      const hello = { bind: server.bind, url, root: server.root, auth: server.auth, ...(server.allowOrigin ? { allow_origin: server.allowOrigin } : {}), pid: process.pid };
      process.stdout.write(formatEnvelope(okEnvelope("serve", hello), false));
      const signal = await new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      });
      log("info", `serve: ${signal}: no new connections; finishing in-flight requests`);
      const again = () => process.exit(1); // a second signal does not wait for the grace period
      process.once("SIGINT", again).once("SIGTERM", again);
      await server.close();
      process.exit(0);
    } catch (error) {
      await fail(error);
    }
  });

// mcp is long-running and speaks JSON-RPC on stdout; the SDK is loaded here only, so no other
// verb pays for it. A bad until variable is reported on stderr: stdout is the protocol's.
subcommand("mcp", "MCP server over stdio: run, status, tail, wait, kill and list as tools")
  .action(async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const o: Opts = { ...program.opts(), ...definedOnly(command.opts()) };
    setVerbosity((program.opts().verbose as number) + (command.opts().verbose as number));
    try {
      const { serveStdio } = await import("./mcp/server.js");
      const { untilBudgetFromEnv } = await import("./mcp/tools.js");
      await serveStdio({ root: o.root, budget: untilBudgetFromEnv() });
      process.exit(0);
    } catch (error) {
      process.stderr.write(`error: ${asAgentExecError(error).message}\n`);
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

try {
  await program.parseAsync(process.argv.slice(2), { from: "user" });
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version are not errors; everything else commander rejects is a usage error.
    process.exit(error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2);
  }
  await fail(error);
}
