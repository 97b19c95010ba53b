import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headExcerpt, logSize, MAX_EXCERPT_BYTES, tailExcerpt } from "../../src/observe/excerpt.js";

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agent-exec-unit-excerpt-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A new file with this content; returns its path. */
function file(content: string | Buffer): string {
  const path = join(dir, `log-${n++}`);
  writeFileSync(path, content);
  return path;
}

describe("missing and empty files", () => {
  it("a missing file is empty: no text, range [0,0], total 0", () => {
    const missing = join(dir, "does-not-exist.log");
    expect(headExcerpt(missing, 100)).toEqual({ text: "", range: [0, 0], total: 0 });
    expect(tailExcerpt(missing, 10, 100)).toEqual({ text: "", range: [0, 0], total: 0 });
    expect(logSize(missing)).toBe(0);
  });

  it("an empty file is empty", () => {
    const empty = file("");
    expect(headExcerpt(empty, 100)).toEqual({ text: "", range: [0, 0], total: 0 });
    expect(tailExcerpt(empty, 10, 100)).toEqual({ text: "", range: [0, 0], total: 0 });
    expect(tailExcerpt(empty, 0, 100)).toEqual({ text: "", range: [0, 0], total: 0 });
    expect(logSize(empty)).toBe(0);
  });
});

describe("headExcerpt", () => {
  const content = "0123456789abcdef\n"; // 17 bytes

  it("returns the whole file when it fits", () => {
    expect(headExcerpt(file(content), 100)).toEqual({ text: content, range: [0, 17], total: 17 });
  });

  it("returns exactly maxBytes bytes", () => {
    expect(headExcerpt(file(content), 5)).toEqual({ text: "01234", range: [0, 5], total: 17 });
    expect(headExcerpt(file(content), 17)).toEqual({ text: content, range: [0, 17], total: 17 });
  });

  it("maxBytes 0 returns nothing but still the total", () => {
    expect(headExcerpt(file(content), 0)).toEqual({ text: "", range: [0, 0], total: 17 });
  });

  it("a multibyte character cut by maxBytes becomes U+FFFD; the range stays in bytes", () => {
    const path = file("ab\u00e9cd"); // é = C3 A9: bytes a b C3 A9 c d
    expect(headExcerpt(path, 3)).toEqual({ text: "ab\ufffd", range: [0, 3], total: 6 });
    expect(headExcerpt(path, 4)).toEqual({ text: "ab\u00e9", range: [0, 4], total: 6 });
    const euro = file("\u20ac\u20ac"); // € = E2 82 AC
    expect(headExcerpt(euro, 5).text).toBe("\u20ac\ufffd");
  });

  it("invalid UTF-8 in the file becomes U+FFFD", () => {
    expect(headExcerpt(file(Buffer.from([0x61, 0xff, 0x62])), 10).text).toBe("a\ufffdb");
  });
});

describe("tailExcerpt", () => {
  const withNewline = "one\ntwo\nthree\n"; // 14 bytes
  const withoutNewline = "one\ntwo\nthree"; // 13 bytes

  it("last lines with a trailing newline (which does not count as an empty line)", () => {
    const path = file(withNewline);
    expect(tailExcerpt(path, 1, 100)).toEqual({ text: "three\n", range: [8, 14], total: 14 });
    expect(tailExcerpt(path, 2, 100)).toEqual({ text: "two\nthree\n", range: [4, 14], total: 14 });
    expect(tailExcerpt(path, 3, 100)).toEqual({ text: withNewline, range: [0, 14], total: 14 });
    expect(tailExcerpt(path, 50, 100)).toEqual({ text: withNewline, range: [0, 14], total: 14 });
  });

  it("last lines without a trailing newline", () => {
    const path = file(withoutNewline);
    expect(tailExcerpt(path, 1, 100)).toEqual({ text: "three", range: [8, 13], total: 13 });
    expect(tailExcerpt(path, 2, 100)).toEqual({ text: "two\nthree", range: [4, 13], total: 13 });
    expect(tailExcerpt(path, 5, 100)).toEqual({ text: withoutNewline, range: [0, 13], total: 13 });
  });

  it("lines = 0 means the whole window", () => {
    const path = file(withNewline);
    expect(tailExcerpt(path, 0, 100)).toEqual({ text: withNewline, range: [0, 14], total: 14 });
    expect(tailExcerpt(path, 0, 6)).toEqual({ text: "three\n", range: [8, 14], total: 14 });
    expect(tailExcerpt(path, 0, 3)).toEqual({ text: "ee\n", range: [11, 14], total: 14 });
  });

  it("a maxBytes window smaller than the requested lines wins", () => {
    const path = file(withNewline);
    // The window "o\nthree\n" holds one and a half lines: both are returned, the first one cut.
    expect(tailExcerpt(path, 10, 8)).toEqual({ text: "o\nthree\n", range: [6, 14], total: 14 });
    expect(tailExcerpt(path, 2, 8)).toEqual({ text: "o\nthree\n", range: [6, 14], total: 14 });
    expect(tailExcerpt(path, 1, 8)).toEqual({ text: "three\n", range: [8, 14], total: 14 });
  });

  it("maxBytes 0 returns nothing but still the total", () => {
    expect(tailExcerpt(file(withNewline), 5, 0)).toEqual({ text: "", range: [14, 14], total: 14 });
  });

  it("only blank lines", () => {
    expect(tailExcerpt(file("\n\n\n"), 2, 100)).toEqual({ text: "\n\n", range: [1, 3], total: 3 });
    expect(tailExcerpt(file("\n"), 1, 100)).toEqual({ text: "\n", range: [0, 1], total: 1 });
  });

  it("CRLF counts as one line end and is returned as is", () => {
    const path = file("one\r\ntwo\r\nthree\r\n"); // 17 bytes
    expect(tailExcerpt(path, 1, 100)).toEqual({ text: "three\r\n", range: [10, 17], total: 17 });
    expect(tailExcerpt(path, 2, 100)).toEqual({ text: "two\r\nthree\r\n", range: [5, 17], total: 17 });
    const noFinal = file("one\r\ntwo\r\nthree");
    expect(tailExcerpt(noFinal, 1, 100)).toEqual({ text: "three", range: [10, 15], total: 15 });
  });

  it("a multibyte character cut by the window start becomes U+FFFD", () => {
    const path = file("x\u00e9y\n"); // 78 C3 A9 79 0A
    expect(tailExcerpt(path, 0, 3)).toEqual({ text: "\ufffdy\n", range: [2, 5], total: 5 });
    expect(tailExcerpt(path, 0, 4)).toEqual({ text: "\u00e9y\n", range: [1, 5], total: 5 });
  });
});

