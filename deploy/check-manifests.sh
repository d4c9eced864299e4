#!/usr/bin/env bash
# Offline validation of the deployment files; part of `npm run check` (deploy/local/check.sh). No cluster, no Docker
# engine, no downloads: kubectl kustomize renders the overlays, kubernetes-models validates every object against the
# Kubernetes (and prometheus-operator) schemas, deploy/check/check-deploy.mjs applies Outpost's rules to the rendered
# objects, docker-compose.yml and the Dockerfile; dockerfilelint lints the Dockerfile; `docker compose config` runs
# when the compose plugin is installed. Fails on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v kubectl >/dev/null || { echo "deploy check: kubectl (with kustomize) is needed" >&2; exit 1; }
[ -d node_modules/kubernetes-models ] || { echo "deploy check: run npm ci (kubernetes-models missing)" >&2; exit 1; }

echo "[deploy] Dockerfile lint (dockerfilelint)"
npx --no-install dockerfilelint deploy/docker/Dockerfile

if docker compose version >/dev/null 2>&1; then
  echo "[deploy] docker compose config"
  mkdir -p .outpost/keys
  docker compose -f docker-compose.yml config -q
elif command -v docker-compose >/dev/null 2>&1 && docker-compose version 2>/dev/null | grep -q 'v2\.'; then
  echo "[deploy] docker-compose config"
  mkdir -p .outpost/keys
  docker-compose -f docker-compose.yml config -q
else
  echo "[deploy] docker compose plugin not installed: compose file checked by check-deploy.mjs only"
fi

echo "[deploy] kustomize overlays, schemas, compose/env consistency, Dockerfile rules"
node deploy/check/check-deploy.mjs
