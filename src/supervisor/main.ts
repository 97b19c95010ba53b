import { readFileSync } from "node:fs";
import { JobDir } from "../store/job-dir.js";
import { appendJobFile } from "../store/job-file.js";
import { STORED_ID } from "../store/job-id.js";
import { now } from "../time.js";
import { supervise, type LaunchSecrets } from "./supervise.js";

// The supervisor process's entry point, apart from cli.ts so that a launch, whose handshake waits
// for this process, does not load every command first. start-supervisor.ts writes its argv:
//   node supervisor/main.js _supervise <job_id> --root <root>
// (`_supervise` names the process in ps); the launch secrets arrive as JSON on stdin.
const [marker, jobId, flag, root] = process.argv.slice(2);
if (marker !== "_supervise" || flag !== "--root" || !root || !jobId || !STORED_ID.test(jobId)) process.exit(2);
const dir = new JobDir(root, jobId);
try {
  const secrets = JSON.parse(readFileSync(0, "utf8")) as LaunchSecrets;
  await supervise(dir, secrets);
  process.exit(0);
} catch (error) {
  // Nobody reads this process's stderr; leave the reason next to the job.
  appendJobFile(dir.file("supervisor.log"), `${now()} ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
