# The console: Next's standalone output with our own server (`pnpm build console`,
# apps/console/.next/standalone) on Node 20. docs/images.md: building, pushing, pointing it at kas.
#   docker build -f deploy/docker/console.Dockerfile -t <registry>/mooring/console:0.1.0 .

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9 --no-fund --no-audit --loglevel=error
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN pnpm install --frozen-lockfile && pnpm build console

FROM node:20.20.2-bookworm-slim
# The commit the image is built from: docker build --build-arg REVISION=$(git rev-parse HEAD) …
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mooring-console" \
      org.opencontainers.image.description="Mooring console: the web UI, served next to kas" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.vendor="Mooring" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
WORKDIR /app
COPY --from=build /src/apps/console/.next/standalone/ /app/
COPY deploy/docker/healthcheck.mjs /app/healthcheck.mjs
# Next's cache (.next/cache) and /tmp are the only places the console writes.
RUN mkdir -p /app/apps/console/.next/cache && chown 65532:65532 /app/apps/console/.next/cache
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000
USER 65532:65532
VOLUME ["/app/apps/console/.next/cache", "/tmp"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "http://127.0.0.1:3000/livez", "http://127.0.0.1:3000/readyz"]
ENTRYPOINT ["node", "/app/apps/console/server/console.mjs"]
