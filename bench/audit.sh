#!/usr/bin/env bash
# The cost of the audit trail: small SSE-KMS PUTs (4 KiB, 64 connections; each one is a
# KMS GenerateDataKey event), and direct KMS GenerateDataKey calls (one event each, the
# heaviest case), with the trail on and off, alternating runs to even out noise. Results: bench/results/audit-DATE.md and .jsonl.
#   bench/audit.sh [SECONDS-PER-RUN] [ROUNDS]     (needs build/release: make build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/release
. bench/lib.sh
SECONDS_PER_RUN=${1:-10}
ROUNDS=${2:-3}
STAMP=$(date -u +%Y%m%d-%H%M)
OUT=bench/results/audit-$STAMP
WORK=$(mktemp -d /tmp/coffer-bench-XXXX)
PORT=$(free_port)
export AWS_ACCESS_KEY_ID=AKIABENCHAUDIT000000 AWS_SECRET_ACCESS_KEY=benchAuditSecret/0123456789abcdefghijk
export COFFER_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID COFFER_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY
COFFER_PID=
trap 'kill $COFFER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
run() {  # label suffix, server flags...
  local label=$1; shift
  start_coffer "$PORT" "$WORK/data" "$WORK/server.log" "$@"
  bench=("$BIN/coffer-bench" --endpoint https://127.0.0.1:$PORT --ca "$WORK/data/tls/ca.pem"
         --json "$OUT.jsonl" --duration ${SECONDS_PER_RUN}s)
  "${bench[@]}" --label "put 4KiB sse-kms $label" --op put --sse kms --size 4KiB \
    --concurrency 64 --objects 1000 | tee -a "$OUT.md"
  "${bench[@]}" --label "kms-generate-data-key $label" --op kms-generate-data-key \
    --concurrency 16 | tee -a "$OUT.md"
  stop_coffer
}
{
  echo "# coffer-bench: audit trail on and off ($STAMP UTC)"
  echo
  echo "Machine: $(machine)."
  echo "${SECONDS_PER_RUN} s per run, $ROUNDS rounds."
  echo '```'
} >"$OUT.md"
for _ in $(seq "$ROUNDS"); do
  run audit-off --no-audit
  run audit-on
done
echo '```' >>"$OUT.md"
/usr/bin/python3 - "$OUT.jsonl" >>"$OUT.md" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def mean(label):
    xs = [r["ops_per_s"] for r in runs if r["label"] == label]
    return sum(xs) / len(xs)
print()
for work in ("put 4KiB sse-kms", "kms-generate-data-key"):
    off, on = mean(work + " audit-off"), mean(work + " audit-on")
    print("%s: mean %.0f ops/s without the trail, %.0f with it: %.1f%% %s.  " %
          (work, off, on, abs(100 * (1 - on / off)), "slower" if on < off else "faster (noise)"))
PY
tail -3 "$OUT.md"
echo "results: $OUT.md"
