# kas: the server agentk dials, the Kubernetes API proxy and the console's API, as the production bundle
# (`pnpm build kas`, apps/kas/dist) on Node 20. docs/images.md: building, pushing, running read-only.
#   docker build -f deploy/docker/kas.Dockerfile -t <registry>/mooring/kas:0.1.0 .

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9 --no-fund --no-audit --loglevel=error
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build kas

FROM node:20.20.2-bookworm-slim
# The commit the image is built from: docker build --build-arg REVISION=$(git rev-parse HEAD) …
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mooring-kas" \
      org.opencontainers.image.description="Mooring kas: agent server, Kubernetes API proxy and console API" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.vendor="Mooring" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
WORKDIR /app
COPY --from=build /src/apps/kas/dist/ /app/
COPY deploy/charts/agentk /app/charts/agentk
COPY deploy/docker/healthcheck.mjs /app/healthcheck.mjs
# The only places kas writes: its data dir (PGlite, the generated secret, TLS material) and /tmp.
RUN mkdir -p /data && chown 65532:65532 /data && chmod 0700 /data
ENV NODE_ENV=production \
    MOORING_DATA_DIR=/data \
    MOORING_LISTEN_HOST=0.0.0.0 \
    MOORING_AGENTK_CHART_DIR=/app/charts/agentk
USER 65532:65532
VOLUME ["/data", "/tmp"]
# agent API (gRPC), observability, console API, Kubernetes API proxy, private API (replicas)
EXPOSE 8150 8151 8153 8154 8155
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "http://127.0.0.1:8151/livez", "http://127.0.0.1:8151/readyz"]
ENTRYPOINT ["node", "/app/kas.mjs"]
