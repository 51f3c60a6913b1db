# syntax=docker/dockerfile:1
# Image of the Sealed Secrets controller (TypeScript). Build from the repository root:
#   docker build -f docker/controller.Dockerfile -t <registry>/sealed-secrets-controller:<version> .
# Runs as user 1001 with only production dependencies; the entrypoint matches the chart's default command.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG PNPM_VERSION=10.34.9

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION
RUN npm install -g "pnpm@${PNPM_VERSION}" && pnpm --version
WORKDIR /src
# Manifests first so the dependency layer is cached across source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY packages/template/package.json packages/template/
COPY packages/core/package.json packages/core/
COPY packages/flags/package.json packages/flags/
COPY packages/kube/package.json packages/kube/
COPY packages/controller/package.json packages/controller/
COPY packages/kubeseal/package.json packages/kubeseal/
COPY packages/test-utils/package.json packages/test-utils/
COPY packages/web/package.json packages/web/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile --ignore-scripts
COPY . .
RUN pnpm build
# A self-contained copy of the controller package with its production dependencies only.
RUN pnpm --filter @ssts/controller deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
# The package managers are not needed at run time; removing them shrinks the attack surface.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
# glibc gives each thread that allocates its own malloc arena (up to 8 per core); the controller's RSA runs on
# libuv's thread pool and its template workers, so two arenas keep about 4-6 MiB of RSS that idle arenas would hold
# (peak at a 5 000-object start-up 103.7 -> 97.7 MiB, CPU unchanged; packages/controller/README.md, Performance).
# Fixed malloc thresholds: blocks from 32 KiB (response bodies, list pages) are mmapped and given back when freed,
# where glibc's sliding threshold would soon serve them from the main arena and leave it fragmented (peak at 5 000
# objects on Node 24 3.5-4.4 MiB lower, medians of 2, CPU unchanged; same README).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768:glibc.malloc.trim_threshold=65536
WORKDIR /app
COPY --from=build --chown=0:0 /out/package.json /app/package.json
COPY --from=build --chown=0:0 /out/bin /app/bin
COPY --from=build --chown=0:0 /out/dist /app/dist
COPY --from=build --chown=0:0 /out/node_modules /app/node_modules
# Files stay owned by root and read-only for the process; the chart mounts an emptyDir at /tmp.
USER 1001:1001
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/bin/sealed-secrets-controller.js"]
