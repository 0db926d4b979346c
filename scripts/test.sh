#!/usr/bin/env bash
# `npm test`: setup, typecheck, the lint gate, then every test against real Temporal and real Postgres.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
npx tsc --noEmit
npx vue-tsc --noEmit -p web/tsconfig.json
npx eslint . --max-warnings=0
npx prettier --check .
npx vitest run "$@"
