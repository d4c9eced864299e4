#!/usr/bin/env bash
# Compiles every service and library to dist/ with SWC (path aliases rewritten), and the admin UI with Vite.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf dist
npx swc services libs bench -d dist --copy-files --ignore '**/*.spec.ts,**/*.int-spec.ts,services/admin-ui/**' -q 2>/dev/null || \
  npx swc services libs -d dist --copy-files --ignore '**/*.spec.ts,**/*.int-spec.ts,services/admin-ui/**'
if [ -f services/admin-ui/vite.config.ts ] && [ "${SKIP_UI_BUILD:-0}" != "1" ]; then
  npx vite build services/admin-ui --logLevel warn
fi
