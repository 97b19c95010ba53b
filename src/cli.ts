#!/usr/bin/env -S node --
// The `--` keeps Node from reading agent-exec's own flags: Node 20 claims any `--env-file` on its
// command line, even after the script name (nodejs/node#54232).
// The CLI's bundle (dist/bundle/cli.cjs, run by the bin dist/cli.cjs); the CLI itself is src/cli/.
// A `run` has spawned its supervisor before this file was read: the bin calls dist/bundle/ahead.cjs
// first (src/launch/ahead.ts). Both imports are lazily evaluated parts of the one bundle
// (scripts/bundle.mjs).
void (async () => {
  // Only when scripts/bundle.mjs writes the code cache.
  const warmup = process.env.AGENT_EXEC_CODE_CACHE_WARMUP;
  if (warmup) (await import("./cli/code-cache-warmup.js")).warmCompression(warmup);
  await import("./cli/main.js");
})();