/**
 * Bytes this process has read through read(2) and friends so far (/proc/self/io rchar): what an
 * excerpt costs, counted rather than timed, so a reader that scans the whole file fails whatever
 * the machine's speed.
 */
function bytesReadSoFar(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))![1]);
}

describe("a 50 MB log", () => {
  // 16-byte lines "%015d\n". Only the first and the last MiB are written (the middle is a hole that
  // reads as NULs): the excerpts look at nothing else, and reading the middle shows in rchar.
  const LINE = 16;
  const LINES_PER_MIB = (1024 * 1024) / LINE;
  const MIB = 50;
  const TOTAL = MIB * 1024 * 1024;
  const LAST = MIB * LINES_PER_MIB - 1;
  const line = (i: number) => `${String(i).padStart(15, "0")}\n`;
  /** Room for what else the process reads meanwhile (the test runner's messages); far below the log. */
  const SLACK = 1024 * 1024;
  let path: string;

  beforeAll(() => {
    path = join(dir, "big.log");
    const fd = openSync(path, "w");
    try {
      for (const m of [0, MIB - 1]) {
        let chunk = "";
        for (let i = 0; i < LINES_PER_MIB; i++) chunk += line(m * LINES_PER_MIB + i);
        writeSync(fd, chunk, m * 1024 * 1024);
      }
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).size).toBe(TOTAL);
  });

  /** Runs `read` and returns how many bytes the process read meanwhile. */
  function cost(read: () => void): number {
    const before = bytesReadSoFar();
    read();
    return bytesReadSoFar() - before;
  }

  it("the byte count sees a whole-file read (the check below can fail)", () => {
    expect(cost(() => readFileSync(path))).toBeGreaterThanOrEqual(TOTAL);
  });

  it("head reads only its window", () => {
    const bytes = cost(() => {
      const head = headExcerpt(path, 65536);
      expect(head.range).toEqual([0, 65536]);
      expect(head.total).toBe(TOTAL);
      expect(head.text.length).toBe(65536);
      expect(head.text.startsWith(line(0) + line(1))).toBe(true);
    });
    expect(bytes).toBeGreaterThanOrEqual(65536);
    expect(bytes).toBeLessThan(65536 + SLACK);
  });

  it("tail finds the last lines at exact byte offsets", () => {
    const bytes = cost(() => {
      const tail = tailExcerpt(path, 3, 65536);
      expect(tail).toEqual({ text: line(LAST - 2) + line(LAST - 1) + line(LAST), range: [TOTAL - 3 * LINE, TOTAL], total: TOTAL });
      const window = tailExcerpt(path, 0, 1000);
      expect(window.range).toEqual([TOTAL - 1000, TOTAL]);
      expect(window.text.endsWith(line(LAST))).toBe(true);
    });
    expect(bytes).toBeGreaterThanOrEqual(65536 + 1000);
    expect(bytes).toBeLessThan(65536 + 1000 + SLACK);
  });

  it("logSize reports the size without reading", () => {
    expect(cost(() => expect(logSize(path)).toBe(TOTAL))).toBeLessThan(SLACK);
  });
});

describe("MAX_EXCERPT_BYTES: the most any excerpt returns", () => {
  /** A sparse file of `size` NUL bytes with "TAIL" as its last four bytes. */
  function sparse(size: number): string {
    const path = file("");
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, "TAIL", size - 4);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  it("a larger maxBytes reads only the last MAX_EXCERPT_BYTES bytes (tail) or the first (head)", () => {
    const size = 3 * MAX_EXCERPT_BYTES;
    const path = sparse(size);
    const tail = tailExcerpt(path, 0, Number.MAX_SAFE_INTEGER);
    expect(tail.range).toEqual([size - MAX_EXCERPT_BYTES, size]);
    expect(tail.text).toBe(`${"\0".repeat(MAX_EXCERPT_BYTES - 4)}TAIL`);
    const head = headExcerpt(path, Number.MAX_SAFE_INTEGER);
    expect(head).toEqual({ text: "\0".repeat(MAX_EXCERPT_BYTES), range: [0, MAX_EXCERPT_BYTES], total: size });
  });

  it("NUL bytes are text (U+0000), like any valid UTF-8", () => {
    expect(tailExcerpt(file(Buffer.from([0, 0x61, 0, 0x0a])), 1, 100)).toEqual({ text: "\0a\0\n", range: [0, 4], total: 4 });
  });
});
