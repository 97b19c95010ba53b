import { describe, expect, it } from "vitest";
import { descendantsOf } from "../../src/platform/descendants.js";

// The walk /proc (subreaper containment) and the koffi Toolhelp32 fallback share.
const table = (links: [pid: number, ppid: number][]) => links.map(([pid, ppid]) => ({ pid, ppid }));

describe("descendantsOf", () => {
  it("lists everything below the root, parents before children, and nothing else", () => {
    const t = table([[1, 0], [10, 1], [11, 10], [12, 10], [13, 11], [20, 1], [21, 20]]);
    expect(descendantsOf(10, t)).toEqual([11, 12, 13]);
    expect(descendantsOf(1, t)).toEqual([10, 20, 11, 12, 21, 13]);
    expect(descendantsOf(13, t)).toEqual([]);
    expect(descendantsOf(99, t)).toEqual([]);
  });

  it("does not enter a skipped process (a notification sink's tree)", () => {
    const t = table([[10, 1], [11, 10], [12, 10], [13, 12]]);
    expect(descendantsOf(10, t, new Set([12]))).toEqual([11]);
  });

  it("ends on a cycle (Windows: a dead parent's pid reused below it) and on a process that is its own parent", () => {
    // 10's recorded parent 12 is gone and its pid now belongs to 10's grandchild.
    const t = table([[0, 0], [10, 12], [11, 10], [12, 11]]);
    expect(descendantsOf(10, t)).toEqual([11, 12]);
    expect(descendantsOf(0, t)).toEqual([]);
  });

  it("walks a table of 20,000 processes, wide and deep", () => {
    const wide = Array.from({ length: 10_000 }, (_, i) => ({ pid: 2 + i, ppid: 1 }));
    const deep = Array.from({ length: 10_000 }, (_, i) => ({ pid: 20_000 + i, ppid: i === 0 ? 1 : 20_000 + i - 1 }));
    expect(descendantsOf(1, [...wide, ...deep])).toHaveLength(20_000);
  });
});
