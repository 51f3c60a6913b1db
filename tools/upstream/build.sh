#!/usr/bin/env bash
# Builds the upstream Go kubeseal and controller (module github.com/bitnami-labs/sealed-secrets) from the Go module
# proxy into a per-user cache outside the repository, for the interop e2e tests (an oracle: nothing of upstream
# is copied into this repository). A second run is a no-op. The last stdout line is UPSTREAM_BIN=<dir>; progress
# goes to stderr. Exit code 3: no Go >= 1.24 (from find-go.sh); the module itself asks for a newer toolchain,
# which `go` downloads through the proxy unless GOTOOLCHAIN=local.
#
# Usage: build.sh [VERSION]   (default: SEALED_SECRETS_VERSION from the environment, then the file of that name)
#
# Since v0.38.0 the module's go.mod declares github.com/bitnami/sealed-secrets, so `go install …@v0.40.0` refuses
# the path mismatch (and the new path's @v/list answers 403 here). What works for every version: download the
# module's source into the module cache, copy that read-only tree to a writable folder and `go build` inside it.
set -euo pipefail
cd "$(dirname "$0")"

SV=${1:-${SEALED_SECRETS_VERSION:-$(cat SEALED_SECRETS_VERSION)}}
SV=${SV#v}
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
OUT=${UPSTREAM_BIN:-$CACHE_ROOT/upstream/v$SV}
BINS=(kubeseal controller)
M=github.com/bitnami-labs/sealed-secrets

all_present() {
  local b
  for b in "${BINS[@]}"; do [ -f "$OUT/$b" ] && [ -x "$OUT/$b" ] || return 1; done
}

if all_present; then echo "UPSTREAM_BIN=$OUT"; exit 0; fi

# shellcheck source=../controlplane/find-go.sh
. ../controlplane/find-go.sh

mkdir -p "$OUT"
ssts_serialise "$OUT/.lock" "UPSTREAM_BIN=$OUT" all_present

export GOWORK=off CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
# Upstream's Makefile stamps the version into main.VERSION of both commands; without it they say UNKNOWN.
ldflags="-s -w -X main.VERSION=v$SV"

rm -rf "$OUT"/.build.*
tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
echo "upstream: building sealed-secrets v$SV (kubeseal, controller) with $("$GO" env GOVERSION) into $OUT" >&2
start=$(date +%s)
dir=$(GOFLAGS=-mod=mod "$GO" mod download -json "$M@v$SV" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -d "$dir" ] || { echo "upstream: go mod download gave no source tree for $M@v$SV" >&2; exit 1; }
cp -R "$dir" "$tmp/src"
chmod -R u+w "$tmp/src"
(cd "$tmp/src" && "$GO" build -p "${BUILD_PARALLELISM:-2}" -ldflags "$ldflags" -o "$tmp/" ./cmd/kubeseal ./cmd/controller) >&2

"$tmp/kubeseal" --version | grep -q "v$SV" || { echo "upstream: kubeseal reports the wrong version" >&2; exit 1; }
"$tmp/controller" --version 2>&1 | grep -q "v$SV" || { echo "upstream: controller reports the wrong version" >&2; exit 1; }
# Rename only after both binaries work, so an interrupted build never looks complete.
for b in "${BINS[@]}"; do mv -f "$tmp/$b" "$OUT/$b"; done
echo "upstream: built in $(( $(date +%s) - start ))s" >&2
echo "$(( $(date +%s) - start ))" > "$OUT/.cold-build-seconds"
echo "UPSTREAM_BIN=$OUT"
