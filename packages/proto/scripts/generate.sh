#!/usr/bin/env bash
# Regenerates gen/ from proto/ with buf (shipped in npm) and ts-proto. `--check` fails when gen/ is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PWD/../../node_modules/.bin:$PATH"
out=gen
if [ "${1:-}" = "--check" ]; then out=$(mktemp -d); fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
buf generate --template buf.gen.yaml -o "$out.tmp"
# buf writes into <out>/gen; flatten so imports read @mooring/proto/gen/<path>.
rm -rf "$out.new" && mv "$out.tmp/gen" "$out.new" && rm -rf "$out.tmp"
prettier --config ../config/prettier.config.js --log-level warn --write "$out.new" >/dev/null 2>&1 || true
if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$out.new" gen >/dev/null; then
    echo "packages/proto/gen is stale: run 'pnpm --filter @mooring/proto generate' and commit the result." >&2
    diff -r "$out.new" gen | head -20 >&2
    exit 1
  fi
  rm -rf "$out.new" "$out"
  echo "packages/proto/gen is up to date."
else
  rm -rf gen && mv "$out.new" gen
  echo "generated $(find gen -name '*.ts' | wc -l) files in packages/proto/gen"
fi
