import { primer } from "./regex.js";
import { isFailureLine } from "./failure.js";
import { firstLines, lines, sameTemplate } from "./text.js";

// `route` names what ran: first from the command (the last recognised command of a shell
// script, past wrappers such as npx, env, time), then from the shape of the output. The names are
// the reference's `detected_kind` values, plus rust-diagnostics, c-diagnostics, rust-packages and
// system-packages (apt, dnf, apk, brew).

export type DetectedKind =
  | "errors" | "tests" | "logs" | "git" | "json" | "summary"
  | "git-status" | "git-log" | "git-diff" | "git-show" | "git-push" | "git-pull" | "git-branch" | "git-stash"
  | "cargo-test" | "typescript" | "js-lint" | "js-test" | "js-packages"
  | "python-lint" | "python-typecheck" | "python-test" | "python-packages"
  | "go-diagnostics" | "go-test" | "rust-diagnostics" | "rust-packages" | "system-packages" | "c-diagnostics"
  | "search" | "docker-table" | "docker-logs" | "kubernetes-table" | "kubernetes-logs"
  | "json-structure" | "list" | "file-text" | "env";

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ash", "fish", "ksh"]);
// Wrappers whose own arguments come before the command they run.
const WRAPPERS = new Set(["npx", "pnpx", "bunx", "env", "time", "nice", "nohup", "sudo", "exec", "command", "xargs", "timeout", "stdbuf", "uv"]);

