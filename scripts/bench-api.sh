#!/usr/bin/env bash
# Runs the API list/detail benchmark (1,000,000 task instances on the embedded PostgreSQL). See BENCHMARKS.md, section 2.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home
mvn -q -pl orchestrator-server -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/target/bench-classpath.txt"
"$JAVA_HOME/bin/java" -cp "orchestrator-server/target/test-classes:orchestrator-server/target/classes:$(cat target/bench-classpath.txt)" \
    dev.sluice.server.bench.ApiListBenchmark
