#!/usr/bin/env bash
# Idempotent machine setup for CI, `npm test` and new clones: node_modules, then the Temporal binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm rewrites node_modules/.package-lock.json at the end of every install, so it is the
# "node_modules is current" marker (the node_modules directory's own mtime is not: npm touches
# package-lock.json after it).
# `npm install`, not `npm ci`: the registry this project installs from lacks some other platforms'
# optional binaries (e.g. @swc/core-darwin-arm64), so the lock cannot list them and `npm ci` refuses
# it as "out of sync". `npm install` installs exactly the locked versions all the same.
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[setup] node_modules missing or older than package-lock.json: npm install"
  npm install --no-audit --no-fund
fi

npx tsx scripts/ensure-tools.ts
