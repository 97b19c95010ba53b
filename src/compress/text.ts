import { primer } from "./regex.js";

// Line helpers every family shares. All of them only select, count and join lines of the input:
// a view never holds text the input did not (apart from counts and notes), so a value masked as
// *** before compression stays masked.

export function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return text.includes("\r") ? out.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)) : out;
}

/** The text up to and with its `count`th newline (all of it when it has fewer lines). */
export function firstLines(text: string, count: number): string {
  let end = 0;
  for (let n = 0; n < count; n++) {
    const next = text.indexOf("\n", end);
    if (next === -1) return text;
    end = next + 1;
  }
  return text.slice(0, end);
}

export const byteLength = (text: string): number => Buffer.byteLength(text, "utf8");

// Colour codes would make the same line look different to every comparison below.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
export const stripAnsi = (text: string): string => (text.includes("\x1b") ? text.replace(ANSI, "") : text);

// Timestamps, durations, ids, addresses and counters: every run of hex digits holding a digit,
// in one linear pass (this runs on every line of a 64 KiB tail). Spelled out A-F rather than with
// the i flag, which measured about 15 % slower here.
const VOLATILE = /[\dA-Fa-f]*\d[\dA-Fa-f]*/g;

const primeVolatile = primer([VOLATILE]);

/** A log line with its volatile parts replaced by #, to find lines that repeat. */
export function templateOf(line: string): string {
  primeVolatile();
  return line.replace(VOLATILE, "#");
}

/** The length of the longest common prefix: a binary search over startsWith, a few native calls
 *  instead of a loop over characters (which a fresh CLI process runs uncompiled). */
export function commonPrefixLength(a: string, b: string): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (b.startsWith(a.slice(lo, mid), lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Where the run of hex characters holding s[p] ends. */
function runEnd(s: string, p: number): number {
  let end = p;
  while (end < s.length && isHex(s.charCodeAt(end))) end++;
  return end;
}

/** Whether s[p] is in a run of hex characters holding a digit: a character templateOf replaces. */
function volatileAt(s: string, p: number): boolean {
  if (!isHex(s.charCodeAt(p))) return false;
  for (let i = p; i >= 0 && isHex(s.charCodeAt(i)); i--) if (isDigit(s.charCodeAt(i))) return true;
  for (let i = p + 1; i < s.length && isHex(s.charCodeAt(i)); i++) if (isDigit(s.charCodeAt(i))) return true;
  return false;
}

/** templateOf(a) === templateOf(b), without building either when they differ: log lines that
 *  differ in a timestamp first differ in a run that both replace by "#"; past those runs (whose
 *  starts are the same, the text before them being the same) the templates are those of the rest.
 *  Where the lines differ in a character templateOf keeps in both, the templates differ there. */
export function sameTemplate(a: string, b: string): boolean {
  let x = a;
  let y = b;
  for (let round = 0; round < 8 && x !== y; round++) {
    const p = commonPrefixLength(x, y);
    if (p === x.length || p === y.length) break;
    const vx = volatileAt(x, p);
    const vy = volatileAt(y, p);
    if (!vx && !vy) return false;
    if (!vx || !vy) break;
    x = x.slice(runEnd(x, p));
    y = y.slice(runEnd(y, p));
  }
  return x === y || templateOf(x) === templateOf(y);
}

/** Adjacent lines with the same key become one line, suffixed "(repeated Nx)"; `byTemplate`
 *  compares templateOf(line) instead of the line. */
export function collapseRepeats(input: string[], byTemplate = false): string[] {
  const out: string[] = [];
  const same = byTemplate ? sameTemplate : (a: string, b: string) => a === b;
  let i = 0;
  while (i < input.length) {
    let j = i + 1;
    while (j < input.length && same(input[i]!, input[j]!)) j++;
    out.push(j - i > 1 ? `${input[i]} (repeated ${j - i}x)` : input[i]!);
    i = j;
  }
  return out;
}

/** The first `head` and last `tail` lines, with a count of what is between. */
export function headTail(input: string[], head: number, tail: number): string[] {
  if (input.length <= head + tail + 1) return input;
  return [...input.slice(0, head), `... ${input.length - head - tail} lines omitted ...`, ...input.slice(-tail)];
}

/** Unknown output: bounded head and tail, as the reference's summary mode. */
export function boundedSummary(text: string, head = 10, tail = 10, maxBytes = 2000): string {
  const all = lines(text);
  if (all.length <= head + tail && text.length <= maxBytes) return text;
  return headTail(all, head, tail).join("\n");
}

/** Up to `max` names, then "(+N more)". */
export function sample(names: string[], max: number): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} (+${names.length - max} more)`;
}
