#!/usr/bin/env bash
# npm run bench / npm run faults: compiles services, libs and bench with SWC into a PRIVATE tree per run
# (.outpost/bench-dist-<run|faults>-<pid>), so neither another engineer's `npm run build` (which wipes dist/) nor a
# second benchmark started meanwhile can change the code of processes this suite starts and restarts; then runs
# bench/run.js or bench/faults.js from it and removes the tree. Usage: bench.sh run|faults [args...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
what="${1:?usage: bench.sh run|faults [args]}"; shift
ensure_deps
ensure_pg_redis
ensure_java_maven
bash deploy/local/kafka.sh start
out="$ROOT/.outpost/bench-dist-$what-$$"
trap 'rm -rf "$out" "$out.tmp"' EXIT
log "compiling services, libs and bench into $out"
rm -rf "$out.tmp"
npx swc services libs bench -d "$out.tmp" --copy-files --ignore '**/*.spec.ts,**/*.int-spec.ts,services/admin-ui/**' -q
rm -rf "$out" && mv "$out.tmp" "$out"
export OUTPOST_REPO_ROOT="$ROOT"
node --enable-source-maps "$out/bench/$what.js" "$@"
