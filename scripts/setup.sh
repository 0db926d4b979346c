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

# The console's browser tests drive Debian's Chromium (Playwright's own download does not work
# here), with a CJK font so Chinese renders in screenshots. Installed when missing and we may.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing chromium and fonts-wqy-microhei for the console's browser tests"
    (apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }) \
      || echo "[setup] could not install chromium; the browser tests will fail with the command to run"
  else
    echo "[setup] chromium or a CJK font is missing: run  sudo apt-get install -y chromium fonts-wqy-microhei"
  fi
fi
