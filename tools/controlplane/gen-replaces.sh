#!/usr/bin/env bash
# Regenerates go.mod/go.sum for a Kubernetes patch release. Only needed when bumping KUBE_VERSION.
# k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with replace lines that only
# act in its own main module, so this module replaces each one with its published v0.<minor>.<patch>.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=find-go.sh
. ./find-go.sh
KV=${KUBE_VERSION:-$(cat KUBE_VERSION)}
SV=0.${KV#1.}
export GOWORK=off GOFLAGS=

modfile=$(cd "$(mktemp -d)" && "$GO" mod download -json "k8s.io/kubernetes@v$KV" |
  sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -n "$modfile" ] || { echo "gen-replaces: k8s.io/kubernetes@v$KV is not served" >&2; exit 1; }
staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$modfile")
echo "gen-replaces: $(echo "$staging" | wc -l) staging modules in k8s.io/kubernetes v$KV"

rm -f go.mod go.sum
"$GO" mod init controlplane >/dev/null 2>&1
"$GO" mod edit -go=1.24.0 -godebug=default=go1.24
missing=0
for m in $staging; do
  # Modules that k8s.io/kubernetes only replaces but never requires (sample-controller,
  # sample-cli-plugin) are outside the module graph; the proxy does not even serve them.
  if ! grep -qE "^[[:space:]]*$m v0\.0\.0" "$modfile"; then
    echo "gen-replaces: skip $m (replaced but not required upstream)"
    continue
  fi
  if ! (cd "$(mktemp -d)" && "$GO" mod download "$m@v$SV" >/dev/null 2>&1); then
    echo "gen-replaces: $m@v$SV is NOT served by the module proxy" >&2
    missing=1
  fi
  "$GO" mod edit -replace="$m=$m@v$SV"
done
[ "$missing" = 0 ] || { echo "gen-replaces: pick another patch release" >&2; exit 1; }
# `tool` lines keep k8s.io/kubernetes in the module graph (no Go file here imports it) and let
# build.sh build upstream's own main packages directly.
"$GO" get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KV" "k8s.io/kubernetes/cmd/kube-controller-manager@v$KV"
"$GO" mod tidy
echo "gen-replaces: etcd server pinned by k8s: $("$GO" list -m go.etcd.io/etcd/server/v3)"
