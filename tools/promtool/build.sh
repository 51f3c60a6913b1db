#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) from its Go module into a per-user cache
# outside the repository, like tools/helm/build.sh. A second run is a no-op.
# github.com/prometheus/prometheus has no replace directives, so `go install pkg@version` works as is.
# Prometheus 3.x is published on the module proxy as v0.3MM.P for release 3.MM.P.
# The last stdout line is PROMTOOL_BIN=<path to the binary>; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"

MV=${PROMTOOL_VERSION:-$(cat PROMTOOL_VERSION)}
case $MV in
  0.3[0-9][0-9].*) ;;
  *) echo "promtool: expected a module version 0.3MM.P (release 3.MM.P), got $MV" >&2; exit 2 ;;
esac
minor=${MV#0.3}
minor=${minor%%.*}
RELEASE=3.$((10#$minor)).${MV##*.}
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
OUT=$CACHE_ROOT/promtool/v$MV
BIN=$OUT/promtool

present() { [ -f "$BIN" ] && [ -x "$BIN" ]; }
if present; then echo "PROMTOOL_BIN=$BIN"; exit 0; fi

# shellcheck source=../controlplane/find-go.sh
. ../controlplane/find-go.sh

mkdir -p "$OUT"
ssts_serialise "$OUT/.build.lock" "PROMTOOL_BIN=$BIN" present

export GOWORK=off CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
V=github.com/prometheus/common/version
ldflags="-s -w -X $V.Version=$RELEASE -X $V.Revision=v$MV -X $V.Branch=module-proxy"

tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "promtool: building $RELEASE (module v$MV) with $("$GO" env GOVERSION) into $OUT (cold: several minutes on 2 cores)" >&2
start=$(date +%s)
GOBIN=$tmp "$GO" install -p "${BUILD_PARALLELISM:-2}" -tags netgo -ldflags "$ldflags" \
  "github.com/prometheus/prometheus/cmd/promtool@v$MV" >&2
"$tmp/promtool" --version 2>&1 | grep -q "version $RELEASE " ||
  { echo "promtool: the built binary reports the wrong version" >&2; exit 1; }
# Rename only after the binary works, so an interrupted build never looks complete.
mv -f "$tmp/promtool" "$BIN"
echo "promtool: built in $(( $(date +%s) - start ))s" >&2
echo "PROMTOOL_BIN=$BIN"
