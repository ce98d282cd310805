# agentk: the in-cluster agent, as the production bundle (`pnpm build agentk`, apps/agentk/dist) on Node 20.
# docs/images.md: building and pushing; the Helm chart (deploy/charts/agentk) passes the flags.
#   docker build -f deploy/docker/agentk.Dockerfile -t <registry>/mooring/agentk:0.1.0 .

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9 --no-fund --no-audit --loglevel=error
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build agentk

FROM node:20.20.2-bookworm-slim
# The commit the image is built from: docker build --build-arg REVISION=$(git rev-parse HEAD) …
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mooring-agentk" \
      org.opencontainers.image.description="Mooring agentk: the in-cluster agent that dials kas" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.vendor="Mooring" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
WORKDIR /app
COPY --from=build /src/apps/agentk/dist/ /app/
COPY deploy/docker/healthcheck.mjs /app/healthcheck.mjs
ENV NODE_ENV=production
# agentk writes nothing; /tmp is the only writable place it could need.
USER 65532:65532
VOLUME ["/tmp"]
# observability (/metrics, /livez, /readyz) with --observability-listen-address=:8080, as the chart passes it
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "http://127.0.0.1:8080/livez", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["node", "/app/agentk.mjs"]
