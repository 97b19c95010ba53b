// Usage: node subreaper-probe.mjs <process-tree module URL> <backend name>
// In a process of its own (being a subreaper changes the process for good): makes it a child
// subreaper through the backend, orphans a `sleep` (its shell parent exits first), waits until
// the orphan is our zombie child, reaps it through the backend, and prints what it saw as JSON.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const [moduleUrl, backendName] = process.argv.slice(2);
const { loadBackend } = await import(moduleUrl);
const tree = await loadBackend(backendName);
const stat = (pid) => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
};
const out = { subreaper: tree.becomeSubreaper() };
const shell = spawn("sh", ["-c", "sleep 0.3 & echo $!"], { stdio: ["ignore", "pipe", "ignore"] });
let text = "";
shell.stdout.on("data", (chunk) => (text += chunk));
await new Promise((resolve) => shell.on("exit", resolve));
const orphan = Number(text.trim());
out.adopted = Number(stat(orphan)?.[1]) === process.pid;
for (let i = 0; i < 200 && stat(orphan)?.[0] !== "Z"; i++) await new Promise((r) => setTimeout(r, 25));
out.zombie = stat(orphan)?.[0] === "Z";
out.refused = [tree.reapChild(0), tree.reapChild(1), tree.reapChild(-1), tree.reapChild(2.5)];
out.reaped = tree.reapChild(orphan);
out.gone = !existsSync(`/proc/${orphan}`);
out.usage = tree.childrenUsage();
process.stdout.write(JSON.stringify(out));
