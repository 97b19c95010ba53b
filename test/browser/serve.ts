import { spawn, type ChildProcess } from "node:child_process";
import { afterEach } from "vitest";
import { CLI } from "../helpers/cli.js";

/** `agent-exec serve --port 0` on a root, stopped after each test; resolves with its URL and process. */
export function useServe(root: () => string, cwd: () => string): (token?: string) => Promise<{ url: string; child: ChildProcess }> {
  const servers: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of servers.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
  return async (token) => {
    const child = spawn(process.execPath, ["--", CLI, "--root", root(), "serve", "--port", "0"], {
      cwd: cwd(),
      env: { ...process.env, AGENT_EXEC_TOKEN: "", AGENT_EXEC_SERVE_TOKEN: token ?? "" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    servers.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    return { url: JSON.parse(line).url as string, child };
  };
}
