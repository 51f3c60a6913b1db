#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kube-controller-manager of one Kubernetes patch release into a
# per-user cache outside the repository (CI runs in a fresh clone, so only such a cache survives).
# A second run is a no-op. The last stdout line is CONTROLPLANE_BIN=<dir>; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"

KV=${KUBE_VERSION:-$(cat KUBE_VERSION)}
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
OUT=${CONTROLPLANE_BIN:-$CACHE_ROOT/controlplane/v$KV}
BINS=(etcd kube-apiserver kube-controller-manager kubectl)

all_present() {
  local b
  for b in "${BINS[@]}"; do [ -f "$OUT/$b" ] && [ -x "$OUT/$b" ] || return 1; done
}

if all_present; then echo "CONTROLPLANE_BIN=$OUT"; exit 0; fi

# shellcheck source=find-go.sh
. ./find-go.sh
grep -q "k8s.io/kubernetes v$KV" go.mod || {
  echo "controlplane: go.mod is not pinned to k8s.io/kubernetes v$KV; run KUBE_VERSION=$KV ./gen-replaces.sh" >&2
  exit 1
}

mkdir -p "$OUT"
ssts_serialise "$OUT/.lock" "CONTROLPLANE_BIN=$OUT" all_present

export GOWORK=off CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
minor=${KV#1.}; minor=${minor%%.*}
V=k8s.io/component-base/version
CV=k8s.io/client-go/pkg/version
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Without these, /version reports v0.0.0-master+$Format:%H$ and clients parsing it get confused.
ldflags="-s -w -X $V.gitVersion=v$KV -X $V.gitMajor=1 -X $V.gitMinor=$minor -X $V.gitTreeState=clean"
ldflags+=" -X $V.buildDate=$now -X $CV.gitVersion=v$KV -X $CV.gitMajor=1 -X $CV.gitMinor=$minor"

# Leftovers of a killed build are safe to remove: we hold the lock (or are the only builder).
rm -rf "$OUT"/.build.*
tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
echo "controlplane: building ${BINS[*]} v$KV with $("$GO" env GOVERSION) into $OUT (cold: 10-25 min on 2 cores)" >&2
start=$(date +%s)
# One go invocation for all: shared packages are compiled once. kubectl is for the docs examples (docs/*.md).
"$GO" build -p "${BUILD_PARALLELISM:-2}" -ldflags "$ldflags" -o "$tmp/" \
  ./cmd/etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl >&2

"$tmp/kube-apiserver" --version | grep -q "Kubernetes v$KV" || { echo "controlplane: kube-apiserver reports the wrong version" >&2; exit 1; }
"$tmp/kube-controller-manager" --version | grep -q "Kubernetes v$KV" || { echo "controlplane: kube-controller-manager reports the wrong version" >&2; exit 1; }
"$tmp/etcd" --version >&2
"$tmp/kubectl" version --client | grep -q "v$KV" || { echo "controlplane: kubectl reports the wrong version" >&2; exit 1; }
# Rename only after every binary built, so an interrupted build never looks complete.
for b in "${BINS[@]}"; do mv -f "$tmp/$b" "$OUT/$b"; done
echo "controlplane: built in $(( $(date +%s) - start ))s" >&2
echo "CONTROLPLANE_BIN=$OUT"
