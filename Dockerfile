# syntax=docker/dockerfile:1
# Twitcher's container image: docs/deployment.md ("Container image").
#   docker build -t twitcher .
#   docker run -p 8000:8000 -v twitcher-var:/app/var -e TWITCHER_ADMIN_PASSWORD=… twitcher
# test/deploy/dockerfile.test.ts runs this file's CMD and HEALTHCHECK outside a container, with the
# files its last stage copies laid out as in the image.

# Node LTS (the engines field asks for ^22.12 or >= 24). Override with --build-arg NODE_IMAGE=node:24-bookworm-slim.
ARG NODE_IMAGE=node:22-bookworm-slim

# better-sqlite3 is a native addon: its install script fetches a prebuilt binary or compiles one,
# which needs python3, make and a C++ compiler. Only the build stages have them.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Compile TypeScript to dist/ with the dev dependencies. --ignore-scripts keeps `prepare` from
# compiling before the sources are here (and skips the addon, which tsc does not need).
FROM toolchain AS build
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The production dependencies only (no TypeScript, no test tools), with the addon built: its
# install script fetches a prebuilt binary or compiles one (`npm rebuild` runs it).
FROM toolchain AS deps
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Twitcher" \
      org.opencontainers.image.description="A security proxy for OGC web services" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    TWITCHER_HOST=0.0.0.0 \
    TWITCHER_PORT=8000
WORKDIR /app
# Owned by root and read-only to the process: only var/ is written.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# var/: the SQLite database, generated keys (token.keyDir) and the built-in CA (certs.caDir).
# The image's user is `node` (uid 1000), numeric so that Kubernetes' runAsNonRoot can check it.
RUN mkdir -p /app/var && chown 1000:1000 /app/var
VOLUME ["/app/var"]
USER 1000:1000
EXPOSE 8000
# 200 when the store answers, migrations are applied and keys are loaded; 503 while draining.
# Node's fetch: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TWITCHER_PORT || 8000) + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself (a shell would not pass it on). Twitcher handles
# SIGTERM and SIGINT (drain, then exit 0); it starts no children but its own cluster workers, which it
# waits for, so no init is needed (compose adds one anyway with `init: true`).
CMD ["node", "--max-semi-space-size=4", "dist/bin/twitcher.js", "serve"]