function normalize(token: string): string {
  const base = token.replace(/^['"]|['"]$/g, "").split(/[\\/]/).pop() ?? "";
  return base.toLowerCase().replace(/\.(?:exe|cmd|bat|ps1)$/, "");
}

/** Command segments to classify: a shell's -c script split at &&, ||, ;, |, else the argv itself. */
function segments(command: readonly string[]): string[][] {
  const [first, flag, script] = command;
  if (first !== undefined && SHELLS.has(normalize(first)) && flag !== undefined && /^-\w*c$/.test(flag) && script !== undefined) {
    return script.split(/&&|\|\||[;|\n]/).map((part) => part.trim().split(/\s+/).filter(Boolean));
  }
  if (first !== undefined && ["cmd", "powershell", "pwsh"].includes(normalize(first))) {
    return segments(["sh", "-c", command.slice(2).join(" ")]);
  }
  return [[...command]];
}

function unwrap(tokens: string[]): string[] {
  let i = 0;
  while (i < tokens.length) {
    const t = normalize(tokens[i]!);
    if (/^\w+=/.test(tokens[i]!)) i++;
    else if (t === "timeout") i += 2;
    else if (WRAPPERS.has(t) || (t !== "" && tokens[i]!.startsWith("-") && i > 0 && WRAPPERS.has(normalize(tokens[i - 1]!)))) i++;
    else break;
  }
  return tokens.slice(i).map(normalize);
}

const firstWord = (tokens: string[], from = 1): string | undefined => tokens.slice(from).find((t) => !t.startsWith("-") && !t.includes("="));

function gitSubcommand(tokens: string[]): string | undefined {
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (["-c", "-C", "--git-dir", "--work-tree"].includes(t)) i++;
    else if (!t.startsWith("-")) return t;
  }
  return undefined;
}

const TEST_RUNNERS = new Set(["vitest", "jest", "mocha", "ava", "tap", "playwright", "karma", "jasmine"]);

function byCommand(tokens: string[]): DetectedKind | undefined {
  const [exe, sub] = tokens;
  if (exe === undefined) return undefined;
  if (exe === "git") {
    const s = gitSubcommand(tokens);
    return (["status", "log", "diff", "show", "push", "pull", "branch", "stash"] as const).find((k) => k === s)
      ? (`git-${s}` as DetectedKind)
      : "git";
  }
  if (TEST_RUNNERS.has(exe)) return "js-test";
  if (exe === "node" || exe === "bun" || exe === "deno") return tokens.includes("--test") || sub === "test" ? "js-test" : undefined;
  if (exe === "tsc" || exe === "vue-tsc" || (exe === "next" && sub === "build")) return "typescript";
  if (exe === "eslint" || exe === "biome" || exe === "oxlint" || (exe === "prettier" && tokens.includes("--check"))) return "js-lint";
  if (exe === "npm" || exe === "pnpm" || exe === "yarn" || exe === "bun") {
    const verb = sub === "run" || sub === "run-script" ? tokens[2] : sub;
    if (verb === "test" || verb === "t" || verb === "tst" || /^test[:-]/.test(verb ?? "")) return "js-test";
    if (["install", "i", "ci", "add", "update", "up", "upgrade", "list", "ls", "outdated", "remove", "rm", "uninstall", "audit", "dedupe", "prune"].includes(verb ?? "")) return "js-packages";
    if (verb === "lint") return "js-lint";
    if (verb === "typecheck" || verb === "build" || verb === "tsc") return "typescript";
    return undefined;
  }
  if (exe === "pytest" || exe === "py.test") return "python-test";
  if (/^python[\d.]*$/.test(exe) && sub === "-m") {
    const mod = tokens[2];
    if (mod === "pytest" || mod === "unittest") return "python-test";
    if (mod === "pip") return "python-packages";
    if (mod === "mypy") return "python-typecheck";
  }
  if (exe === "mypy" || exe === "pyright") return "python-typecheck";
  if (exe === "ruff" || exe === "flake8" || exe === "pylint") return "python-lint";
  if (/^pip\d*$/.test(exe) || exe === "pipx" || exe === "poetry") return "python-packages";
  if (exe === "cargo") {
    if (sub === "test" || sub === "nextest") return "cargo-test";
    if (["build", "check", "clippy", "run", "b", "c", "r"].includes(sub ?? "")) return "rust-diagnostics";
    if (["install", "add", "update", "fetch", "remove", "tree"].includes(sub ?? "")) return "rust-packages";
    return undefined;
  }
  if (exe === "rustc") return "rust-diagnostics";
  if (["gcc", "g++", "cc", "c++", "clang", "clang++", "make", "cmake", "ninja"].includes(exe) || /^(?:x86_64|i686|aarch64)-.*-(?:gcc|g\+\+)$/.test(exe)) return "c-diagnostics";
  if (exe === "go") return sub === "test" ? "go-test" : sub === "build" || sub === "vet" ? "go-diagnostics" : undefined;
  if (exe === "golangci-lint") return "go-diagnostics";
  if (exe === "rg" || exe === "grep" || exe === "ag" || exe === "ack" || exe === "git-grep") return "search";
  if (exe === "ls" || exe === "tree" || exe === "find" || exe === "fd") return "list";
  if (exe === "cat" || exe === "head" || exe === "tail" || exe === "less") return "file-text";
  if (exe === "jq" || exe === "yq") return "json-structure";
  if (exe === "env" || exe === "printenv") return "env";
  if (exe === "docker" || exe === "podman" || exe === "nerdctl") {
    const s = sub === "compose" || sub === "container" ? firstWord(tokens, 2) : firstWord(tokens);
    return s === "logs" ? "docker-logs" : "docker-table";
  }
  if (exe === "kubectl" || exe === "oc") return firstWord(tokens) === "logs" ? "kubernetes-logs" : "kubernetes-table";
  if (exe === "journalctl") return "logs";
  if (["apt", "apt-get", "aptitude", "dnf", "yum", "zypper", "apk", "brew", "port", "pacman"].includes(exe)) return "system-packages";
  return undefined;
}

function routeCommand(command: readonly string[]): DetectedKind | undefined {
  let found: DetectedKind | undefined;
  for (const segment of segments(command)) {
    // `env` alone prints the environment; `env K=V cmd` runs cmd.
    const tokens = segment.length > 0 && normalize(segment[0]!) === "env" && segment.slice(1).every((t) => /^\w+=/.test(t) || t.startsWith("-"))
      ? ["env"]
      : unwrap(segment);
    found = byCommand(tokens) ?? found;
  }
  return found;
}

// Output signatures of the families, checked when the command says nothing.
const SIGNATURES: [RegExp, DetectedKind][] = [
  [/^\s*Test Files\s+\d|^\s*Tests:\s+\d|^\s*\d+ passing \(|^# (?:pass|fail) \d+$|^ℹ (?:pass|fail) \d+$/m, "js-test"],
  [/^=+ (?:test session starts|\d+ (?:passed|failed))/m, "python-test"],
  [/^test result: (?:ok|FAILED)\./m, "cargo-test"],
  [/^(?:--- FAIL|ok {2}\t|FAIL\t|=== RUN)/m, "go-test"],
  // A path holds no "(" or ":": "[^\s(:]+" stops where "\S+" would run to the end of a long line
  // and back off one character at a time (JSON lines of a log: quadratic).
  [/^(?:[A-Za-z]:)?[^\s(:]+\.[cm]?[jt]sx?\(\d+,\d+\): error TS\d+|^(?:[A-Za-z]:)?[^\s(:]+\.[cm]?[jt]sx?:\d+:\d+ - error TS\d+/m, "typescript"],
  [/^\s+\d+:\d+\s+(?:error|warning)\s{2}/m, "js-lint"],
  [/^error\[E\d+\]: |^\s+--> \S+:\d+:\d+$|^\s+Compiling \S+ v\d/m, "rust-diagnostics"],
  [/^(?:[A-Za-z]:)?[^\s:]+\.(?:c|cc|cpp|cxx|h|hpp):\d+:\d+: (?:fatal )?(?:error|warning):/m, "c-diagnostics"],
  [/^(?:added|removed|changed) \d+ packages?|^npm (?:warn|error|ERR!)|^Progress: resolved \d+/m, "js-packages"],
  [/^(?:Collecting|Successfully installed|Requirement already satisfied) /m, "python-packages"],
];

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("{") || t.startsWith("[");
}

// Enough lines to tell a log by; a tail of 64 KiB is not split for it.
const LOG_SAMPLE = 200;

/** Whether two neighbours among the first lines differ only in numbers, ids or timestamps. */
function hasRepeats(text: string): boolean {
  let prev: string | undefined;
  for (const line of lines(firstLines(text, LOG_SAMPLE))) {
    if (line.trim() === "") continue;
    if (prev !== undefined && sameTemplate(prev, line)) return true;
    prev = line;
  }
  return false;
}

// Most lines begin with a date, a time or a level: a log.
const LOG_LINE = /^\S{0,24}\[?(?:\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|[A-Z][a-z]{2} [ \d]\d \d{2}:|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\b)/;

const primeLogLine = primer([LOG_LINE]);

function looksLikeLog(text: string): boolean {
  primeLogLine();
  const all = lines(firstLines(text, LOG_SAMPLE));
  return all.length >= 10 && all.filter((line) => LOG_LINE.test(line)).length * 2 >= all.length;
}

// What a runner or compiler prints that names it (a summary, an error's form) is at the start or
// the end of its output: a stream longer than this is read at both ends, not all through.
const SIGNATURE_SAMPLE = 16 * 1024;
function ends(text: string): string {
  if (text.length <= 2 * SIGNATURE_SAMPLE) return text;
  const head = text.lastIndexOf("\n", SIGNATURE_SAMPLE);
  const tail = text.indexOf("\n", text.length - SIGNATURE_SAMPLE);
  return `${text.slice(0, head < 0 ? SIGNATURE_SAMPLE : head)}\n${text.slice(tail < 0 ? text.length - SIGNATURE_SAMPLE : tail + 1)}`;
}

export function routeOutput(stdout: string, stderr: string): DetectedKind {
  // No output has no shape; the signatures need not be compiled to say so (a silent `run`).
  if (stdout === "" && stderr === "") return "summary";
  const both = `${ends(stdout)}\n${ends(stderr)}`;
  for (const [pattern, kind] of SIGNATURES) if (pattern.test(both)) return kind;
  if (looksLikeJson(stdout) || (stdout.trim() === "" && looksLikeJson(stderr))) return "json-structure";
  if (hasRepeats(stdout) || hasRepeats(stderr)) return "logs";
  const lower = both.toLowerCase();
  if (lower.includes("test") && (lower.includes("passed") || lower.includes("failed"))) return "tests";
  if (lines(both).some(isFailureLine)) return "errors";
  return "summary";
}

// Any tool asked for JSON (npm ls --json, kubectl -o json, gh --json) prints JSON; a test runner's
// or a linter's JSON report (jest --json, eslint --format=json) is read by its family instead.
const JSON_KEEPS_KIND = new Set<DetectedKind>(["json-structure", "tests", "js-test", "python-test", "go-test", "cargo-test", "js-lint", "typescript", "python-lint", "python-typecheck"]);
const JSON_FLAG = /^(?:--json|--format[= ]?json|-o ?json|--output[= ]?json|--reporter[= ]?json)$/;

export function route(command: readonly string[], stdout: string, stderr: string): DetectedKind {
  const kind = routeCommand(command);
  if (kind !== undefined && !JSON_KEEPS_KIND.has(kind) && command.some((arg) => JSON_FLAG.test(arg)) && looksLikeJson(stdout)) return "json-structure";
  // A log file read with tail or cat is a log.
  if (kind === "file-text" && (looksLikeLog(stdout) || hasRepeats(stdout))) return "logs";
  return kind ?? routeOutput(stdout, stderr);
}
