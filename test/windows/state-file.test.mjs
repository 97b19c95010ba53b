// state.json is replaced atomically (temp file + rename). On Windows a rename over a file that
// another process has open fails with EPERM (MoveFileEx semantics; Node opens files with
// FILE_SHARE_DELETE but that does not allow replacing them), and readers of state.json — the
// front end's handshake poll, `kill`, `wait`, `status`, an agent's own polling — have it open for
// short moments all the time. The supervisor must survive such a moment and still record the outcome.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODE, SKIP, eventually, isAlive, makeSandbox, readState, startJob, watchProcess } from "./helpers.mjs";

describe("state.json writes", { skip: SKIP }, () => {
  const box = SKIP ? undefined : makeSandbox("statefile");
  after(() => box?.cleanup());

  test(
    "the supervisor records the outcome although a reader holds state.json open when the workload exits",
    async () => {
      const dir = box.subdir("held");
      const go = join(dir, "go");
      const script = `const fs = require("fs"); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(t); console.log("done"); } }, 50);`;
      const started = await startJob(box.root, [NODE, "-e", script]);
      const id = started.job_id;
      const running = readState(box.root, id);
      const supervisor = await watchProcess(running.supervisor_pid);
      try {
        const fd = openSync(join(box.root, id, "state.json"), "r"); // a reader, caught at the wrong moment
        try {
          writeFileSync(go, "");
          await eventually("the workload exits", () => !isAlive(running.pid));
          // Give the supervisor time to try its terminal write. A supervisor that retries keeps
          // running until the file is closed; one that does not, dies here.
          await eventually("the supervisor gives up", () => supervisor.exitCode() !== null, { timeoutMs: 3000 }).catch(() => undefined);
        } finally {
          closeSync(fd);
        }
        const { code } = await eventually("the supervisor exits", () => {
          const code = supervisor.exitCode();
          return code === null ? undefined : { code };
        });
        let log = "";
        try {
          log = readFileSync(join(box.root, id, "supervisor.log"), "utf8");
        } catch {
          // none: good
        }
        const state = readState(box.root, id);
        assert.equal(code, 0, `supervisor exit code ${code}; supervisor.log: ${log}`);
        assert.equal(state.job.status, "exited", `state.json: ${JSON.stringify(state)}; supervisor.log: ${log}`);
        assert.equal(state.result.exit_code, 0);
      } finally {
        supervisor.close();
      }
    },
  );
});
