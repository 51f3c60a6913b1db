# syntax=docker/dockerfile:1
# Image of the kubeseal CLI (TypeScript). Build from the repository root:
#   docker build -f docker/kubeseal.Dockerfile -t <registry>/kubeseal:<version> .
# Usage: docker run --rm -i -v ~/.kube:/home/kubeseal/.kube:ro <image> --format yaml < secret.yaml

ARG NODE_IMAGE=node:24-bookworm-slim
ARG PNPM_VERSION=10.34.9

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION
RUN npm install -g "pnpm@${PNPM_VERSION}" && pnpm --version
WORKDIR /src
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
RUN pnpm --filter @ssts/kubeseal deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production HOME=/home/kubeseal
WORKDIR /app
COPY --from=build --chown=0:0 /out/package.json /app/package.json
COPY --from=build --chown=0:0 /out/bin /app/bin
COPY --from=build --chown=0:0 /out/dist /app/dist
COPY --from=build --chown=0:0 /out/node_modules /app/node_modules
USER 1001:1001
WORKDIR /home/kubeseal
ENTRYPOINT ["node", "/app/bin/kubeseal.js"]
