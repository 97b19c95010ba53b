/** RFC 3339 UTC timestamp with milliseconds; fixed width, so string order is time order. */
export function now(): string {
  return new Date().toISOString();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
