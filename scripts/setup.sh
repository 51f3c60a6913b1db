#!/usr/bin/env bash
# Set-up on a fresh machine, idempotent and quick when already done: Node check, pnpm 10, dependencies, build.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=10.34.9

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`error: Node.js >= 20.19 is required, found ${process.versions.node}`); process.exit(1); }'

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
  echo "setup: installing pnpm@${PNPM_VERSION} with npm" >&2
  npm install -g "pnpm@${PNPM_VERSION}" >/dev/null
fi

# ip (iproute2) makes the network namespaces that the service-proxy e2e tests need; openssl makes test PKI;
# Debian's chromium runs the sealing page's browser tests (driven by playwright-core, which never downloads one).
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm -s build
# etcd, kube-apiserver and kube-controller-manager from Go modules: ~5 min once, then a no-op (cached outside the
# repository, keyed by version).
bash tools/controlplane/build.sh >/dev/null
# helm from its Go module (~2 min once), for the chart tests; the upstream Go kubeseal and controller v0.40.0
# (~2.5 min once on 2 idle cores), the oracles of the interop tests.
bash tools/helm/build.sh >/dev/null
bash tools/promtool/build.sh >/dev/null # promtool (~9 CPU-min once), for the Prometheus rule tests
bash tools/upstream/build.sh >/dev/null
# v0.36.6 too (~2 min once): the migration test starts from its controller and keys.
bash tools/upstream/build.sh 0.36.6 >/dev/null
# A pinned Node 24 from the npm registry (~10 s, 190 MB once): pnpm test also runs the unit project and the
# controller's HTTP tests on it (scripts/test.mjs).
node24=$(bash tools/node/install.sh | tail -n 1)
echo "setup: done (node $(node --version), ${node24#NODE_BIN=} $("${node24#NODE_BIN=}" --version), pnpm $(pnpm --version))" >&2
