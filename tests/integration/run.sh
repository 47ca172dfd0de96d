#!/usr/bin/env bash
# Runs every integration suite against real Coffer servers started from $COFFER_BIN.
# Each suite starts its own servers on free ports with fresh data folders.
set -uo pipefail
cd "$(dirname "$0")"
export COFFER_BIN=${COFFER_BIN:-$(realpath ../../build/release/coffer)}
[ -x "$COFFER_BIN" ] || { echo "no coffer binary at $COFFER_BIN"; exit 1; }
PY=/usr/bin/python3   # Debian's python, which has boto3
failed=()

for suite in test_server test_s3_api test_s3_more test_auth test_iam test_kms test_sse test_metrics test_audit test_durability test_bench; do
  echo "== $suite"
  if ! timeout 900 $PY -W ignore::ResourceWarning -m unittest -v "$suite" 2>&1; then
    failed+=("$suite")
  fi
done
for script in test_clients.sh test_js.sh; do
  echo "== $script"
  timeout 900 "./$script" || failed+=("$script")
done

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "integration: FAILED: ${failed[*]}"
  exit 1
fi
echo "integration: all suites passed"
