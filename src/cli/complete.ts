import type { Command as AnyCommand, Option, OptionValues } from "@commander-js/extra-typings";

type Command = AnyCommand<unknown[], OptionValues, OptionValues>;

// Which jobs a (sub)command's job-id argument offers at <TAB> (undefined: all), as in the reference;
// restart, which the reference lacks, takes any job.
const JOB_ID_STATES: Record<string, readonly string[] | undefined> = {
  status: undefined,
  tail: undefined,
  "tag set": undefined,
  "notify set": undefined,
  restart: undefined,
  start: ["created"],
  wait: ["created", "running"],
  kill: ["running"],
  delete: ["exited", "killed", "failed"],
};

/**
 * Completion candidates for the word at `cword` of `words` (the command line after the program
 * name): subcommands, the flags of the current subcommand, the choices of a flag's value, or the
 * job ids of this directory's jobs whose state the subcommand accepts. Read from commander's own
 * definition, so new flags and subcommands complete without changes here.
 */
export async function complete(program: Command, words: string[], cword: number): Promise<string[]> {
  if (!Number.isSafeInteger(cword) || cword < 0) return [];
  [words, cword] = joinEquals(words, cword);
  const current = words[cword] ?? "";
  const before = words.slice(0, cword);
  const help = program.createHelp();
  let scope = program;
  const path: string[] = [];
  let root: string | undefined;
  let positionals = 0;
  let operandsOnly = false;
  let valueFor: Option | undefined;
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    if (operandsOnly || !word.startsWith("-") || word === "-") {
      const child = operandsOnly || positionals > 0 ? undefined : findCommand(help.visibleCommands(scope), word);
      if (child) {
        scope = child;
        path.push(child.name());
      } else if (scope === program) {
        return [];
      } else {
        positionals++;
      }
      continue;
    }
    if (word === "--") {
      operandsOnly = true;
      continue;
    }
    const [flag, inline] = splitInline(word);
    const option = findOption(scope, flag) ?? findOption(program, flag);
    if (flag === "--root") root = inline ?? before[i + 1];
    if (option && (option.required || option.optional) && inline === undefined) {
      if (i + 1 === before.length) valueFor = option;
      i++;
    }
  }
  const matching = (candidates: readonly string[]) => candidates.filter((c) => c.startsWith(current));
  const command = path.join(" ");
  if (valueFor) return matching(valueFor.argChoices ?? []);
  if (operandsOnly) return [];
  if (current.startsWith("-")) return matching(help.visibleOptions(scope).flatMap((o) => (o.long ? [o.long] : [])));
  if (positionals === 0 && scope.commands.length > 0) return matching(help.visibleCommands(scope).map((c) => c.name()));
  if (positionals === 0 && command in JOB_ID_STATES) return jobIds(root, JOB_ID_STATES[command], current);
  return matching(scope.registeredArguments[positionals]?.argChoices ?? []);
}

// bash splits `--root=DIR` into "--root", "=", "DIR" (COMP_WORDBREAKS); put such words back together.
function joinEquals(words: string[], cword: number): [string[], number] {
  const joined: string[] = [];
  let index = cword;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "=" && joined.at(-1)?.startsWith("--") && i <= cword) {
      const value = i + 1 < words.length ? words[i + 1]! : "";
      joined[joined.length - 1] += `=${value}`;
      index -= i + 1 <= cword ? 2 : 1;
      i++;
    } else {
      joined.push(words[i]!);
    }
  }
  return [joined, index];
}

function findCommand(commands: Command[], word: string): Command | undefined {
  return commands.find((c) => c.name() === word || c.aliases().includes(word));
}

/** Ids of the caller's directory's jobs (as `list` scopes them), optionally only in the given states. */
async function jobIds(root: string | undefined, states: readonly string[] | undefined, prefix: string): Promise<string[]> {
  const { list } = await import("../commands/list.js"); // only when a job id is being completed
  const { jobs } = await list({ root, limit: 0 });
  return jobs
    .filter((job) => !states || states.includes(job.state))
    .map((job) => job.job_id)
    .filter((id) => id.startsWith(prefix.toUpperCase()));
}

function findOption(command: Command, flag: string): Option | undefined {
  return command.options.find((o) => o.long === flag || o.short === flag);
}

function splitInline(word: string): [string, string | undefined] {
  const at = word.indexOf("=");
  return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
}
