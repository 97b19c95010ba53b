#!/usr/bin/env -S node --
// The `--` keeps Node from reading agent-exec's own flags: Node 20 claims any `--env-file` on its
// command line, even after the script name (nodejs/node#54232).
// The bin entry (dist/cli.js); the CLI itself is src/cli/.
import "./cli/main.js";
