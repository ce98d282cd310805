#!/usr/bin/env bash
# Installs what `pnpm start` / `pnpm test` (or `npm start` / `npm test`) need, idempotently:
# pnpm itself, the workspace packages, Debian packages, the locally built Kubernetes binaries and the production
# bundles (tests and the demo start kas and agentk from them).
# Quick when everything is already there. Usage: scripts/bootstrap.sh start|test
set -euo pipefail
mode="${1:-start}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
PNPM_VERSION=10.34.9

step() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
fail() { printf '\033[31m[bootstrap] %s\033[0m\n' "$*" >&2; exit 1; }

# 1. pnpm (corepack fails against this registry, so install the pinned version with npm).
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  step "installing pnpm@$PNPM_VERSION with npm"
  npm install -g "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error || fail "could not install pnpm@$PNPM_VERSION with npm; install it by hand: npm i -g pnpm@$PNPM_VERSION"
fi

# 2. Debian packages. PostgreSQL and Redis back the integration tests; Chromium drives the console tests.
need_apt=()
if [ "$mode" = "test" ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v tar >/dev/null 2>&1 || need_apt+=(tar)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    fail "missing Debian packages: ${need_apt[*]}; install them as root: apt-get install -y ${need_apt[*]}"
  fi
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  step "installing Debian packages: ${need_apt[*]} (apt-get; about a minute)"
  $sudo_cmd apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null \
    || fail "apt-get install ${need_apt[*]} failed"
fi

# 3. Workspace packages (fast no-op when node_modules matches the lockfile).
stamp="node_modules/.mooring-install-stamp"
want="$(sha256sum pnpm-lock.yaml package.json | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  step "installing workspace packages (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=append-only || fail "pnpm install failed; see the output above"
  echo "$want" > "$stamp"
fi

# 4. Kubernetes binaries built from Go modules (tens of minutes the first time; cached afterwards).
pnpm --silent run kube:build

# 5. Production bundles (scripts/build.ts; each skipped when its inputs are unchanged). Tests start kas and agentk
# from them and the Dockerfile test from the console's too; the demo starts agentk from its bundle.
if [ "$mode" = "test" ]; then
  pnpm --silent run build || fail "pnpm build failed; see the output above"
else
  pnpm --silent run build kas agentk || fail "pnpm build kas agentk failed; see the output above"
fi
