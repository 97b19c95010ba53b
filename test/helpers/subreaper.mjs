// Usage: node subreaper.mjs <program> [args...]
// Becomes a Linux child subreaper (prctl PR_SET_CHILD_SUBREAPER), runs the program, prints its
// stdout, then stays alive without reaping anything until its own stdin closes. Processes the
// program leaves behind (an agent-exec supervisor) are re-parented to this process instead of
// init, so when one dies it stays a zombie for as long as we like, as under a container whose
// PID 1 does not reap. Node reaps only the children it spawned itself, by pid.
import { spawnSync } from "node:child_process";
import koffi from "koffi";

const PR_SET_CHILD_SUBREAPER = 36;
const libc = koffi.load("libc.so.6");
const prctl = libc.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)");
if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) {
  process.stderr.write(`prctl(PR_SET_CHILD_SUBREAPER) failed: errno ${koffi.errno()}\n`);
  process.exit(3);
}

const [program, ...args] = process.argv.slice(2);
const result = spawnSync(program, args, { stdio: ["ignore", "pipe", "inherit"] });
process.stdout.write(result.stdout ?? "");
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
