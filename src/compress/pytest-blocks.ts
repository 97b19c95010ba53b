import { primer } from "./regex.js";

// pytest prints each failure as a block under "____ test_name ____": the locals of each frame
// ("self = <…>", "n = 3, left = 1"), its source (indented four spaces), the failing line (">") and
// the explanation ("E   assert 4 == 5"), then "path:line: Error". The locals, the rest of the
// source and the carets under it are noise; a section ("=== … ===", "--- Captured … ---") ends it.

const BLOCK = /^_{3,} .+ _{3,}$/;
const END = /^(?:={3,} |-{3,} Captured )/;
const KEEP = /^(?:>|E\s)|^\S+:\d+: /;
const NOISE = /^[A-Za-z_]\w* = \S|^ {4}|^\s*[\^~]+\s*$|^(?:_ ){3,}_?\s*$/;
const prime = primer([BLOCK, END, KEEP, NOISE]);

/** Follows a stream's pytest failure blocks line by line. */
export class PytestBlocks {
  private inBlock = false;
  private readonly active: boolean;

  constructor(text: string) {
    this.active = text.includes("____ ");
    if (this.active) prime();
  }

  /** Takes the next line; whether it is noise inside a block (`failure` lines never are). */
  noise(line: string, failure: (line: string) => boolean): boolean {
    if (!this.active) return false;
    if (line.startsWith("___") && BLOCK.test(line)) this.inBlock = true;
    else if (this.inBlock && END.test(line)) this.inBlock = false;
    else return this.inBlock && !KEEP.test(line) && NOISE.test(line) && !failure(line);
    return false;
  }

  /** Whether the line just taken is a block's failing line, explanation or location (kept whatever the context). */
  keeps(line: string): boolean {
    return this.inBlock && KEEP.test(line);
  }
}
