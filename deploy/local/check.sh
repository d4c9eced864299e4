#!/usr/bin/env bash
# npm run check: format check + lint (module boundaries included) + typecheck, then deploy manifest validation.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_deps
log "prettier --check"
npx prettier --check . --log-level warn
log "eslint (module boundaries from the Nx project graph)"
NX_DAEMON=false npx nx show projects >/dev/null
npx eslint . --max-warnings 0
log "typecheck (services, libs)"
npx tsc -p tsconfig.json --noEmit
if [ -f services/admin-ui/tsconfig.json ]; then
  log "typecheck (admin UI)"
  npx tsc -p services/admin-ui/tsconfig.json --noEmit
fi
if [ -x deploy/check-manifests.sh ]; then
  log "deploy manifests"
  bash deploy/check-manifests.sh
fi
log "check passed"
