import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines, templateOf } from "./text.js";

// Logs (application logs, docker/kubectl logs, journalctl): runs of lines that differ only in
// timestamps, ids and numbers become one line "(repeated Nx)". When that is not enough, an
// informational line whose template was already shown is dropped and counted; failure lines and
// warnings are never dropped that way.

const PROGRESS = /progress.*(?:\d+%|done)|^\s*\d+%\s*\|?/i;
const WARNING = /\b(?:warn(?:ing)?|WARN)\b/;

const HEAD = 10;
const TAIL = 20;

export function compressLogs(text: string, logPath?: string): string {
  const filtered = lines(text).filter((line) => line.trim() !== "" && !(PROGRESS.test(line) && !isFailureLine(line)));
  const collapsed = collapseRepeats(filtered, templateOf);
  if (collapsed.length <= HEAD + TAIL + 10) return collapsed.join("\n");
  // A long log: its head and tail, and between them every failure and warning line and the first
  // line of each repeated template; the rest is counted.
  const seen = new Set<string>();
  const out: string[] = [];
  let dropped = 0;
  const flush = (): void => {
    if (dropped > 0) out.push(`... ${dropped} lines omitted`);
    dropped = 0;
  };
  collapsed.forEach((line, i) => {
    const key = templateOf(line.replace(/ \(repeated \d+x\)$/, ""));
    const edge = i < HEAD || i >= collapsed.length - TAIL;
    if (edge || isFailureLine(line) || WARNING.test(line) || (/ \(repeated \d+x\)$/.test(line) && !seen.has(key))) {
      flush();
      out.push(line);
    } else dropped++;
    seen.add(key);
  });
  flush();
  out.push(`(${collapsed.length} distinct lines; the full log: ${logPath ?? "the job's log file"})`);
  return out.join("\n");
}
