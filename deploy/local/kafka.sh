#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft) broker from Maven Central jars, run with the machine's Java.
# Usage: kafka.sh start|stop|status|logs
# Settings (environment): KAFKA_VERSION (pinned here), KAFKA_HOME (jars, data, logs; outside git),
# KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093).
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_HOME="${KAFKA_HOME:-$HOME/.cache/outpost/kafka-$KAFKA_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA="${KAFKA_DATA:-$KAFKA_HOME/data-$KAFKA_PORT}"
LIB="$KAFKA_HOME/lib"
CONF="$KAFKA_DATA/conf"
PIDFILE="$KAFKA_DATA/broker.pid"
LOG="$KAFKA_DATA/broker.log"
CLUSTER_ID="MkU3OEVBNTcwNTJENDM2Qk"

say() { printf '[kafka] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch_jars() {
  [ -f "$LIB/.complete" ] && return 0
  command -v mvn >/dev/null || { say "Maven (mvn) is missing: apt-get install -y maven"; exit 1; }
  command -v java >/dev/null || { say "Java 17+ is missing: apt-get install -y openjdk-17-jre-headless"; exit 1; }
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIB (once)"
  mkdir -p "$LIB"
  local tmp; tmp=$(mktemp -d)
  cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>outpost.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q -f "$tmp/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB"
  # The POM brings no logging backend: add log4j's SLF4J 1.x binding at the log4j-api version it brought.
  local l4j; l4j=$(ls "$LIB" | sed -n 's/^log4j-api-\(.*\)\.jar$/\1/p' | head -1)
  [ -n "$l4j" ] || l4j=2.24.3
  for a in log4j-api log4j-core log4j-slf4j-impl; do
    mvn -B -q -f "$tmp/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.apache.logging.log4j:$a:$l4j" -DoutputDirectory="$LIB"
  done
  rm -rf "$tmp"
  touch "$LIB/.complete"
}

write_config() {
  mkdir -p "$CONF" "$KAFKA_DATA/logs"
  cat >"$CONF/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA/logs
num.partitions=3
num.network.threads=2
num.io.threads=2
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=2097152
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
log.message.timestamp.after.max.ms=9223372036854775807
PROPS
  cat >"$CONF/log4j2.properties" <<L4J
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = STDOUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
L4J
}

start() {
  if pid=$(running_pid) && port_open "$KAFKA_PORT"; then
    say "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"; return 0
  fi
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    say "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process; stop it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
    exit 1
  fi
  fetch_jars
  write_config
  if [ ! -f "$KAFKA_DATA/logs/meta.properties" ]; then
    java -cp "$LIB/*" -Dlog4j2.configurationFile="$CONF/log4j2.properties" kafka.tools.StorageTool format \
      --cluster-id "$CLUSTER_ID" --config "$CONF/server.properties" --ignore-formatted >/dev/null
  fi
  say "starting broker $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (data $KAFKA_DATA)"
  nohup java -server -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONF/log4j2.properties" -cp "$LIB/*" kafka.Kafka "$CONF/server.properties" \
    >"$LOG" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  local pid; pid=$(cat "$PIDFILE")
  for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "broker died during start-up; last lines of $LOG:"; tail -n 40 "$LOG" >&2; exit 1
    fi
    if port_open "$KAFKA_PORT"; then say "ready (pid $pid)"; return 0; fi
    sleep 0.5
  done
  say "broker did not open 127.0.0.1:$KAFKA_PORT within 120 s; last lines of $LOG:"; tail -n 40 "$LOG" >&2
  exit 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then say "not running"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped"; return 0; }; sleep 0.5; done
  say "no clean stop after 20 s; killing"; kill -KILL "$pid" 2>/dev/null || true; rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if pid=$(running_pid); then echo "running pid $pid"; else echo "stopped"; exit 1; fi ;;
  logs) tail -n "${2:-100}" "$LOG" ;;
  reset) stop; rm -rf "$KAFKA_DATA" ;;
  *) echo "usage: $0 start|stop|status|logs [n]|reset" >&2; exit 2 ;;
esac
