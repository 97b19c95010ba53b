// How argv mode starts programs on Windows: a .cmd shim found by bare name through PATH/PATHEXT,
// and arguments that reach a program exactly as given (quotes, spaces, %).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { NODE, SKIP, makeSandbox, runJob } from "./helpers.mjs";

/** The value of PATH in `env`, whatever its case (Windows: "Path" or "PATH"). */
function pathOf(env) {
  const key = Object.keys(env).findLast((k) => k.toUpperCase() === "PATH");
  return key ? env[key] : "";
}

describe("argv mode", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("spawn");
  after(() => box?.cleanup());

  test(".cmd shim run by bare name through PATH (--env PATH=<dir>;%PATH%)", async () => {
    // cross-spawn runs a .cmd through cmd.exe with every argument quoted, so a batch file sees
    // %1 = "arg1" (quotes included, as with npm's own shims); %~1 strips them.
    const bin = box.subdir("bin");
    writeFileSync(join(bin, "hello-shim.cmd"), "@echo off\r\necho shim %~1\r\necho second [%~2]\r\nexit /b 3\r\n");
    const result = await runJob(box.root, ["hello-shim", "arg1", "two words"], ["--env", `PATH=${bin}${delimiter}${pathOf(process.env)}`]);
    assert.equal(result.state, "exited", JSON.stringify(result));
    assert.equal(result.exit_code, 3, `the shim's exit code comes back: ${JSON.stringify(result)}`);
    assert.ok(result.stdout.includes("shim arg1"), `stdout: ${JSON.stringify(result.stdout)}`);
    assert.ok(result.stdout.includes("second [two words]"), `an argument with a space reaches the shim whole: ${JSON.stringify(result.stdout)}`);
  });

  test("arguments round-trip exactly: spaces, embedded quotes, %", async () => {
    const args = ["a b", 'q"uote', "50%"];
    const result = await runJob(box.root, [NODE, "-e", "console.log(JSON.stringify(process.argv.slice(1)))", ...args]);
    assert.equal(result.state, "exited", JSON.stringify(result));
    assert.equal(result.exit_code, 0, JSON.stringify(result));
    assert.deepEqual(JSON.parse(result.stdout), args);
  });
});
