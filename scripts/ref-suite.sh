#!/usr/bin/env bash
# Runs the Rust reference's own integration test binaries (built by
# ../shared/tools/build-reference.sh) against OUR built CLI: the test binaries look for
# `agent-exec` beside their deps/ directory, so they are copied next to a wrapper that runs
# dist/cli.cjs.
#
#   usage: scripts/ref-suite.sh [REF_DEPS_DIR] [test-binary-prefix...]
#   default REF_DEPS_DIR: /tmp/refcheck/build/v0.2.31/target/release/deps
#   default prefixes: integration serve_integration mcp_integration
# Prints one "name: passed N failed M" line per suite; failing test names go to
# $OUT/<suite>.log (OUT defaults to a temp dir, printed at the end).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${1:-/tmp/refcheck/build/v0.2.31/target/release/deps}
shift || true
SUITES=("$@"); [ ${#SUITES[@]} -gt 0 ] || SUITES=(integration serve_integration mcp_integration)
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT/bin/deps"
printf '#!/bin/sh\nexec node %q "$@"\n' "$HERE/dist/cli.cjs" > "$OUT/bin/agent-exec"
chmod +x "$OUT/bin/agent-exec"
# The tests run in a directory of their own: one case runs `find src -type f` (it needs files
# there), and from inside a checkout `npm test -- --help` would start that checkout's suite.
mkdir -p "$OUT/cwd/src/lib"
for f in main.rs lib/a.rs lib/b.rs lib/c.rs; do echo "// $f" > "$OUT/cwd/src/$f"; done
cd "$OUT/cwd" || exit 1
for s in "${SUITES[@]}"; do
  bin=$(ls -t "$DEPS/$s"-* 2>/dev/null | grep -v '\.d$' | head -1)
  [ -n "$bin" ] || { echo "$s: no test binary in $DEPS"; continue; }
  cp "$bin" "$OUT/bin/deps/$s"
  "$OUT/bin/deps/$s" --test-threads="${THREADS:-2}" > "$OUT/$s.log" 2>&1
  res=$(grep -E '^test result:' "$OUT/$s.log" | tail -1)
  echo "$s: $res"
done
echo "logs: $OUT"
