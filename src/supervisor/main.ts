import { readFileSync } from "node:fs";
import { SUPERVISOR_LOG } from "../job/files.js";
import { JobDir } from "../store/job-dir.js";
import { STORED_ID } from "../store/job-id.js";
import { faults } from "./fault-log.js";
import { supervise, type LaunchSecrets } from "./supervise.js";

// The supervisor process's entry point, apart from cli.ts so that a launch, whose handshake waits
// for this process, does not load every command first. start-supervisor.ts writes its argv:
//   node supervisor/main.js _supervise <job_id> --root <root>
// (`_supervise` names the process in ps); the launch secrets arrive as JSON on stdin.
// What this process does before it spawns the workload is on every launch's critical path (the
// launcher's handshake waits for `running`, `run` for the exit), so it is one bundle
// (scripts/bundle.mjs; dist/supervisor/main.js turns the V8 compile cache on and imports it).
// The notification code stays in it: the pumps must read the pipes from the spawn on (Node
// discards a child's unread output at its exit), and deferring ~8 KB saves less than it risks.
const [marker, jobId, flag, root] = process.argv.slice(2);
if (marker !== "_supervise" || flag !== "--root" || !root || !jobId || !STORED_ID.test(jobId)) process.exit(2);
const dir = new JobDir(root, jobId);
// Nobody reads this process's stderr; faults are left next to the job. An error that escaped
// every handler is recorded, not fatal: dying here would lose the workload's exit status and
// leave its output pipes without a reader.
faults.logTo(dir.file(SUPERVISOR_LOG));
process.on("uncaughtException", (error) => faults.record("uncaught exception", error));
process.on("unhandledRejection", (error) => faults.record("unhandled rejection", error));
try {
  await supervise(dir, readSecrets());
  process.exit(0);
} catch (error) {
  faults.record("supervisor", error);
  process.exit(1);
}

/** The secrets on stdin, or undefined when the launcher ended before sending all of them. */
function readSecrets(): LaunchSecrets | undefined {
  try {
    const secrets = JSON.parse(readFileSync(0, "utf8")) as LaunchSecrets;
    if (typeof secrets?.env === "object" && secrets.env !== null) return secrets;
  } catch (error) {
    faults.record("read launch secrets", error);
  }
  return undefined;
}
