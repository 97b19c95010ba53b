import { Command, CommanderError, Option, type OptionValues } from "@commander-js/extra-typings";
import { clapCompletionRequest, completionScript, type CompletionRequest, SHELLS } from "./completions.js";
import { bind, collect, collectTag, collectTagPattern, count, duration, increase, normalizeWait, port, seconds, waitValue } from "./args.js";
import { log, setVerbosity } from "../log.js";
import { errorEnvelope, formatEnvelope, okEnvelope } from "../protocol/envelope.js";
import { AgentExecError, asAgentExecError } from "../protocol/errors.js";
import { resolveCliCompression } from "../compress/modes.js";
import {
  COMPRESSION_MODES,
  DEFAULT_BIND,
  DEFAULT_GC_OLDER_THAN,
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_BYTES,
  DEFAULT_RUN_UNTIL_SECONDS,
  DEFAULT_STDIN_MAX_BYTES,
  DEFAULT_TAIL_LINES,
  DEFAULT_WAIT_UNTIL_SECONDS,
  EXCERPT_MODES,
  LIST_STATES,
  MATCH_STREAMS,
  MATCH_TYPES,
  notificationOf,
  type NotificationOptions,
  tailLinesProblem,
} from "../protocol/options.js";
import { AGENT_EXEC_VERSION } from "../version.js";
import { writeSync } from "node:fs";

// The only module that prints or chooses an exit code: commands return data or throw coded errors.
// Every verb declares its options once, here, and commander's inferred types carry them to the
// command function (tsc checks each against the API's option types). Only what declaring needs is
// imported above; each verb's command function is imported when that verb runs.

const program = withGlobals(
  new Command("agent-exec")
    .description("Durable job runner for AI agents: every command prints one JSON object on stdout.")
    .version(`agent-exec ${AGENT_EXEC_VERSION}`, "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) }),
);

/** --root, --yaml and -v are accepted before the subcommand and after it. */
function withGlobals<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option("--root <path>", "jobs root (default: $AGENT_EXEC_ROOT, $XDG_DATA_HOME/agent-exec/jobs, platform default)")
    .option("--yaml", "print the response as YAML instead of JSON")
    .option("-v, --verbose", "diagnostics on stderr (-vv for debug)", increase, 0);
}

function subcommand(name: string, description: string) {
  return withGlobals(program.command(name).description(description)).exitOverride();
}

// Each verb's definition, built only when that verb runs: commander's objects for all of them
// took ~4 ms of every start. Help, completion and a word that names no verb build them all.
const definitions = new Map<string, () => void>();
function verb(names: string[], define: () => void): void {
  for (const name of names) definitions.set(name, define);
}

/** The verb of a command line: its first word that is neither a program option nor that option's value. */
function verbOf(args: string[]): string | undefined {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return undefined;
    if (!arg.startsWith("-")) return arg;
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}

/** Builds what `args` needs: its verb alone, or every verb for help, completion and mistakes. */
function defineVerbs(args: string[], completing: boolean): void {
  const name = verbOf(args);
  const one = completing || name === "__complete" ? undefined : definitions.get(name ?? "");
  for (const define of one ? [one] : new Set(definitions.values())) define();
}

// commander types a counted flag as number | true; increase() makes it a count (0 by default).
type GlobalFlags = { root?: string; yaml?: true; verbose: number | true };

/** The verb's options with the globals given before it folded in, and sets the log verbosity. */
function flagsOf<O extends GlobalFlags>(command: Command<unknown[], O, OptionValues>): O {
  const globals = program.opts();
  const own = command.opts();
  setVerbosity(Number(globals.verbose) + Number(own.verbose));
  return { ...own, root: own.root ?? globals.root, yaml: own.yaml ?? globals.yaml };
}

