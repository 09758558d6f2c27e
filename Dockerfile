# buildtrace: one image for the web, worker and release (migrate) processes.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm install (not ci): the lock omits an optional Windows-only package of vite that npm ci would
# insist on; vite is a dev dependency anyway.
RUN npm install --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
COPY bin ./bin
# A named volume mounted here starts with this ownership, so the node user can write files.
RUN mkdir -p /data/files && chown node:node /data/files
USER node
EXPOSE 3000
# Each process answers /healthz on its own port: web on PORT, a worker on METRICS_PORT. This check
# suits web; for a worker set HEALTHCHECK_PORT to its METRICS_PORT (docker-compose.yml gives the
# worker its own check, and none to the one-shot migrate).
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTHCHECK_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node_modules/.bin/tsx", "src/main/web.ts"]
