import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Runs git in `repo`, returning its stdout (throws on a non-zero exit). */
export const gitIn = (repo: string, ...args: string[]): string => execFileSync("git", args, { cwd: repo, encoding: "utf8" });

/** Makes `repo` a git repository with `commits` commits, each adding file<i>.txt. */
export function makeGitRepo(repo: string, commits = 8): void {
  gitIn(repo, "init", "-q");
  gitIn(repo, "config", "user.email", "agent-exec@example.invalid");
  gitIn(repo, "config", "user.name", "Agent Exec");
  for (let i = 0; i < commits; i++) {
    writeFileSync(join(repo, `file${i}.txt`), `line ${i}\nold ${i}\n`);
    gitIn(repo, "add", ".");
    gitIn(repo, "commit", "-qm", `commit ${i}`);
  }
}
