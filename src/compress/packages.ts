import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines, sample, templateOf } from "./text.js";

// Package managers (npm, pnpm, yarn, pip, cargo install): the outcome (added/removed/installed,
// audit, funding), every error, and warnings grouped by kind with the packages they name. Dropped
// and counted: download and resolution progress, "already satisfied" lines.

const PROGRESS = /^\s*(?:Looking in|Processing |Collecting|Downloading|Downloaded|Using cached|Obtaining|Requirement already satisfied|Installing collected|Building wheel|Created wheel|Stored in|Preparing metadata|Getting requirements|Compiling|Fresh|Updating|Locking|Adding|Progress:|Packages:|[+-]{3,}|[|/\\-]$)/;
// "npm warn deprecated glob@7.2.3: Glob versions …" → grouped under "npm warn deprecated".
const WARNING = /^((?:npm|pnpm|yarn) (?:warn|WARN) deprecated|WARN\s+deprecated)\s+(\S+?)(?::|\s|$)(.*)$/;
const OUTCOME = /\b(?:added|removed|changed|audited|up to date|found \d+ vulnerabilit|vulnerabilit|Successfully installed|packages are looking for funding|npm fund|Installed|Finished|Done in|dependencies:|devDependencies:)/i;

const BARE_TAG = /^\s*(?:npm|pnpm|yarn) (?:error|ERR!|warn|WARN)\s*$/;

export function compressPackages(text: string): string {
  const out: string[] = [];
  const warnings = new Map<string, string[]>();
  let progress = 0;
  for (const line of lines(text)) {
    // A bare "npm error" is the blank line of npm's report.
    if (line.trim() === "" || BARE_TAG.test(line)) continue;
    const warning = WARNING.exec(line.trim());
    if (warning && !isFailureLine(line)) {
      const key = warning[1]!;
      if (!warnings.has(key)) {
        warnings.set(key, []);
        out.push(key); // placeholder, filled in below, so warnings stay where they first appeared
      }
      warnings.get(key)!.push(warning[2]!);
    } else if (isFailureLine(line) || OUTCOME.test(line)) {
      out.push(line);
    } else if (PROGRESS.test(line)) {
      progress++;
    } else {
      out.push(line);
    }
  }
  const rendered = out.map((line) => {
    const names = warnings.get(line);
    return names ? `${line} (${names.length}x): ${sample([...new Set(names)], 12)}` : line;
  });
  if (progress > 0) rendered.push(`... ${progress} progress lines omitted`);
  // Retries and re-downloads differ only in counters and addresses.
  return collapseRepeats(rendered, templateOf).join("\n");
}
