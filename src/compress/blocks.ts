import { lines } from "./text.js";

// Output that repeats itself: a retry loop printing the same traceback every attempt, a watch mode
// re-running the same failing test, a tail that is the same block many times over. Each run
// of back-to-back copies of a block of lines is kept once; the view says how many copies it stood
// for. Families then see one copy, which keeps their views short and their time bounded by what
// is distinct (a family makes several passes over its lines). Single repeated lines are the
// families' own "(repeated Nx)".

const MIN_BLOCK = 2;
const MAX_BLOCK = 400;
// Comparisons spent on blocks that turn out not to repeat, per line of input: a bound for output
// with many recurring lines but no repeated block.
const BUDGET_PER_LINE = 4;

export interface Folded {
  /** The text with every repeated copy past the first removed. */
  text: string;
  /** "... a block of 19 lines repeated 56 more times (shown once)", one per folded run, in order. */
  notes: string[];
}

export function foldRepeatedBlocks(text: string): Folded {
  const all = lines(text);
  const last = new Map<string, number>(); // the latest index of each line
  // For each block size, the index of the last line found to differ from the line that many
  // before it: a block of that size reaching past it cannot repeat. Output full of near-repeats
  // (the same messages under each file of a linter's report) is then compared once per line.
  const differs = new Int32Array(MAX_BLOCK + 1).fill(-1);
  const kept: string[] = [];
  const notes: string[] = [];
  let budget = BUDGET_PER_LINE * all.length;
  const sameBlock = (a: number, b: number, size: number): boolean => {
    if (differs[size]! >= b) return false;
    // The block's last line first: two copies that differ usually differ there.
    if (all[a + size - 1] !== all[b + size - 1]) {
      differs[size] = b + size - 1;
      return false;
    }
    for (let k = 0; k < size - 1; k++) {
      if (--budget < 0) return false;
      if (all[a + k] !== all[b + k]) {
        differs[size] = b + k;
        return false;
      }
    }
    return true;
  };
  for (let i = 0; i < all.length; ) {
    const line = all[i]!;
    const before = last.get(line);
    last.set(line, i);
    const size = before === undefined ? 0 : i - before;
    if (size >= MIN_BLOCK && size <= MAX_BLOCK && budget > 0 && i + size <= all.length && sameBlock(before!, i, size)) {
      let copies = 1;
      while (i + (copies + 1) * size <= all.length && sameBlock(before!, i + copies * size, size)) copies++;
      notes.push(`... a block of ${size} lines repeated ${copies} more time${copies === 1 ? "" : "s"} (shown once)`);
      i += copies * size;
      continue;
    }
    kept.push(line);
    i++;
  }
  return notes.length === 0 ? { text, notes } : { text: kept.join("\n"), notes };
}
