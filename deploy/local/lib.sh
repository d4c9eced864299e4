# Shared helpers for the local (no-Docker) scripts. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf '\033[1;34m[outpost]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[outpost]\033[0m %s\n' "$*" >&2; exit 1; }
# glibc raises its mmap threshold after a large free, so later large buffers (argon2's 19 MiB, big request bodies)
# come from per-thread arenas and are never returned to the OS: a fixed threshold keeps them mmapped and freed.
# Measured: the gateway's resident memory after start 217 MB → 170 MB. (Same setting in deploy/docker/Dockerfile.)
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1048576}"
# Node flags of every service process, from deploy/service-node-flags (where the why is written down).
mapfile -t SERVICE_NODE_FLAGS < <(sed -e '/^#/d' -e '/^$/d' -e "s|{dist}|$ROOT/dist|" "$ROOT/deploy/service-node-flags")
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Installs npm dependencies when node_modules is missing or older than the lock file.
ensure_deps() {
  cd "$ROOT"
  # A node_modules that is a symlink (a worktree sharing another checkout's) is never reinstalled from here: npm ci
  # would empty the directory it points to under every other checkout using it.
  if [ -L node_modules ]; then
    log "node_modules is a symlink to $(readlink node_modules): not installing (run npm ci where it points)"
    return 0
  fi
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# PostgreSQL and Redis are expected to run already (they do on this machine kind and in CI).
# If not, try the machine's own service commands once, then explain what is missing.
ensure_pg_redis() {
  local pg_host="${PGHOST_CHECK:-127.0.0.1}" pg_port="${PGPORT_CHECK:-5432}"
  if ! port_open "$pg_host" "$pg_port"; then
    if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
      log "PostgreSQL not answering on $pg_host:$pg_port; starting the local cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
      sleep 2
    fi
    port_open "$pg_host" "$pg_port" || die "PostgreSQL is not reachable on $pg_host:$pg_port. Install/start it (apt-get install postgresql; pg_ctlcluster <ver> main start) with trust auth for local connections, or set DATABASE_ADMIN_URL/DATABASE_URL."
  fi
  if ! port_open 127.0.0.1 6379; then
    if command -v redis-server >/dev/null; then
      log "Redis not answering on 127.0.0.1:6379; starting it"
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
      sleep 1
    fi
    port_open 127.0.0.1 6379 || die "Redis is not reachable on 127.0.0.1:6379. Install/start it (apt-get install redis-server; redis-server --daemonize yes) or set REDIS_URL."
  fi
}

ensure_java_maven() {
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing Java 17 and Maven (needed to run the Kafka broker)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null
    else
      die "Java 17+ and Maven are needed for the local Kafka broker: apt-get install openjdk-17-jre-headless maven"
    fi
  fi
}

ensure_keys() { node "$ROOT/deploy/local/keys.js" "$ROOT/.outpost/keys"; }
