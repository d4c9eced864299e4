#!/usr/bin/env bash
# npm start: installs what is missing, brings up the infrastructure, builds and starts every service and the UI with
# demo data, prints the URLs and demo credentials. Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

SERVICES=(intake assessment escalation notification gateway)
declare -A PORTS=([gateway]=8080 [intake]=3001 [assessment]=3002 [escalation]=3003 [notification]=3004)
LOGS="$ROOT/.outpost/logs"
mkdir -p "$LOGS"
: >"$LOGS/seed.log" # this run's demo data lines only

ensure_deps
ensure_pg_redis
ensure_java_maven
started_kafka=0
bash deploy/local/kafka.sh status >/dev/null 2>&1 || started_kafka=1
bash deploy/local/kafka.sh start
ensure_keys

for svc in "${SERVICES[@]}"; do
  if port_open 127.0.0.1 "${PORTS[$svc]}"; then die "port ${PORTS[$svc]} ($svc) is already in use; stop what runs there first"; fi
done

log "building services and UI"
bash deploy/local/build.sh

pids=()
stop_all() {
  trap - EXIT INT TERM
  log "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$started_kafka" = 1 ]; then bash deploy/local/kafka.sh stop || true; fi
  log "stopped"
}
# Ctrl-C (or TERM) ends the script, and leaving it, however it happens, stops everything: one path, one message.
trap stop_all EXIT
trap 'exit 130' INT TERM

# The outside world's receivers (SMTP, SMS gateway, source callbacks, the five external systems escalation reports and
# hands over to) on their default ports, unless something (e.g. Mailpit) already listens there: development deliveries
# succeed, and what was sent is in .outpost/logs/sinks.log.
SINK_PORTS=(2525 3920 3990 3910 3911 3912 3913 3914)
taken=()
for p in "${SINK_PORTS[@]}"; do port_open 127.0.0.1 "$p" && taken+=("$p"); done
if ((${#taken[@]})); then
  log "port(s) ${taken[*]} of the local sinks (${SINK_PORTS[*]}) in use: not starting them"
else
  node dist/libs/testing/src/local-sinks.js >"$LOGS/sinks.log" 2>&1 &
  pids+=($!)
  log "started local mail/SMS/callback/external-system sinks (pid $!, what they receive: .outpost/logs/sinks.log)"
fi

export NODE_ENV=development DEMO_DATA=true
for svc in "${SERVICES[@]}"; do
  [ -f "dist/services/$svc/src/main.js" ] || continue
  node "${SERVICE_NODE_FLAGS[@]}" "dist/services/$svc/src/main.js" >"$LOGS/$svc.log" 2>&1 &
  pids+=($!)
  log "started $svc (pid $!, log .outpost/logs/$svc.log)"
done

log "waiting for every service to be ready"
for svc in "${SERVICES[@]}"; do
  [ -f "dist/services/$svc/src/main.js" ] || continue
  ok=0
  for _ in $(seq 1 240); do
    if curl -fsS "http://127.0.0.1:${PORTS[$svc]}/health/ready" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  [ "$ok" = 1 ] || { tail -n 30 "$LOGS/$svc.log" >&2; die "$svc did not become ready; see .outpost/logs/$svc.log"; }
  log "$svc ready on :${PORTS[$svc]}"
done

for seed in dist/services/*/src/seed/demo-*.js; do
  [ -f "$seed" ] || continue
  log "demo data: $(basename "$(dirname "$(dirname "$(dirname "$seed")")")")/$(basename "$seed" .js)"
  node "$seed" >>"$LOGS/seed.log" 2>&1 || { tail -n 20 "$LOGS/seed.log" >&2; die "seed $seed failed"; }
done
[ -f "$LOGS/seed.log" ] && grep -h '^\[demo\]' "$LOGS/seed.log" | sort -u || true

# Demo leads, posted by the demo sources and walked along the workflow by the demo users (a second start adds none).
log "demo leads: posting and walking them through the workflow (up to a minute)"
node dist/services/gateway/src/demo/demo-leads.js 2>&1 | tee -a "$LOGS/seed.log" ||
  log "demo leads did not all reach their states (the system is running; see .outpost/logs/seed.log)"

cat <<TXT

  Outpost (前哨) is running.
  Admin UI ........ http://127.0.0.1:8080/            (demo logins below)
  Gateway API ..... http://127.0.0.1:8080/api/v1       docs http://127.0.0.1:8080/docs
  Intake API ...... http://127.0.0.1:3001/v1           docs http://127.0.0.1:3001/docs
  Assessment ...... http://127.0.0.1:3002/docs
  Escalation ...... http://127.0.0.1:3003/docs
  Notification .... http://127.0.0.1:3004/docs
  Queues (ops) .... http://127.0.0.1:8080/ops/queues
  Demo logins (password Outpost@2026): sentinel1 volunteer1 officer1 officer2 street1 supervisor1 operator1 admin1
  Demo source API keys: see README ("Demo data"). Logs: .outpost/logs/. Press Ctrl-C to stop everything.
  Mail, SMS, source callbacks and reports to external systems: .outpost/logs/sinks.log (local sinks; nothing leaves this machine).

TXT
wait -n "${pids[@]}" || true
log "a service exited; see .outpost/logs"
exit 1
