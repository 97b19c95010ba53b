import { primer } from "./regex.js";
import { failureTest, isFailureLine, mayFail } from "./failure.js";
import { lines, sameTemplate, templateOf } from "./text.js";

// Logs (application logs, docker/kubectl logs, journalctl): runs of lines that differ only in
// timestamps, ids and numbers become one line "(repeated Nx)". When that is not enough, an
// informational line whose template was already shown is dropped and counted; failure lines and
// warnings are never dropped that way.

const PROGRESS = /progress.*(?:\d+%|done)|^\s*\d+%\s*\|?/i;
const WARNING = /\b(?:warn(?:ing)?|WARN)\b/;

const primeRegexes = primer([PROGRESS, WARNING]);

const HEAD = 10;
const TAIL = 20;

export function compressLogs(text: string, logPath?: string): string {
  primeRegexes();
  const may = mayFail(text);
  const failing = failureTest(text);
  const filtered = lines(text).filter((line) => line.trim() !== "" && !(PROGRESS.test(line) && !failing(line)));
  // Runs of one template become one line. This is the hot loop: neighbours are compared without
  // building their templates (sameTemplate), and a template is built only for a run.
  const runs: { first: string; count: number }[] = [];
  for (const line of filtered) {
    const last = runs[runs.length - 1];
    if (last && sameTemplate(last.first, line)) last.count++;
    else runs.push({ first: line, count: 1 });
  }
  const collapsed = runs.map(({ first, count }) => ({ repeated: count > 1, first, line: count > 1 ? `${first} (repeated ${count}x)` : first }));
  if (collapsed.length <= HEAD + TAIL + 10) return collapsed.map((c) => c.line).join("\n");
  // A long log: its head and tail, and between them every failure and warning line and the first
  // run of each repeated template; the rest is counted.
  const seen = new Set<string>();
  const out: string[] = [];
  let dropped = 0;
  collapsed.forEach(({ line, first, repeated }, i) => {
    const edge = i < HEAD || i >= collapsed.length - TAIL;
    const key = repeated ? templateOf(first) : undefined;
    // "(repeated Nx)" adds no candidate to its line: the line may fail only if its first does.
    if (edge || (key !== undefined && !seen.has(key)) || (may(first) && isFailureLine(line)) || WARNING.test(line)) {
      if (dropped > 0) out.push(`... ${dropped} lines omitted`);
      dropped = 0;
      out.push(line);
    } else dropped++;
    if (key !== undefined) seen.add(key);
  });
  out.push(`(${collapsed.length} distinct lines; the full log: ${logPath ?? "the job's log file"})`);
  return out.join("\n");
}