/** Runs a command function and prints its result as one envelope; errors become error envelopes. */
function respond<A extends unknown[], O extends GlobalFlags, G extends OptionValues>(
  command: Command<A, O, G>,
  type: string,
  handler: (flags: O, args: A) => Promise<object>,
) {
  return command.action(async () => {
    const flags = flagsOf(command);
    try {
      const data = await handler(flags, command.processedArgs);
      await finish(formatEnvelope(okEnvelope(type, data), Boolean(flags.yaml)), 0);
    } catch (error) {
      await fail(error, Boolean(flags.yaml), command);
    }
  });
}

async function fail(error: unknown, yaml = false, command?: Command<unknown[], OptionValues, OptionValues>): Promise<never> {
  const coded = command ? inFlags(asAgentExecError(error), command) : asAgentExecError(error);
  if (coded.code === "usage_error") {
    process.stderr.write(`error: ${coded.message}\n`);
    return finish("", 2);
  }
  return finish(formatEnvelope(errorEnvelope(coded), yaml), 1);
}

/**
 * Command functions name the API's fields (until, max_bytes, output_pattern); the CLI's user typed
 * flags, so the fields the error names that are options of this verb are given as those flags
 * (--until, --max-bytes, --output-pattern). The fields are the error's `fields`, else, for a bad
 * value (invalid_argument), the word its message begins with ("until 5e9: ...").
 */
function inFlags(error: AgentExecError, command: Command<unknown[], OptionValues, OptionValues>): AgentExecError {
  const flags = new Map(command.options.flatMap((option) => (option.long ? [[option.long.slice(2).replaceAll("-", "_"), option.long]] : [])));
  const first = error.message.split(" ", 1)[0]!;
  // Whole words only, never part of a path or a value quoted in the message.
  const fields = error.fields ?? (error.code === "invalid_argument" ? [first] : []);
  let message = error.message;
  for (const field of fields) {
    const flag = flags.get(field);
    if (flag) message = message.replace(new RegExp(`(?<=^|[\\s(])${field}(?=$|[\\s:,)])`), flag);
  }
  if (message === error.message) return error;
  return new AgentExecError(error.code, message, { details: error.details, cause: error, retryable: error.retryable });
}

// Exit only after stdout has been flushed. Written with writeSync first: process.stdout on a
// pipe is a net.Socket, and loading net and the streams costs a short command ~3 ms. A
// non-blocking descriptor that is full (EAGAIN) gets the rest through process.stdout, which
// waits; any other failure (EPIPE: the reader is gone) leaves no one to tell.
function finish(text: string, code: number): Promise<never> {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(1, rest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return new Promise(() => process.stdout.write(rest, () => process.exit(code)));
  }
  return process.exit(code);
}

/** The options that define a job: run and create. */
function withDefinition<O extends OptionValues, G extends OptionValues>(command: Command<[], O, G>) {
  const defined = command
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
  rejectBoth(defined, "inherit-env", "no-inherit-env");
  return withOutputMatch(defined);
}

/** The output-match options of run, create and notify set. */
function withOutputMatch<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option("--output-pattern <pattern>", "fire job.output.matched for every later output line matching this ('' removes)")
    .addOption(new Option("--output-match-type <type>", "contains (substring, default) or regex (RE2 syntax, linear time)").choices(MATCH_TYPES))
    .addOption(new Option("--output-stream <stream>", "which stream's lines are matched (default either)").choices(MATCH_STREAMS))
    .option("--output-command <command>", "on each match, run this shell string with the event on stdin")
    .option("--output-file <path>", "on each match, append the event to this NDJSON file");
}

/** What run and create take beyond their flags' own names: the argv, and the flags named in the singular. */
function definitionOf(flags: NotificationOptions & { envFile?: string[]; tag?: string[] }, command: string[]) {
  return { command, envFiles: flags.envFile, tags: flags.tag, notification: notificationOf(flags) };
}

/** run/start/restart and wait: which part of each stream to return, and when output means "ready". */
function withOutput<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, part: string, lines: string) {
  return command
    .addOption(new Option("--excerpt <part>", `which part of each stream to return: head, tail or both (default ${part})`).choices(EXCERPT_MODES))
    .option("--tail-lines <n>", `lines of each stream's tail, with --excerpt tail or both (default ${lines})`, count)
    .option("--until-output <regex>", "answer as soon as a stdout or stderr line matches (RE2 syntax), still within --until");
}

