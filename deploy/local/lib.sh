# Shared helpers for the local (no-Docker) scripts. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf '\033[1;34m[outpost]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[outpost]\033[0m %s\n' "$*" >&2; exit 1; }
# glibc raises its mmap threshold after a large free, so later large buffers (argon2's 19 MiB, big request bodies)
# come from per-thread arenas and are never returned to the OS: a fixed threshold keeps them mmapped and freed.
# Measured: the gateway's resident memory after start 217 MB → 170 MB. (Same setting in deploy/docker/Dockerfile.)
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1048576}"
# Node flags of every service process (also bench/lib/proc.ts; NODE_OPTIONS in deploy/docker/Dockerfile and
# deploy/k8s/base/kustomization.yaml), measured with `npm run bench -- --only=pipeline,memory`:
# - --require …/own-source-maps.js instead of --enable-source-maps: stack traces are source-mapped for our code only.
#   --enable-source-maps also reads and keeps the maps of node_modules (typeorm, rxjs, bullmq ship ~14 MB of them):
#   10-15 MB of resident memory per service at idle (libs/platform/src/own-source-maps.ts).
# - --max-semi-space-size=4: V8's young generation (two semi-spaces) grows to 2 × 16 MB on this Node 20; 4 MB each keeps
#   short-lived request garbage young and takes 15-25 MB off every service's resident memory at idle and at peak.
# - --max-old-space-size=256: V8 sizes its old-generation growth from this limit, by default a quarter of the machine's
#   memory (4 GB here); it then let garbage pile up to 200-300 MB resident under the intake load although a service
#   keeps only 45-70 MB alive. With the cap the same load peaks at 120-160 MB resident (heap 60-80 MB), with the cap
#   still 3-5 × the live set. Measured: peak RSS intake/assessment/gateway/notification/escalation 219/270/220/301/133
#   → 152/146/147/160/123 MB.
SERVICE_NODE_FLAGS=(--require "$ROOT/dist/libs/platform/src/own-source-maps.js" --max-semi-space-size=4 --max-old-space-size=256)
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
