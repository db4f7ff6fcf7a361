#!/usr/bin/env bash
# Starts and stops the project's own Neo4j 5 (embedded server with Bolt,
# see Launcher.java) for development and tests. Maven Central serves no
# community server tarball, so the database comes as jars, built once into
# dev/neo4j/target (ignored by git).
#
#   dev/neo4j/neo4j.sh build                 fetch the jars and compile the launcher
#   dev/neo4j/neo4j.sh start [DATA_DIR PORT]  start (idempotent) and wait until Bolt answers
#   dev/neo4j/neo4j.sh stop  [DATA_DIR]       stop cleanly (SIGTERM, then wait)
#   dev/neo4j/neo4j.sh status [DATA_DIR]
#
# DATA_DIR defaults to .data/neo4j, PORT to 7687. NEO4J_HEAP (default 4g)
# and NEO4J_PAGECACHE (default 1g) size the JVM: 4g holds imports of a
# hundred thousand relationships; a million in one import needs about 14g
# (see docs/formats.md). Neo4j 5.26 needs Java 17 or 21; JAVA17_HOME picks
# the JDK, otherwise the machine's Java 17 is found under /usr/lib/jvm.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cmd="${1:-}"
data="${2:-$root/.data/neo4j}"
port="${3:-7687}"

find_java17() {
  if [ -n "${JAVA17_HOME:-}" ]; then echo "$JAVA17_HOME"; return; fi
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/*17*; do
    if [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -q 'version "17'; then echo "$d"; return; fi
  done
  if command -v java >/dev/null && java -version 2>&1 | grep -q 'version "17'; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"; return
  fi
  echo "neo4j.sh: no Java 17 found; install OpenJDK 17 or set JAVA17_HOME" >&2
  exit 1
}

build() {
  local stamp="$here/target/.built"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$here/pom.xml" ] && [ "$stamp" -nt "$here/src/main/java/org/actorgraph/devneo4j/Launcher.java" ]; then
    return
  fi
  echo "neo4j.sh: fetching Neo4j jars and building the launcher (first run only)..." >&2
  (cd "$here" && JAVA_HOME="$(find_java17)" mvn -q -B -DskipTests package)
  touch "$stamp"
}

pid_of() {
  local f="$data/neo4j.pid"
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then cat "$f"; fi
}

start() {
  build
  mkdir -p "$data"
  if [ -n "$(pid_of)" ] && [ -f "$data/ready" ]; then
    echo "neo4j.sh: already running on bolt://127.0.0.1:$(cat "$data/ready")" >&2
    return
  fi
  local java; java="$(find_java17)/bin/java"
  rm -f "$data/ready"
  nohup "$java" -Xms"${NEO4J_HEAP:-4g}" -Xmx"${NEO4J_HEAP:-4g}" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    -cp "$here/target/classes:$here/target/lib/*" org.actorgraph.devneo4j.Launcher \
    "$data/db" "$port" "$data/ready" >"$data/neo4j.log" 2>&1 &
  echo $! >"$data/neo4j.pid"
  for _ in $(seq 1 180); do
    # The launcher writes the ready file once the database is online; the
    # Bolt port must then accept connections too.
    if [ -f "$data/ready" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "neo4j.sh: ready on bolt://127.0.0.1:$port (data in $data)" >&2
      return
    fi
    if [ -z "$(pid_of)" ]; then
      echo "neo4j.sh: Neo4j exited during start-up; its log:" >&2
      tail -n 40 "$data/neo4j.log" >&2
      exit 1
    fi
    sleep 1
  done
  echo "neo4j.sh: Neo4j did not become ready within 180s; see $data/neo4j.log" >&2
  exit 1
}

stop() {
  local pid; pid="$(pid_of)"
  if [ -z "$pid" ]; then rm -f "$data/neo4j.pid" "$data/ready"; return; fi
  kill -TERM "$pid"
  for _ in $(seq 1 90); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$data/neo4j.pid" "$data/ready"; echo "neo4j.sh: stopped" >&2; return; }
    sleep 1
  done
  echo "neo4j.sh: Neo4j did not stop within 90s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$data/neo4j.pid" "$data/ready"
}

case "$cmd" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status) if [ -n "$(pid_of)" ]; then echo "running (pid $(pid_of))"; else echo "stopped"; exit 1; fi ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
