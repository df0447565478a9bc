# syntax=docker/dockerfile:1
# One image per service, from the whole workspace:
#
#   docker build --build-arg SERVICE=api -t sumo-k8/api .
#   (SERVICE: api, admin, scheduler or reconciler)
#
# The service runs as one file, its esbuild bundle (services/<service>/dist/index.js, made by
# packages/service-bundle): loaded from its source modules it holds several times the memory
# and is slower to be ready (docs/benchmarks.md, "Footprint" has the figures). The
# image still keeps the repository's layout (/app/services/<service>, /app/packages/*,
# /app/migrations) with pnpm's workspace symlinks, rather than a `pnpm deploy` copy: the bundle
# finds migrations/ and the consoles' build where the sources would, relative to itself; the
# api's and the admin's docs page reads @scalar/api-reference's script from node_modules; and
# every image carries packages/db's sources, so the api's image runs the chart's migration Job
# (node /app/packages/db/src/migrate-command.ts: Node.js strips the TypeScript's types itself,
# which it refuses to do under node_modules, where `pnpm deploy` would copy packages/*).

ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS base
# pnpm at the version package.json's packageManager names, through corepack.
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    CI=true
RUN corepack enable
WORKDIR /app

FROM base AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<api|admin|scheduler|reconciler>" >&2; exit 1; }
COPY . .
RUN test -f "services/${SERVICE}/src/index.ts" || { echo "no service named ${SERVICE}" >&2; exit 1; }
# The service and the workspace packages it depends on, production dependencies only, and
# packages/service-bundle (esbuild) to bundle it. (No `pnpm fetch` layer: it fills
# node_modules/.pnpm with every service's dependencies, which the filtered install would then
# keep; the cache mount already spares the downloads.)
# The api serves the tenant console and the admin service the admin console, built here
# (packages/console, with its own dependencies: not a dependency of the services' packages,
# since the console's typed clients are generated from their documents).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    case "$SERVICE" in api|admin) console=--filter=@sumo/console... ;; *) console= ;; esac && \
    pnpm install --frozen-lockfile --prod --store-dir /pnpm/store --filter "@sumo/${SERVICE}..." \
      --filter=@sumo/service-bundle $console && \
    node packages/service-bundle/src/build-command.ts "${SERVICE}" && \
    if [ -n "$console" ]; then pnpm --filter @sumo/console build; fi
# The image holds one service.
RUN find services -mindepth 1 -maxdepth 1 ! -name "${SERVICE}" -exec rm -rf {} +

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
# Owned by root and read-only to the service (the chart also mounts the root filesystem
# read-only; /tmp is an emptyDir).
COPY --from=build /app /app
WORKDIR /app/services/${SERVICE}
# The node user of the official image, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
CMD ["node", "dist/index.js"]
