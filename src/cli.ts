#!/usr/bin/env -S node --
// The `--` keeps Node from reading agent-exec's own flags: Node 20 claims any `--env-file` on its
// command line, even after the script name (nodejs/node#54232).
// The bin entry (dist/cli.cjs); the CLI itself is src/cli/. A `run` spawns its supervisor first,
// before the CLI's modules are evaluated (src/launch/ahead.ts). Both imports are lazily evaluated
// parts of the one bundle (scripts/bundle.mjs); no other verb evaluates ahead.ts.
const args = process.argv.slice(2);
void (async () => {
  // Only when scripts/bundle.mjs writes the code cache.
  const warmup = process.env.AGENT_EXEC_CODE_CACHE_WARMUP;
  if (warmup) (await import("./cli/code-cache-warmup.js")).warmCompression(warmup);
  if (args.includes("run")) (await import("./launch/ahead.js")).startAhead(args);
  await import("./cli/main.js");
})();
