// Smoke test for the Windows leg. Runs only under the Windows node.exe (on Wine here:
// `scripts/wine-node.sh --test test/windows/`); vitest does not collect it (it includes *.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("node.exe runs as win32 and can spawn cmd.exe with piped output", { skip: process.platform !== "win32" && "Windows only" }, () => {
  const result = spawnSync("cmd.exe", ["/C", "echo hi"], { encoding: "utf8", windowsHide: true });
  assert.equal(result.error, undefined);
  assert.equal(result.status, 0);
  assert.equal(result.stdout, "hi\r\n");
});