/** How run, start and restart watch the job, and their best-effort gc afterwards. */
function withObservation<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  const parseOptions = command.parseOptions.bind(command);
  const takesValue = (flag: string) => command.options.some((o) => (o.long === flag || o.short === flag) && (o.required || o.optional));
  command.parseOptions = (args) => parseOptions(normalizeWait(args, takesValue, command.name() === "run"));
  command.hook("preAction", () => {
    if (tailLinesProblem(command.opts(), "head")) throw new AgentExecError("usage_error", "--tail-lines needs --excerpt tail or both: the head excerpt is cut by --max-bytes only");
  });
  return withOutput(command, "head", "none; needs --excerpt tail|both")
    .option("--wait [true|false]", "wait for the job before answering (the default; --wait false = --no-wait)", waitValue)
    .option("--no-wait", "answer as soon as the job has started")
    .addOption(new Option("--until <seconds>", "wait at most this long").argParser(seconds).default(DEFAULT_RUN_UNTIL_SECONDS).conflicts("forever"))
    .option("--forever", "wait until the job ends, however long")
    .option("--max-bytes <bytes>", "bytes of each stream's head (or tail) to include (up to 4 MiB)", count, DEFAULT_MAX_BYTES)
    .option("--no-auto-gc", "skip the best-effort cleanup of old finished jobs afterwards")
    .option("--auto-gc-older-than <duration>", "auto-gc retention window, e.g. 30d, 24h (default: config.toml, else 30d)", duration)
    .option("--auto-gc-max-jobs <n>", "auto-gc: keep at most this many finished jobs", count)
    .option("--auto-gc-max-bytes <bytes>", "auto-gc: keep finished jobs under this many bytes", count);
}

/** --compress MODE and its alias --rtk MODE: run, start, restart and tail. */
function withCompression<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .addOption(
      new Option("--compress <MODE>", "add a condensed view of the output as `compression` (default: config.toml's [compression].default, else route; off: none)").choices(
        COMPRESSION_MODES,
      ),
    )
    .addOption(new Option("--rtk <MODE>", "alias for --compress").choices(COMPRESSION_MODES));
}

