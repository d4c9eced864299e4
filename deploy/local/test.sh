#!/usr/bin/env bash
# npm test: installs what is missing, brings up the infrastructure the tests need (Kafka included), builds, runs every
# unit and integration test (browser tests included) against real PostgreSQL, Redis and Kafka, exits non-zero on any
# failure. Extra arguments go to Jest (e.g. `npm test -- services/intake`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_deps
ensure_pg_redis
ensure_java_maven
started_kafka=0
if ! bash deploy/local/kafka.sh status >/dev/null 2>&1; then started_kafka=1; fi
bash deploy/local/kafka.sh start
cleanup() { if [ "$started_kafka" = 1 ] && [ "${KEEP_KAFKA:-0}" != 1 ]; then bash deploy/local/kafka.sh stop || true; fi; }
trap cleanup EXIT

ensure_keys
log "building services and UI"
bash deploy/local/build.sh

mkdir -p .outpost
results=.outpost/jest-results.json
rm -f "$results"
log "running unit and integration tests"
set +e
npx jest "$@" --maxWorkers="${JEST_WORKERS:-2}" --forceExit --json --outputFile="$results" --selectProjects unit integration
status=$?
set -e
if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$ROOT/$results"
fi
exit $status
