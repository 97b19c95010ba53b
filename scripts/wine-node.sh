#!/usr/bin/env bash
# Runs the official Windows node.exe under Wine, in this checkout's prefix (in the cache outside the
# checkout: see scripts/wine-env.sh):
#
#   scripts/wine-node.sh [node options] [script.js | -e code] [args...]
#
# Prepares the environment first (scripts/wine-env.sh: a few milliseconds when already prepared).
#
# Why the redirections: the outermost node.exe under Wine dies with `Error: open EBADF` as soon as
# it touches process.stdout/stderr/stdin while that handle is a Unix pipe (Wine hands node.exe a
# handle libuv cannot classify). Regular files, /dev/null and terminals work. So node.exe's stdout
# and stderr go to temp files, which are copied to this script's stdout/stderr once it exits
# (stdout first, then stderr: their relative order is lost, and nothing is streamed while it runs).
# The exit status is node.exe's, truncated to 8 bits by Unix (Windows exit codes are 32-bit).
# A side benefit: wineserver and Wine's helper processes, which outlive node.exe, never inherit the
# caller's pipes, so a caller reading to EOF does not wait for them.
#
# Knobs:
#   WINE_NODE_STDIN=auto|spool|null|inherit  How node.exe gets stdin. auto (default): a pipe or
#       socket is spooled to a temp file first (reads until EOF, so the writer must close it: both
#       spawnSync's `input` and `child.stdin.end()` do); anything else (a terminal, a file,
#       /dev/null) is passed through.
#   WINE_NODE_PATHCONV=0  Do not rewrite arguments. By default an argument that is an absolute Unix
#       path *that exists* becomes its Windows form (/work/x -> Z:\work\x). node.exe resolves
#       /work/x against the current drive, which is Z: only while the cwd is outside the prefix's
#       drive_c, and the Windows form is what the code under test sees on real Windows.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WINE_ENV_QUIET=1 source "$here/wine-env.sh" || exit $?
export DISPLAY= # console only: never open a window, never need an X server

# --- arguments ------------------------------------------------------------------------------------
z_is_root=0
[ "$(readlink "$WINEPREFIX/dosdevices/z:" 2>/dev/null)" = / ] && z_is_root=1
args=()
for a in "$@"; do
  if [ "${WINE_NODE_PATHCONV:-1}" != 0 ] && [[ "$a" == /* ]] && [ -e "$a" ]; then
    if [ "$z_is_root" = 1 ]; then
      a="Z:${a//\//\\}"
    else
      a="$(winepath -w "$a" 2>/dev/null)" || exit 1
    fi
  fi
  args+=("$a")
done

# --- stdio ----------------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/wine-node.XXXXXX")" || exit 1
pid=
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

stdin_mode="${WINE_NODE_STDIN:-auto}"
if [ "$stdin_mode" = auto ]; then
  if [ -p /dev/stdin ] || [ -S /dev/stdin ]; then stdin_mode=spool; else stdin_mode=inherit; fi
fi
case "$stdin_mode" in
  spool) cat >"$tmp/in" || exit 1; stdin_src="$tmp/in" ;;
  null) stdin_src=/dev/null ;;
  inherit) stdin_src=/dev/stdin ;;
  *) echo "wine-node: WINE_NODE_STDIN must be auto, spool, null or inherit" >&2; exit 2 ;;
esac

# --- run ------------------------------------------------------------------------------------------
# In the background so that a signal to this script can be passed on; `wine node.exe` is the
# node.exe process itself (the Wine loader becomes it), so signalling it ends node.exe.
if [ "$stdin_mode" = inherit ]; then
  wine "$WINE_NODE" "${args[@]}" >"$tmp/out" 2>"$tmp/err" <&0 &
else
  wine "$WINE_NODE" "${args[@]}" >"$tmp/out" 2>"$tmp/err" <"$stdin_src" &
fi
pid=$!
forward() { kill "-$1" "$pid" 2>/dev/null; }
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
# `wait` returns early (status > 128) when a trapped signal arrives; then wait for node.exe itself.
while :; do
  rc=0
  wait "$pid" || rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
if [ "$rc" -gt 128 ]; then # interrupted, and node.exe ended just after: ask bash for its status
  rc2=0
  wait "$pid" 2>/dev/null || rc2=$?
  [ "$rc2" = 127 ] || rc=$rc2
fi

cat "$tmp/out"
cat "$tmp/err" >&2
exit "$rc"