/** The API's `compress` for the flags given: --compress and --rtk naming different modes is a usage error. */
function compressionOf(flags: { compress?: string; rtk?: string }) {
  return { compress: resolveCliCompression(flags.compress, flags.rtk) };
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

// Piped or redirected input is forwarded without --stdin; see docs/CONTRACT-NOTES.md.
const RUN_STDIN_HELP = `
Stdin: piped or redirected (non-tty) caller stdin is forwarded automatically, so
\`producer | agent-exec run -- consumer\` works; --stdin or --stdin-file takes precedence and
suppresses that detection. A tty stdin is never read. (\`create\` never captures stdin implicitly.)`;
const CREATE_STDIN_HELP = `
Stdin: \`create\` never captures piped stdin implicitly; give --stdin or --stdin-file.`;

verb(["run"], () => {
  respond(withCompression(withObservation(withDefinition(subcommand("run", "run a command as a job and report on it for up to --until seconds")))).addHelpText("after", RUN_STDIN_HELP), "run", async (o, [command]) => {
    const { run } = await import("../commands/run.js");
    return run({ ...o, ...compressionOf(o), ...definitionOf(o, command), interrupt: interruptOnSignal(), forwardPiped: true });
  });
});

verb(["create"], () => {
  respond(withDefinition(subcommand("create", "define a job without starting it (start it later with start)")).addHelpText("after", CREATE_STDIN_HELP), "create", async (o, [command]) => {
    const { create } = await import("../commands/create.js");
    return create({ ...o, ...definitionOf(o, command) });
  });
});

verb(["start"], () => {
  respond(
    withCompression(withObservation(subcommand("start", "start a created job and report on it like run")))
      .argument("<JOB_ID>", "job id or unambiguous prefix")
      .option("--config <path>", "config.toml for the auto-gc and compression defaults"),
    "start",
    async (o, [jobId]) => (await import("../commands/start.js")).start({ ...o, ...compressionOf(o), jobId, interrupt: interruptOnSignal() }),
  );
});

verb(["restart"], () => {
  respond(
    withCompression(withObservation(subcommand("restart", "run a job's definition again under the same id")))
      .argument("<JOB_ID>", "job id or unambiguous prefix")
      .option("--signal <signal>", "signal that ends a running job first", "TERM")
      .option("--config <path>", "config.toml for the auto-gc and compression defaults"),
    "restart",
    async (o, [jobId]) => (await import("../commands/restart.js")).restart({ ...o, ...compressionOf(o), jobId, interrupt: interruptOnSignal() }),
  );
});

verb(["tag"], () => {
  const tagSet = withGlobals(new Command("set").description("replace a job's tags; no --tag clears them"))
    .exitOverride()
    .argument("<JOB_ID>", "job id or unambiguous prefix")
    .option("--tag <tag>", "a tag (repeatable)", collectTag);
  respond(tagSet, "tag_set", async (o, [jobId]) => (await import("../commands/tag-set.js")).tagSet({ root: o.root, jobId, tags: o.tag }));
  program.command("tag").description("change a job's tags").exitOverride().addCommand(tagSet);
});

verb(["notify"], () => {
  const notifySet = withOutputMatch(withGlobals(new Command("set").description("change where a job's events go; metadata only, no sink runs now")))
    .exitOverride()
    .argument("<JOB_ID>", "job id or unambiguous prefix")
    .option("--command <command>", "replace the job.finished command sink ('' removes it; --notify-file is kept)");
  respond(notifySet, "notify.set", async (o, [jobId]) => (await import("../commands/notify-set.js")).notifySet({ ...o, jobId }));
  program.command("notify").description("change a job's notification sinks").exitOverride().addCommand(notifySet);
});

verb(["delete", "rm"], () => {
  respond(
    subcommand("delete", "delete a finished job, or with --all every finished job of this directory")
      .alias("rm")
      .argument("[JOB_ID]", "job id or unambiguous prefix")
      .option("--all", "every finished job whose cwd is the current directory")
      .option("--dry-run", "report what would be deleted, delete nothing"),
    "delete",
    async (o, [jobId]) => (await import("../commands/delete.js")).deleteJobs({ ...o, jobId }),
  );
});

verb(["gc"], () => {
  respond(
    subcommand("gc", "delete finished jobs older than --older-than or beyond --max-jobs / --max-bytes")
      .option("--older-than <duration>", `retention window: 30d, 24h, 60m, 3600s (default ${DEFAULT_GC_OLDER_THAN})`)
      .option("--max-jobs <n>", "keep the newest N finished jobs, whatever their age, and delete the others", count)
      .option("--max-bytes <bytes>", "keep finished jobs' total size under this, deleting oldest first", count)
      .option("--dry-run", "report what would be deleted, delete nothing")
      .option("--details", "add `jobs`: each job directory looked at, with its action and reason"),
    "gc",
    async (o) => (await import("../commands/gc.js")).gc(o),
  );
});

verb(["status"], () => {
  respond(
    subcommand("status", "state, exit code and times of a job").argument("<JOB_ID>", "job id or unambiguous prefix"),
    "status",
    async (o, [jobId]) => (await import("../commands/status.js")).status({ root: o.root, jobId }),
  );
});

verb(["tail"], () => {
  respond(
    withCompression(subcommand("tail", "the end of a job's stdout and stderr"))
      .argument("<JOB_ID>", "job id or unambiguous prefix")
      .option("--tail-lines <n>", "lines from the end of each stream (0 = no limit)", count, DEFAULT_TAIL_LINES)
      .addOption(new Option("--lines <n>", "the same as --tail-lines (agent-exec 0.2.31's name)").argParser(count).conflicts("tailLines"))
      .option("--max-bytes <bytes>", "bytes from the end of each stream at most (up to 4 MiB)", count, DEFAULT_MAX_BYTES)
      .option("--since <cursor>", "only what came after this cursor (from an earlier answer), from there on; --tail-lines is not used"),
    "tail",
    async ({ lines, ...o }, [jobId]) => (await import("../commands/tail.js")).tail({ ...o, tailLines: lines ?? o.tailLines, ...compressionOf(o), jobId }),
  );
});

verb(["wait"], () => {
  respond(
    withOutput(subcommand("wait", "wait until a job ends or --until passes; the job keeps running either way"), "tail", DEFAULT_TAIL_LINES.toString())
      .argument("<JOB_ID>", "job id or unambiguous prefix")
      .option("--poll <seconds>", "fallback check interval; state changes are seen at once", seconds, 1)
      .addOption(new Option("--until <seconds>", `wait at most this long (default ${DEFAULT_WAIT_UNTIL_SECONDS})`).argParser(seconds).conflicts("forever"))
      .option("--forever", "wait until the job ends, however long")
      .option("--max-bytes <bytes>", "bytes of each stream's tail (or head) to include (default 65536, up to 4 MiB)", count),
    "wait",
    async (o, [jobId]) => (await import("../commands/wait.js")).wait({ ...o, jobId }),
  );
});

verb(["kill"], () => {
  respond(
    subcommand("kill", "signal a job's whole process tree and report the outcome")
      .argument("<JOB_ID>", "job id or unambiguous prefix")
      .option("--signal <signal>", "TERM, INT, KILL or another signal name or number", "TERM")
      .option("--no-wait", "do not watch for the outcome (legacy response shape)")
      .option("--grace <seconds>", "if the job still runs this long after --signal, send SIGKILL"),
    "kill",
    async (o, [jobId]) => (await import("../commands/kill.js")).kill({ root: o.root, jobId, signal: o.signal, noWait: o.wait === false, grace: o.grace }),
  );
});

/** list and ps: the filters both take. */
function withListFilters<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option("--limit <n>", "rows at most (0 = all)", count, DEFAULT_LIST_LIMIT)
    .addOption(new Option("--cwd <dir>", "only jobs defined in this directory").conflicts("all"))
    .option("--all", "jobs from every directory")
    .option("--tag <pattern>", "only jobs with this tag, or any tag under prefix.* (repeatable; all must match)", collectTagPattern);
}
verb(["list"], () => {
  respond(
    withListFilters(subcommand("list", "jobs, newest first, from the current directory unless --all or --cwd")).addOption(
      new Option("--state <state>", "only jobs in this state").choices(LIST_STATES),
    ),
    "list",
    async (o) => (await import("../commands/list.js")).list({ ...o, tags: o.tag }),
  );
});
verb(["ps"], () => {
  respond(withListFilters(subcommand("ps", "running jobs (list --state running)")), "list", async (o) =>
    (await import("../commands/list.js")).list({ ...o, tags: o.tag, state: "running" }),
  );
});

