#!/usr/bin/env bash
# Prints the CEL cost of each expression of the chart's ValidatingAdmissionPolicy for one SealedSecret, evaluated
# with kube-apiserver's own CEL code (k8s.io/apiserver at the control plane's version, see go.mod).
#   bash tools/cel-cost/run.sh sealedsecret.json          one line per variable and validation
#   bash tools/cel-cost/run.sh sealedsecret.json total    the whole policy, median of 41 runs
# The binary is built once into ${SSTS_CACHE_DIR:-~/.cache/sealed-secrets-ts}/cel-cost/<source hash>/.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bash tools/cel-cost/run.sh <sealedsecret.json> [total]" >&2; exit 2; }
object=$(realpath "$1")
mode=${2:-}
cd "$(dirname "$0")"

# shellcheck source=../controlplane/find-go.sh
. ../controlplane/find-go.sh
# shellcheck source=../lib/cache.sh
. ../lib/cache.sh
CACHE_ROOT=$SSTS_CACHE_ROOT
hash=$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)
BIN=$CACHE_ROOT/cel-cost/$hash/cel-cost
if [ ! -x "$BIN" ]; then
  mkdir -p "$(dirname "$BIN")"
  echo "cel-cost: building (k8s.io/apiserver; a few minutes the first time)" >&2
  GOWORK=off CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" "$GO" build -o "$BIN.tmp" .
  mv "$BIN.tmp" "$BIN"
fi

HELM=$(bash ../helm/build.sh | tail -n 1 | sed 's/^HELM_BIN=//')
policy=$(mktemp)
trap 'rm -f "$policy"' EXIT
"$HELM" template cel-cost ../../charts/sealed-secrets --kube-version 1.34.0 \
  --set admission.policy.enabled=true --show-only templates/admission-policy.yaml >"$policy"
"$BIN" "$policy" "$object" $mode
