#!/usr/bin/env bash
# PUT and GET throughput of Coffer in every SSE mode, 4 KiB and 1 GiB objects, and the
# KMS calls that 10,000 SSE-KMS PUTs make with and without S3 Bucket Keys.
#   bench/sse.sh [--quick]     (needs build/release/coffer and coffer-bench: make build)
# Results: bench/results/sse-DATE.jsonl (one line per run) and sse-DATE.md (a table).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/release
. bench/lib.sh
QUICK=${1:-}
SMALL_SECONDS=10; BIG=1GiB; BIG_PUTS=2; BIG_GETS=3; BK_PUTS=10000
if [ "$QUICK" = "--quick" ]; then SMALL_SECONDS=2; BIG=64MiB; BK_PUTS=1000; fi
STAMP=$(date -u +%Y%m%d-%H%M)
OUT=bench/results/sse-$STAMP
WORK=$(mktemp -d /tmp/coffer-bench-XXXX)
PORT=$(free_port)
export AWS_ACCESS_KEY_ID=AKIABENCHSSE00000000 AWS_SECRET_ACCESS_KEY=benchSseSecret/0123456789abcdefghijklm
export COFFER_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID COFFER_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY
COFFER_PID=
start() { start_coffer "$PORT" "$WORK/data" "$WORK/server.log"; }
stop() { stop_coffer; }
kms_calls() { grep -o 'S3 encryption made [0-9]* KMS calls' "$WORK/server.log" | tail -1 | awk '{print $4}'; }
trap 'kill $COFFER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
bench() { "$BIN/coffer-bench" --endpoint https://127.0.0.1:$PORT --ca "$WORK/data/tls/ca.pem" --json "$OUT.jsonl" "$@"; }

{
  echo "# coffer-bench: SSE modes ($STAMP UTC)"
  echo
  echo "Machine: $(machine). Coffer over HTTPS on loopback, client and server on the same cores."
  echo "\`none\` sends no SSE header: Coffer then encrypts with SSE-S3, as AWS does."
  echo
} >"$OUT.md"

start
echo "## Throughput" >>"$OUT.md"
echo '```' >>"$OUT.md"
for sse in none s3 kms kms-bucket-key dsse ssec; do
  bench --label "put 4KiB $sse" --op put --sse $sse --size 4KiB --concurrency 64 --objects 1000 --duration ${SMALL_SECONDS}s | tee -a "$OUT.md"
  bench --label "get 4KiB $sse" --op get --sse $sse --size 4KiB --concurrency 64 --objects 1000 --duration ${SMALL_SECONDS}s | tee -a "$OUT.md"
  bench --label "put $BIG $sse" --op put --sse $sse --size $BIG --concurrency 1 --objects 1 --count $BIG_PUTS | tee -a "$OUT.md"
  bench --label "get $BIG $sse" --op get --sse $sse --size $BIG --concurrency 1 --objects 1 --count $BIG_GETS | tee -a "$OUT.md"
done
echo '```' >>"$OUT.md"
stop

# KMS calls for $BK_PUTS PUTs into one bucket, without and with a Bucket Key.
start
bench --label "kms-calls no-bucket-key" --op put --sse kms --bucket bk-off --size 1KiB --concurrency 16 --objects $BK_PUTS --count $BK_PUTS >/dev/null
stop
without=$(kms_calls)
start
bench --label "kms-calls bucket-key" --op put --sse kms-bucket-key --bucket bk-on --size 1KiB --concurrency 16 --objects $BK_PUTS --count $BK_PUTS >/dev/null
stop
with=$(kms_calls)
{
  echo
  echo "## S3 Bucket Keys"
  echo
  echo "$BK_PUTS SSE-KMS PUTs into one bucket: $without KMS calls without a Bucket Key," \
       "$with with one ($(awk -v a=$without -v b=$with 'BEGIN {printf "%.2f", 100 * (1 - b / a)}')% fewer)."
} | tee -a "$OUT.md"
echo "results: $OUT.md, $OUT.jsonl"