verb(["doctor"], () => {
  respond(subcommand("doctor", "platform, versions and the process-tree backend this installation uses"), "doctor", async (o) =>
    (await import("../commands/doctor.js")).doctor({ root: o.root }),
  );
});

verb(["schema"], () => {
  respond(subcommand("schema", "the JSON Schema of every response and error envelope"), "schema", async () =>
    (await import("../commands/schema.js")).schema(),
  );
});

verb(["install-skills"], () => {
  respond(
    subcommand("install-skills", "install the agent-exec skill into .agents/skills/ (or .claude/skills/)")
      .option("--claude", "install into .claude/ instead of .agents/")
      .option("--global", "install under the home directory instead of the current one"),
    "install_skills",
    async (o) => (await import("../commands/install-skills.js")).installSkills({ claude: o.claude, global: o.global }),
  );
});

verb(["completions"], () => {
  // Not JSON: the script is meant to be sourced by the shell.
  subcommand("completions", "print a shell completion script (job ids complete from the jobs root)")
    .addArgument(program.createArgument("<shell>", SHELLS.join(", ")).choices(SHELLS))
    .action((shell) => finish(completionScript(shell), 0));
});

verb(["__complete"], () => {
  // Called by the completion scripts at <TAB>: candidates one per line; never JSON, never an error.
  program
    .command("__complete", { hidden: true })
    .argument("[cword]")
    .argument("[words...]")
    .helpOption(false)
    .allowUnknownOption()
    .action((cword, words) => printCandidates({ words, cword: Number(cword), separator: "\n" }));
});

