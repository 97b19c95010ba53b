import { existsSync, readFileSync } from "node:fs";
import { SUPERVISOR_LOG } from "../job/files.js";
import { JobDir } from "../store/job-dir.js";
import { STORED_ID } from "../store/job-id.js";
import { faults } from "./fault-log.js";
import { restoreHeldEnv } from "./held-env.js";
import { supervise, type LaunchSecrets } from "./supervise.js";

// The supervisor process's entry point, apart from cli.ts so that a launch, whose handshake waits
// for this process, does not load every command first. spawn-supervisor.ts writes its argv:
//   node bundle/supervisor.cjs _supervise <job_id> --root <root>
// (`_supervise` names the process in ps); the launch secrets arrive as JSON on stdin.
// What this process does before it spawns the workload is on every launch's critical path (the
// launcher's handshake waits for `running`, `run` for the exit), so it is one CommonJS file,
// dist/bundle/supervisor.cjs, which spawn-supervisor.ts starts directly (scripts/bundle.mjs says
// why not ESM); dist/supervisor/main.js loads the same file for whoever starts that path.
// The notification code stays in it: the pumps must read the pipes from the spawn on (Node
// discards a child's unread output at its exit), and deferring ~8 KB saves less than it risks.
restoreHeldEnv(process.env);
const [marker, jobId, flag, root] = process.argv.slice(2);
if (marker !== "_supervise" || flag !== "--root" || !root || !jobId || !STORED_ID.test(jobId)) process.exit(2);
const dir = new JobDir(root, jobId);
// Started ahead of its job by a launcher that then did not launch it (src/launch/ahead.ts): the
// stdin closes without a byte and there is no job directory. Nothing to do, nothing to record.
const input = readInput();
if (input === "" && !existsSync(dir.path)) process.exit(0);
// Nobody reads this process's stderr; faults are left next to the job. An error that escaped
// every handler is recorded, not fatal: dying here would lose the workload's exit status and
// leave its output pipes without a reader.
faults.logTo(dir.file(SUPERVISOR_LOG));
process.on("uncaughtException", (error) => faults.record("uncaught exception", error));
process.on("unhandledRejection", (error) => faults.record("unhandled rejection", error));
// No top-level await: the bundle is CommonJS (scripts/bundle.mjs), which has none.
supervise(dir, readSecrets(input)).then(
  () => process.exit(0),
  (error) => {
    faults.record("supervisor", error);
    process.exit(1);
  },
);

function readInput(): string | Error {
  try {
    return readFileSync(0, "utf8");
  } catch (error) {
    return error as Error;
  }
}

/** The secrets on stdin, or undefined when the launcher ended before sending all of them. */
function readSecrets(input: string | Error): LaunchSecrets | undefined {
  try {
    if (input instanceof Error) throw input;
    const secrets = JSON.parse(input) as LaunchSecrets;
    if (typeof secrets?.env === "object" && secrets.env !== null) return secrets;
  } catch (error) {
    faults.record("read launch secrets", error);
  }
  return undefined;
}
