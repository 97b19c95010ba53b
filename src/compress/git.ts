import type { DetectedKind } from "./route.js";
import { collapseRepeats, lines, sample } from "./text.js";

// git: a log becomes one line per commit (short hash, subject, and its --stat totals); a diff or
// show becomes each file with its +/- counts, every hunk header and the first changed lines of
// each hunk; status becomes the branch and the files grouped by state; push/pull drop the
// transfer progress.

const HUNK_LINES = 4;
const LINE_CHARS = 160;
const MAX_COMMITS = 50;

function log(text: string): string {
  const out: string[] = [];
  let commits = 0;
  let subjectPending = false;
  let files = 0, plus = 0, minus = 0;
  for (const line of lines(text)) {
    const trimmed = line.trim();
    const commit = /^commit ([0-9a-f]{7,64})(.*)$/.exec(trimmed);
    if (commit) {
      commits++;
      subjectPending = true;
      if (commits <= MAX_COMMITS) out.push(`commit ${commit[1]!.slice(0, 12)}${commit[2]}`);
      continue;
    }
    const stat = /^(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?/.exec(trimmed);
    if (stat) {
      const [f, p, m] = [Number(stat[1]), Number(stat[2] ?? 0), Number(stat[3] ?? 0)];
      files += f; plus += p; minus += m;
      if (commits <= MAX_COMMITS) out.push(`  ${f} files, +${p} -${m}`);
      continue;
    }
    if (commits === 0) {
      // --oneline and other one-line formats: keep as they are.
      if (trimmed !== "") out.push(line);
      continue;
    }
    if (subjectPending && trimmed !== "" && !/^(?:Author|Date|Merge|AuthorDate|Commit|CommitDate):/.test(trimmed)) {
      if (commits <= MAX_COMMITS) out[out.length - 1] += `  ${trimmed}`;
      subjectPending = false;
    }
  }
  if (commits > MAX_COMMITS) out.push(`... ${commits - MAX_COMMITS} more commits omitted`);
  if (files > 0 && commits > 1) out.push(`total: ${commits} commits, ${files} files, +${plus} -${minus}`);
  return out.join("\n");
}

function diff(text: string): string {
  const out: string[] = [];
  let fileIndex = -1;
  let plus = 0, minus = 0, shown = 0, hidden = 0;
  const flush = (): void => {
    if (hidden > 0) out.push(`  ... ${hidden} more changed lines`);
    hidden = 0;
    if (fileIndex >= 0) out[fileIndex] += ` (+${plus} -${minus})`;
  };
  let inHeader = false;
  for (const line of lines(text)) {
    const file = /^diff --git a\/(.*?) b\/(.*)$/.exec(line);
    if (file) {
      flush();
      plus = minus = 0;
      out.push(file[1] === file[2] ? file[2]! : `${file[1]} -> ${file[2]}`);
      fileIndex = out.length - 1;
      inHeader = true;
      continue;
    }
    if (fileIndex < 0) {
      // git show: the commit header before the first diff.
      if (/^commit [0-9a-f]/.test(line)) out.push(line.slice(0, 19));
      else if (line.trim() !== "" && !/^(?:Author|Date|Merge):/.test(line) && !/\|\s+\d+/.test(line)) out.push(line.trim());
      continue;
    }
    if (line.startsWith("@@")) {
      if (hidden > 0) out.push(`  ... ${hidden} more changed lines`);
      hidden = 0; shown = 0; inHeader = false;
      out.push(line.replace(/^(@@[^@]*@@).*$/, "$1"));
      continue;
    }
    if (inHeader) {
      if (/^(?:new|deleted) file mode|^rename |^Binary files/.test(line)) out.push(`  ${line}`);
      continue;
    }
    if (line.startsWith("+") || line.startsWith("-")) {
      if (line.startsWith("+")) plus++; else minus++;
      if (shown < HUNK_LINES) { out.push(line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line); shown++; } else hidden++;
    }
  }
  flush();
  return out.join("\n");
}

const STATUS_GROUP = /^\s*(modified|new file|deleted|renamed|typechange|both modified|both added|deleted by us|deleted by them):\s+(.*)$/;

function status(text: string): string {
  const out: string[] = [];
  const groups = new Map<string, string[]>();
  let section = "";
  for (const line of lines(text)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("(use ") || trimmed.startsWith("no changes added") || trimmed.startsWith("nothing added")) continue;
    if (/^Changes to be committed:/.test(trimmed)) section = "staged";
    else if (/^Changes not staged/.test(trimmed)) section = "unstaged";
    else if (/^Untracked files:/.test(trimmed)) section = "untracked";
    else if (/^Unmerged paths:/.test(trimmed)) section = "unmerged";
    else {
      const entry = STATUS_GROUP.exec(line);
      const porcelain = /^([ MADRCU?!]{2}) (.+)$/.exec(line);
      if (entry) push(groups, `${section} ${entry[1]}`, entry[2]!);
      else if (section === "untracked" && /^\s/.test(line)) push(groups, "untracked", trimmed);
      else if (porcelain && !/^On branch|^Your branch/.test(line)) push(groups, porcelain[1]!.trim() === "??" ? "untracked" : porcelain[1]!.trim(), porcelain[2]!);
      else out.push(trimmed);
    }
  }
  for (const [group, files] of groups) out.push(`${group.trim()} (${files.length}): ${sample(files, 40)}`);
  return out.join("\n");
}

function push(groups: Map<string, string[]>, key: string, value: string): void {
  const list = groups.get(key);
  if (list) list.push(value); else groups.set(key, [value]);
}

function transfer(text: string): string {
  const kept = lines(text).filter((line) => !/^(?:remote: )?(?:Enumerating|Counting|Compressing|Writing|Total|Delta compression|Resolving|Receiving|Unpacking) /.test(line.trim()) && line.trim() !== "");
  return collapseRepeats(kept).join("\n");
}

function branch(text: string): string {
  const names = lines(text).map((line) => line.trim()).filter((line) => line !== "");
  const current = names.find((name) => name.startsWith("* "))?.slice(2) ?? "none";
  return `${names.length} branches; current ${current}: ${sample(names.map((name) => name.replace(/^\* /, "").split(/\s+/)[0]!), 30)}`;
}

export function compressGit(kind: DetectedKind, text: string): string {
  switch (kind) {
    case "git-log": return log(text);
    case "git-diff": case "git-show": return diff(text);
    case "git-status": return status(text);
    case "git-push": case "git-pull": return transfer(text);
    case "git-branch": return branch(text);
    case "git-stash": return transfer(text);
    default:
      if (/^diff --git /m.test(text)) return diff(text);
      if (/^commit [0-9a-f]{7,}/m.test(text)) return log(text);
      if (/^(?:On branch|Changes (?:to be|not staged))/m.test(text)) return status(text);
      return transfer(text);
  }
}
