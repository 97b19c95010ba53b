// Diagnostics go to stderr only, so stdout stays one machine-readable object.
const LEVELS = ["error", "warn", "info", "debug"] as const;
type Level = (typeof LEVELS)[number];

let threshold = levelFromEnv(process.env.AGENT_EXEC_LOG) ?? 1;

function levelFromEnv(value: string | undefined): number | undefined {
  const index = LEVELS.indexOf(value as Level);
  return index === -1 ? undefined : index;
}

/** -v shows info, -vv debug; AGENT_EXEC_LOG=debug does the same without flags. */
export function setVerbosity(count: number): void {
  threshold = Math.max(threshold, Math.min(LEVELS.length - 1, 1 + count));
}

export function log(level: Level, message: string): void {
  if (LEVELS.indexOf(level) <= threshold) process.stderr.write(`agent-exec ${level}: ${message}\n`);
}
