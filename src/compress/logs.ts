import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines, templateOf } from "./text.js";

// Logs (application logs, docker/kubectl logs, journalctl): runs of lines that differ only in
// timestamps, ids and numbers become one line "(repeated Nx)". When that is not enough, an
// informational line whose template was already shown is dropped and counted; failure lines and
// warnings are never dropped that way.

const PROGRESS = /progress.*(?:\d+%|done)|^\s*\d+%\s*\|?/i;
const WARNING = /\b(?:warn(?:ing)?|WARN)\b/;

export function compressLogs(text: string): string {
  const filtered = lines(text).filter((line) => line.trim() !== "" && !(PROGRESS.test(line) && !isFailureLine(line)));
  const collapsed = collapseRepeats(filtered, templateOf);
  if (collapsed.length <= 40) return collapsed.join("\n");
  const seen = new Map<string, number>();
  const out: string[] = [];
  let dropped = 0;
  for (const line of collapsed) {
    const key = templateOf(line.replace(/ \(repeated \d+x\)$/, ""));
    const count = seen.get(key) ?? 0;
    seen.set(key, count + 1);
    if (count === 0 || isFailureLine(line) || WARNING.test(line)) out.push(line);
    else dropped++;
  }
  if (dropped > 0) {
    const counts = [...seen.entries()].filter(([, n]) => n > 1).sort((a, b) => b[1] - a[1]).slice(0, 5);
    out.push(`... ${dropped} informational lines omitted (their first occurrence is above); most frequent:`);
    for (const [template, n] of counts) out.push(`  ${n}x ${template}`);
  }
  return out.join("\n");
}
