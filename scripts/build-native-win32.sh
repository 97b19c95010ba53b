#!/usr/bin/env bash
# Cross-compiles the native addon for Windows x64 with mingw-w64, for the Windows leg under Wine:
#
#   npm run build:native:win32        (= scripts/build-native-win32.sh [--force])
#
# Output: build/win32-x64/agent_exec.node, which src/platform/addon.ts loads under a Windows
# node.exe before build/Release/. Idempotent and cheap: when the .node is newer than every input
# (native/, node-addon-api's headers, the import library, this script) it does nothing (~10 ms).
#
# Needs: npm install done (node-addon-api, node-api-headers) and the mingw-w64 g++ and binutils
# (apt-get install g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64). It installs nothing itself:
# scripts/windows-leg.mjs does, on CI or with AGENT_EXEC_INSTALL_DEPS=1, and .ci/run does.
#   - x86_64-w64-mingw32-g++-posix: the -win32 flavour lacks std::mutex, which node-addon-api uses.
#   - libnode_api.a: an import library for the N-API functions node.exe exports, made by dlltool
#     from node-api-headers' .def file (the addon links against "node.exe" by name).
#   - -static: libstdc++, libgcc and winpthread are linked in, so the .node needs no mingw DLLs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="$root/build/win32-x64"
out="$out_dir/agent_exec.node"
headers="$root/node_modules/node-api-headers"
addon_api="$root/node_modules/node-addon-api"
cxx=x86_64-w64-mingw32-g++-posix
dlltool=x86_64-w64-mingw32-dlltool
force=0
[ "${1:-}" = --force ] && force=1

say() { echo "build-native-win32: $*" >&2; }
die() { echo "build-native-win32: error: $*" >&2; exit 1; }

[ -f "$headers/def/node_api.def" ] || die "node_modules/node-api-headers is missing: run npm install first"
[ -f "$addon_api/napi.h" ] || die "node_modules/node-addon-api is missing: run npm install first"

mkdir -p "$out_dir"
# One build at a time (parallel test workers, CI steps).
exec 9>"$out_dir/.lock"
flock 9

sources=("$root/native/agent_exec.cc" "$root/native/tree_win32.cc")
inputs=("${sources[@]}" "$root/native/tree.h" "$addon_api/napi.h" "$addon_api/napi-inl.h" "$headers/def/node_api.def" "${BASH_SOURCE[0]}")

if [ "$force" = 0 ] && [ -s "$out" ]; then
  stale=0
  for input in "${inputs[@]}"; do
    [ "$input" -nt "$out" ] && { stale=1; break; }
  done
  if [ "$stale" = 0 ]; then
    say "up to date: ${out#"$root"/}"
    exit 0
  fi
fi

# --- toolchain ------------------------------------------------------------------------------------
command -v "$cxx" >/dev/null 2>&1 && command -v "$dlltool" >/dev/null 2>&1 \
  || die "$cxx or $dlltool not found: sudo apt-get install --no-install-recommends g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64"

# --- import library for node.exe's N-API exports ----------------------------------------------------
lib="$out_dir/libnode_api.a"
if [ ! -s "$lib" ] || [ "$headers/def/node_api.def" -nt "$lib" ]; then
  "$dlltool" -d "$headers/def/node_api.def" -l "$lib.tmp" -D node.exe
  mv -f "$lib.tmp" "$lib"
fi

# --- compile and link -------------------------------------------------------------------------------
t0=$(date +%s%N)
"$cxx" -shared -std=c++17 -O2 -Wall -Wextra -fno-exceptions \
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS -DWIN32_LEAN_AND_MEAN \
  -I "$headers/include" -I "$addon_api" \
  "${sources[@]}" "$lib" \
  -static -s -o "$out.tmp"
mv -f "$out.tmp" "$out"
say "built ${out#"$root"/} in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($($cxx --version | head -n1))"
