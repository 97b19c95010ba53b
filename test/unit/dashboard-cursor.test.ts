import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { parseCursor, readChunk, wholeCharacters } from "../../src/observe/cursor.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function log(content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-exec-cursor-"));
  dirs.push(dir);
  const path = join(dir, "stdout.log");
  writeFileSync(path, content);
  return path;
}

describe("log cursor", () => {
  test("parseCursor takes whole byte offsets per stream and refuses anything else", () => {
    expect(parseCursor(new URLSearchParams("stdout=12&stderr=0"))).toEqual({ stdout: 12, stderr: 0 });
    expect(parseCursor(new URLSearchParams(""))).toEqual({ stdout: 0, stderr: 0 });
    for (const bad of ["-1", "1.5", "1e3", "", "0x10", "9999999999999999"]) {
      expect(() => parseCursor(new URLSearchParams({ stdout: bad }))).toThrow(expect.objectContaining({ code: "invalid_request" }));
    }
  });

  test("a chunk never ends inside a UTF-8 character, and the next read resumes at its end", () => {
    const text = "aé€😀z"; // 1 + 2 + 3 + 4 + 1 bytes
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const whole = wholeCharacters(bytes.subarray(0, cut));
      expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, whole))).not.toThrow();
      expect(cut - whole).toBeLessThan(4);
    }
    const path = log(bytes.subarray(0, 4)); // "aé" and the first byte of "€"
    const first = readChunk(path, 0, 1024);
    expect(first.bytes.toString()).toBe("aé");
    expect(first).toMatchObject({ from: 0, to: 3, size: 4, skipped: 0 });
    appendFileSync(path, bytes.subarray(4));
    const rest = readChunk(path, first.to, 1024);
    expect(rest.bytes.toString()).toBe("€😀z");
    expect(rest.to).toBe(bytes.length);
    // A finished log that ends mid-character gives its last bytes all the same.
    expect(readChunk(log(bytes.subarray(0, 4)), 3, 10, { final: true }).bytes.length).toBe(1);
  });

  test("a reader too far behind skips ahead to a character start and is told how much it skipped", () => {
    const path = log("€".repeat(100)); // 300 bytes
    const chunk = readChunk(path, 0, 1000, { maxLag: 100 });
    expect(chunk.skipped + chunk.bytes.length).toBe(300);
    expect(chunk.from % 3).toBe(0);
    expect(chunk.bytes.toString()).toBe("€".repeat(chunk.bytes.length / 3));
    expect(readChunk(path, 250, 10)).toMatchObject({ from: 250, skipped: 0 });
    expect(readChunk(join(path, "..", "missing.log"), 7, 10)).toMatchObject({ from: 7, to: 7, size: 0 });
  });
});
