import { readFileSync } from "node:fs";
import { compressOutput } from "/work/main/dist/compress/index.js";
const c = JSON.parse(readFileSync(`/work/main/bench/compress/corpus/${process.argv[2]}.json`, "utf8"));
console.log(Object.keys(c));
console.log("----RAW stdout----\n" + c.stdout + "\n----RAW stderr----\n" + c.stderr);
const r = compressOutput({ command: c.command, stdout: c.stdout, stderr: c.stderr, exitCode: c.exit_code, mode: "route" });
console.log("----VIEW----"); console.log(JSON.stringify(r, null, 1).slice(0, 4000));