async function printCandidates({ words, cword, separator }: CompletionRequest): Promise<never> {
  const { complete } = await import("./complete.js");
  const candidates = await complete(program, words, cword).catch(() => []);
  return finish(candidates.map((c) => `${c}${separator}`).join(""), 0);
}

verb(["serve"], () => {
  // serve is long-running: it prints one line when listening instead of going through respond().
  const serve = subcommand("serve", "HTTP API (run, status, tail, wait, kill, list as JSON endpoints) on 127.0.0.1:19263")
    .option("--bind <host:port>", `address to listen on (default ${DEFAULT_BIND}; non-loopback needs --insecure and a token)`, bind)
    .option("--port <port>", "port to listen on, replacing --bind's (0 = any free port)", port)
    .option("--token <token>", "require Authorization: Bearer <token> on every endpoint but /health (default: $AGENT_EXEC_SERVE_TOKEN, $AGENT_EXEC_TOKEN)")
    .option("--insecure", "allow a non-loopback --bind (a token is still required)")
    .option("--allow-origin <origin>", "let this one browser origin call the API (CORS), e.g. https://app.example.com; * is refused");
  serve.action(async () => {
    const o = flagsOf(serve);
    try {
      const token = o.token || process.env.AGENT_EXEC_SERVE_TOKEN || process.env.AGENT_EXEC_TOKEN || undefined;
      // Jobs inherit this process's environment; the token is not theirs.
      delete process.env.AGENT_EXEC_SERVE_TOKEN;
      delete process.env.AGENT_EXEC_TOKEN;
      const { startServer } = await import("../server/http.js");
      const server = await startServer({ ...o, token });
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
});

verb(["mcp"], () => {
  // mcp is long-running and speaks JSON-RPC on stdout; the SDK is loaded here only, so no other
  // verb pays for it. A bad until variable is reported on stderr: stdout is the protocol's.
  const mcp = subcommand("mcp", "MCP server over stdio: run, status, tail, wait, kill and list as tools");
  mcp.action(async () => {
    const o = flagsOf(mcp);
    try {
      const { serveStdio } = await import("../mcp/server.js");
      const { untilBudgetFromEnv } = await import("../mcp/tools.js");
      await serveStdio({ root: o.root, budget: untilBudgetFromEnv() });
      process.exit(0);
    } catch (error) {
      process.stderr.write(`error: ${asAgentExecError(error).message}\n`);
      process.exit(1);
    }
  });
});

/** Commander folds --x and --no-x into one value; the reference treats giving both as a usage error. */
function rejectBoth<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, a: string, b: string): void {
  const seen = new Set<string>();
  command.on(`option:${a}`, () => seen.add(a)).on(`option:${b}`, () => seen.add(b));
  command.hook("preAction", () => {
    if (seen.size === 2) throw new AgentExecError("usage_error", `--${a} and --${b} cannot be used together`);
  });
}

// No top-level await: the bundle is CommonJS (scripts/bundle.mjs), which has none.
(async () => {
  const args = process.argv.slice(2);
  const clap = clapCompletionRequest(args, process.env);
  defineVerbs(args, clap !== undefined);
  if (clap) await printCandidates(clap);
  await program.parseAsync(args, { from: "user" });
})().catch((error) => {
  if (error instanceof CommanderError) {
    // Help asked for (--help, `help VERB`) and --version are not errors; everything else
    // commander rejects, help shown for a missing verb included, is a usage error.
    const asked = ["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code) && error.exitCode === 0;
    process.exit(asked ? 0 : 2);
  }
  return fail(error);
});
