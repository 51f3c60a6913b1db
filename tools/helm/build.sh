#!/usr/bin/env bash
# Builds the Helm v3 CLI from its Go module into a per-user cache outside the repository (CI runs in a
# fresh clone, so only such a cache survives). A second run is a no-op. helm.sh/helm/v3 has no replace
# directives, so `go install pkg@version` works without a wrapper module.
# The last stdout line is HELM_BIN=<path to the helm binary>; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"

HV=${HELM_VERSION:-$(cat HELM_VERSION)}
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
OUT=$CACHE_ROOT/helm/v$HV
BIN=$OUT/helm

present() { [ -f "$BIN" ] && [ -x "$BIN" ]; }
if present; then echo "HELM_BIN=$BIN"; exit 0; fi

# shellcheck source=../controlplane/find-go.sh
. ../controlplane/find-go.sh

mkdir -p "$OUT"
ssts_serialise "$OUT/.build.lock" "HELM_BIN=$BIN" present

# Helm's k8s.io modules decide the default .Capabilities.KubeVersion of `helm template`; mirror its Makefile.
mod=$(cd "$(mktemp -d)" && GOWORK=off GOFLAGS= "$GO" mod download -json "helm.sh/helm/v3@v$HV" |
  sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
kmin=$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$mod" | head -n 1)
[ -n "$kmin" ] || { echo "helm: cannot read the k8s.io/client-go version from $mod" >&2; exit 1; }

export GOWORK=off CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
P=helm.sh/helm/v3
ldflags="-s -w -X $P/internal/version.version=v$HV -X $P/internal/version.gitTreeState=clean"
ldflags+=" -X $P/pkg/lint/rules.k8sVersionMajor=1 -X $P/pkg/lint/rules.k8sVersionMinor=$kmin"
ldflags+=" -X $P/pkg/chartutil.k8sVersionMajor=1 -X $P/pkg/chartutil.k8sVersionMinor=$kmin"

tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "helm: building v$HV with $("$GO" env GOVERSION) into $OUT (cold: about 10 min on 2 cores)" >&2
start=$(date +%s)
GOBIN=$tmp "$GO" install -p "${BUILD_PARALLELISM:-2}" -ldflags "$ldflags" "$P/cmd/helm@v$HV" >&2
"$tmp/helm" version --short | grep -q "^v$HV" || { echo "helm: the built binary reports the wrong version" >&2; exit 1; }
# Rename only after the binary works, so an interrupted build never looks complete.
mv -f "$tmp/helm" "$BIN"
echo "helm: built in $(( $(date +%s) - start ))s" >&2
echo "HELM_BIN=$BIN"
