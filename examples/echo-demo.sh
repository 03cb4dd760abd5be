#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds jOuroboros and its examples, then runs the oecho server and client
# in two JVMs over the embedded layer and shows the echoed line. Exits
# non-zero unless the echo came back.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR=examples/target/jouroboros-examples.jar
MESSAGE="Hello, jOuroboros!"
# A name of our own, so that another oecho server on this machine is not reached.
NAME="oecho-demo-$$"
# The demo shows the embedded layer, even where an Ouroboros IRMd runs;
# JOUROBOROS_LAYER=system (or auto) shows the system layer instead.
export JOUROBOROS_LAYER="${JOUROBOROS_LAYER:-embedded}"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

build() {
    if ! "$@" >"$work/build.log" 2>&1; then
        echo "echo-demo: build failed: $*" >&2
        cat "$work/build.log" >&2
        exit 1
    fi
}

echo "==> Building the library and the examples"
build mvn -q -B -DskipTests install
build mvn -q -B -DskipTests -f netty/pom.xml install
build mvn -q -B -f examples/pom.xml package

echo "==> Starting the server ($JOUROBOROS_LAYER layer): java -jar $JAR -l -n $NAME"
"$JAVA" -jar "$JAR" -l -n "$NAME" >"$work/server.out" 2>&1 &
server_pid=$!

# The server prints its first line once it is bound to the name.
for _ in $(seq 1 300); do
    if grep -q "^Starting the server\.$" "$work/server.out"; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "echo-demo: the server exited:" >&2
        cat "$work/server.out" >&2
        exit 1
    fi
    sleep 0.1
done
if ! grep -q "^Starting the server\.$" "$work/server.out"; then
    echo "echo-demo: the server did not start within 30 s:" >&2
    cat "$work/server.out" >&2
    exit 1
fi

echo "==> Running the client: java -jar $JAR -n $NAME"
status=0
timeout 30 "$JAVA" -jar "$JAR" -n "$NAME" >"$work/client.out" 2>&1 || status=$?
sed 's/^/client | /' "$work/client.out"

echo "==> Server output"
sed 's/^/server | /' "$work/server.out"

if [[ $status -ne 0 || "$(cat "$work/client.out")" != "$MESSAGE" ]]; then
    echo "==> FAILED: the echo did not come back (client status $status)" >&2
    exit 1
fi
echo "==> OK: the server echoed \"$MESSAGE\" back to the client"
