import { fileURLToPath } from "node:url";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

// The scripts call back into this very installation (node + dist/cli.cjs, by absolute path, like the
// reference's current_exe) so they work without agent-exec on PATH; regenerate after moving it.
const LAUNCHER = [process.execPath, "--", fileURLToPath(new URL("../cli.cjs", import.meta.url))];

/**
 * A completion script for `shell`. At <TAB> it runs `agent-exec __complete <cword> -- <words…>`
 * (words after the program name; cword is the index of the word being completed) and offers its
 * output, one candidate per line. Passing the index, not an empty last word, works in PowerShell,
 * which drops empty arguments to native commands.
 */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case "bash":
      return `# agent-exec completion for bash: source it, or append it to ~/.bash_completion
_agent_exec_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(${LAUNCHER.map(posixQuote).join(" ")} __complete "$((COMP_CWORD - 1))" -- "\${COMP_WORDS[@]:1}" 2>/dev/null))
}
complete -o default -F _agent_exec_complete agent-exec
`;
    // zsh speaks clap's protocol (see clapCompletionRequest), under clap's function name, as 0.2.31's does.
    case "zsh":
      return `#compdef agent-exec
# agent-exec completion for zsh: save as _agent-exec in a directory on $fpath, or source it
_clap_dynamic_completer_agent_exec() {
  local -a candidates
  candidates=(\${(f)"$(_CLAP_COMPLETE_INDEX="$((CURRENT - 1))" COMPLETE="zsh" ${LAUNCHER.map(posixQuote).join(" ")} -- "\${(@)words}" 2>/dev/null)"})
  if (( \${#candidates} )); then compadd -a candidates; else _files; fi
}
if [[ "\${funcstack[1]}" == _clap_dynamic_completer_agent_exec ]]; then _clap_dynamic_completer_agent_exec "$@"; else compdef _clap_dynamic_completer_agent_exec agent-exec; fi
`;
    case "fish":
      return `# agent-exec completion for fish: save as ~/.config/fish/completions/agent-exec.fish
function __agent_exec_complete
    set -l words (commandline -opc)
    set -e words[1]
    ${LAUNCHER.map(fishQuote).join(" ")} __complete (count $words) -- $words (commandline -ct) 2>/dev/null
end
complete -c agent-exec -f -a '(__agent_exec_complete)'
`;
    case "powershell":
      return `# agent-exec completion for PowerShell: add it to your $PROFILE
Register-ArgumentCompleter -Native -CommandName 'agent-exec' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    $cword = if ($wordToComplete) { $words.Count - 1 } else { $words.Count }
    & ${LAUNCHER.map(powershellQuote).join(" ")} __complete $cword '--' @words 2>$null | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`;
  }
}

export interface CompletionRequest {
  /** The command line after the program name. */
  words: string[];
  /** The index in `words` of the word being completed. */
  cword: number;
  /** What goes between candidates. */
  separator: string;
}

/**
 * clap_complete's CompleteEnv protocol, which 0.2.31's completion scripts (and our zsh script)
 * speak: COMPLETE=<shell> and `[completer] -- <program> <words…>`, the index of the word being
 * completed (the program is 0) in _CLAP_COMPLETE_INDEX, else the last; candidates joined by
 * _CLAP_IFS, else newlines. Only when COMPLETE names a shell, `--` is the first or second argument
 * and the word after it is agent-exec, so a stray COMPLETE cannot turn `run -- cmd` into this.
 */
export function clapCompletionRequest(argv: readonly string[], env: NodeJS.ProcessEnv): CompletionRequest | undefined {
  if (!(SHELLS as readonly string[]).includes(env.COMPLETE ?? "")) return undefined;
  const dashes = argv.indexOf("--");
  const program = argv[dashes + 1];
  if (dashes < 0 || dashes > 1 || program === undefined || !/^agent-exec(?:\.\w+)?$/.test(program.split(/[\\/]/).at(-1)!)) return undefined;
  const words = argv.slice(dashes + 2);
  const index = env._CLAP_COMPLETE_INDEX === undefined ? words.length : Number(env._CLAP_COMPLETE_INDEX);
  return { words, cword: index - 1, separator: env._CLAP_IFS || "\n" };
}

function posixQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function fishQuote(word: string): string {
  return `'${word.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function powershellQuote(word: string): string {
  return `'${word.replaceAll("'", "''")}'`;
}
