#!/usr/bin/env bash
# Local infrastructure without Docker: checks PostgreSQL and Redis, runs the Kafka broker from Maven Central jars.
# With a Docker engine and OUTPOST_USE_DOCKER=1, uses docker compose instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
case "${1:-up}" in
  up)
    if [ "${OUTPOST_USE_DOCKER:-0}" = 1 ] && docker info >/dev/null 2>&1; then
      docker compose -f "$ROOT/docker-compose.yml" up -d postgres redis kafka; exit 0
    fi
    ensure_pg_redis
    ensure_java_maven
    bash "$ROOT/deploy/local/kafka.sh" start
    ;;
  down)
    if [ "${OUTPOST_USE_DOCKER:-0}" = 1 ] && docker info >/dev/null 2>&1; then docker compose -f "$ROOT/docker-compose.yml" down; exit 0; fi
    bash "$ROOT/deploy/local/kafka.sh" stop
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
