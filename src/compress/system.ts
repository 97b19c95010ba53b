import { isFailureLine } from "./failure.js";
import { boundedSummary, lines, sample } from "./text.js";

// Everyday shell output: search results grouped by file, file lists grouped by directory, the
// environment grouped by prefix (secret-looking values shown as ***), a file's head and tail, and
// tables (docker ps, kubectl get) as the header, the unhealthy rows and a count.

export function compressSearch(text: string): string {
  const groups = new Map<string, string[]>();
  for (const line of lines(text)) {
    if (line.trim() === "") continue;
    const m = /^(.+?):(\d+):(.*)$/.exec(line) ?? /^(.+?):(.*)$/.exec(line);
    const [file, rest] = m ? [m[1]!, m.length === 4 ? `${m[2]}: ${m[3]}` : m[2]!] : ["<unknown>", line];
    const list = groups.get(file);
    if (list) list.push(rest); else groups.set(file, [rest]);
  }
  const out: string[] = [];
  for (const [file, matches] of [...groups].slice(0, 60)) {
    out.push(`${file}: ${matches.length} match(es)`);
    for (const match of matches.slice(0, 3)) out.push(`  ${match.length > 200 ? `${match.slice(0, 200)}…` : match}`);
  }
  if (groups.size > 60) out.push(`... ${groups.size - 60} more files`);
  return out.join("\n");
}

export function compressList(text: string): string {
  const groups = new Map<string, string[]>();
  for (const raw of lines(text)) {
    const path = raw.trim().replace(/:$/, "").replace(/^\.\//, "");
    if (path === "") continue;
    const cut = path.lastIndexOf("/");
    const [dir, name] = cut > 0 ? [path.slice(0, cut), path.slice(cut + 1)] : [".", path];
    const list = groups.get(dir);
    if (list) list.push(name); else groups.set(dir, [name]);
  }
  const out = [...groups].slice(0, 60).map(([dir, names]) => `${dir}: ${sample(names.sort(), 10)}`);
  if (groups.size > 60) out.push(`... ${groups.size - 60} more directories`);
  return out.join("\n");
}

const SECRET_KEY = /secret|token|password|passwd|api_?key|credential|private|auth/i;

export function compressEnv(text: string): string {
  const groups = new Map<string, string[]>();
  const secrets: string[] = [];
  for (const line of lines(text)) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const entry = `${key}=${SECRET_KEY.test(key) ? "***" : value.length > 80 ? `${value.slice(0, 80)}…` : value}`;
    // A secret is shown once, on the secrets line.
    if (SECRET_KEY.test(key)) {
      secrets.push(entry);
      continue;
    }
    const prefix = key.split("_")[0]!;
    const list = groups.get(prefix);
    if (list) list.push(entry); else groups.set(prefix, [entry]);
  }
  const out = secrets.length > 0 ? [`secrets: ${sample(secrets, 20)}`] : [];
  // A prefix of one variable is no group: its label would only make the view longer than the raw.
  for (const [prefix, entries] of [...groups].slice(0, 30)) out.push(entries.length === 1 ? entries[0]! : `${prefix}: ${sample(entries, 6)}`);
  return out.join("\n");
}

export function compressFileText(text: string): string {
  return boundedSummary(text, 15, 15, 2400);
}

const ABNORMAL = /\b(?:exited|restarting|unhealthy|dead|created|error|crashloopbackoff|pending|failed|evicted|oomkilled|terminating|unknown|imagepullbackoff|errimagepull|notready)\b/i;

export function compressTable(text: string): string {
  const all = lines(text).filter((line) => line.trim() !== "");
  if (all.length <= 1) return all.join("\n");
  const [header, ...rows] = all;
  const abnormal = rows.filter((row) => ABNORMAL.test(row) || isFailureLine(row));
  const out = [header!, ...abnormal.slice(0, 40)];
  out.push(`rows=${rows.length} abnormal=${abnormal.length}${abnormal.length > 40 ? ` (first 40 shown)` : ""}`);
  return out.join("\n");
}
