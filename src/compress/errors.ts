import { isFailureLine } from "./failure.js";
import { collapseRepeats, lines } from "./text.js";

// `errors`: only the failure lines (errors, failures, panics, tracebacks, source locations),
// repeats counted.
export function compressErrors(text: string): string {
  return collapseRepeats(lines(text).filter(isFailureLine)).join("\n");
}
