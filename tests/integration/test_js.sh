#!/usr/bin/env bash
# The AWS SDK for JavaScript v3 against a real Coffer over TLS (tests in tests/js).
set -uo pipefail
BIN=${COFFER_BIN:?set COFFER_BIN}
JS=$(realpath "$(dirname "$0")/../js")
WORK=$(mktemp -d /tmp/coffer-js-XXXX)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=AKIAJSTESTS000000000 AWS_SECRET_ACCESS_KEY=jsTestsSecret/0123456789abcdefghijklmnop
export COFFER_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID COFFER_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY
"$BIN" server --data "$WORK/data" --address 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
# (Re)install when node_modules is missing or older than the lock file (npm writes
# node_modules/.package-lock.json last).
[ "$JS/node_modules/.package-lock.json" -nt "$JS/package-lock.json" ] ||
  (cd "$JS" && npm ci --no-audit --no-fund)
cd "$JS" && NODE_EXTRA_CA_CERTS=$WORK/data/tls/ca.pem COFFER_ENDPOINT=https://127.0.0.1:$PORT \
  node --test --test-reporter=spec
