#!/usr/bin/env bash
# Coffer side by side with Ceph RGW, and both against this machine's limits, in one run:
#   1. limits: AES-256-GCM (openssl speed), sequential write with fdatasync (dd), and
#      nginx answering a tiny static response to wrk over HTTP and HTTPS;
#   2. Coffer (plain HTTP, like the peer) and a Ceph RGW from Debian's packages on a
#      loopback single-OSD cluster (../shared/peers/ceph-rgw, SSE-KMS with RGW's
#      "testing" backend);
#   3. the same coffer-bench workloads against both, then a table of ratios.
# Results: bench/results/compare-DATE.md and .jsonl, with the machine description.
#   bench/compare.sh [--quick]        (installs what it needs: scripts/deps.sh --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/build/release
PEER=${CEPH_PEER_DIR:-$ROOT/../shared/peers/ceph-rgw}
. bench/lib.sh
QUICK=${1:-}
SECS=10; BIG=1GiB; BIG_N=2
if [ "$QUICK" = "--quick" ]; then SECS=3; BIG=64MiB; BIG_N=2; fi
scripts/deps.sh --bench
[ -x "$BIN/coffer-bench" ] || make build
STAMP=$(date -u +%Y%m%d-%H%M)
OUT=$ROOT/bench/results/compare-$STAMP
WORK=$(mktemp -d /tmp/coffer-compare-XXXX)
export CEPH_BASE=$WORK/ceph
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  STOP_FAST=1 "$PEER/stop-ceph.sh" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

{
  echo "# Coffer vs Ceph RGW and the machine's limits ($STAMP UTC${QUICK:+, quick: $BIG objects, $SECS s runs})"
  echo
  echo "Machine: $(machine); $(dpkg-query -W -f='radosgw ${Version}' radosgw)."
  echo "Load generator, servers and yardsticks share the same cores, over loopback."
  echo
} >"$OUT.md"

# --- 1. Limits ---
# AES-256-GCM MB/s on one core. Taken again at the end of the run: a shared VM's speed
# drifts (by 2x within an hour here), and the two readings tell a slow phase apart
# from a slow build.
aes_speed() {
  openssl speed -seconds 2 -evp aes-256-gcm 2>/dev/null |
    awk '/^AES-256-GCM|^aes-256-gcm/ {v=$NF} END {sub("k","",v); printf "%.0f", v*1000/1e6}'
}
aes=$(aes_speed)
sync=$(dd if=/dev/zero of="$WORK/ddtest" bs=1M count=$([ "$QUICK" = "--quick" ] && echo 256 || echo 1024) conv=fdatasync 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
rm -f "$WORK/ddtest"
NGINX_PORT=$(free_port); NGINX_TLS_PORT=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$WORK/nginx.key" -out "$WORK/nginx.crt" >/dev/null 2>&1
cat >"$WORK/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    listen 127.0.0.1:$NGINX_TLS_PORT ssl;
    ssl_certificate $WORK/nginx.crt; ssl_certificate_key $WORK/nginx.key;
    location / { return 200 "ok"; }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK" -g 'daemon off;' >/dev/null 2>&1 &
PIDS+=($!)
wait_port $NGINX_PORT
wrk_rps() { wrk -t2 -c64 -d${SECS}s "$1" 2>/dev/null | awk '/Requests\/sec/ {printf "%.0f", $2}'; }
nginx_http=$(wrk_rps http://127.0.0.1:$NGINX_PORT/)
nginx_https=$(wrk_rps https://127.0.0.1:$NGINX_TLS_PORT/)
# The same static answer under coffer-bench, 64 connections: the latency floor of the
# small-object runs' closed loop (load generator and server share the cores), against
# which their p99 is read.
AWS_ACCESS_KEY_ID=none AWS_SECRET_ACCESS_KEY=none "$BIN/coffer-bench" \
  --endpoint http://127.0.0.1:$NGINX_PORT --op http-get --concurrency 64 --duration ${SECS}s \
  --json "$OUT.jsonl" --label "nginx static" >/dev/null
nginx_bench=$(/usr/bin/python3 -c 'import json, sys
r = [json.loads(line) for line in open(sys.argv[1])][-1]
print("%.0f req/s, p50 %.2f ms, p99 %.2f ms" % (r["ops_per_s"], r["p50_ms"], r["p99_ms"]))' "$OUT.jsonl")
# nginx keeps running (idle) for the paired KMS rounds at the end.
{
  echo "## Limits"
  echo
  echo "| yardstick | figure |"
  echo "|---|---|"
  echo "| openssl speed -evp aes-256-gcm (16 KiB blocks, one core) | $aes MB/s |"
  echo "| dd sequential write, conv=fdatasync | $sync |"
  echo "| nginx tiny static response, wrk 64 connections, HTTP | $nginx_http req/s |"
  echo "| same over HTTPS (keep-alive) | $nginx_https req/s |"
  echo "| same over HTTP, coffer-bench 64 connections | $nginx_bench |"
  echo
} | tee -a "$OUT.md"

# --- 2. The servers ---
"$PEER/start-ceph.sh" >"$WORK/ceph-start.log" 2>&1 || { cat "$WORK/ceph-start.log"; exit 1; }
. "$CEPH_BASE/s3.env"
RGW_ENDPOINT=$S3_ENDPOINT RGW_KEY=$AWS_ACCESS_KEY_ID RGW_SECRET=$AWS_SECRET_ACCESS_KEY
CPORT=$(free_port); CTLS=$(free_port)
export COFFER_ROOT_ACCESS_KEY=AKIACOMPARE000000000 COFFER_ROOT_SECRET_KEY=compareSecret/0123456789abcdefghijklm
start_coffer "$CPORT" "$WORK/coffer" "$WORK/coffer.log" --no-tls --allow-insecure-sse
PIDS+=("$COFFER_PID")
start_coffer "$CTLS" "$WORK/coffer-tls" "$WORK/coffer-tls.log"
PIDS+=("$COFFER_PID")

bench() {  # target label args...
  local target=$1 label=$2; shift 2
  if [ "$target" = rgw ]; then
    AWS_ACCESS_KEY_ID=$RGW_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET "$BIN/coffer-bench" \
      --endpoint "$RGW_ENDPOINT" --bucket cmp-$label --json "$OUT.jsonl" --label "rgw $label" "$@" || true
  elif [ "$target" = coffer-tls ]; then
    AWS_ACCESS_KEY_ID=$COFFER_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$COFFER_ROOT_SECRET_KEY "$BIN/coffer-bench" \
      --endpoint https://127.0.0.1:$CTLS --ca "$WORK/coffer-tls/tls/ca.pem" --bucket cmp-$label \
      --json "$OUT.jsonl" --label "coffer-tls $label" "$@"
  else
    AWS_ACCESS_KEY_ID=$COFFER_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$COFFER_ROOT_SECRET_KEY "$BIN/coffer-bench" \
      --endpoint http://127.0.0.1:$CPORT --bucket cmp-$label --json "$OUT.jsonl" --label "coffer $label" "$@"
  fi
}

# --- 3. Workloads ---
echo '## Runs' >>"$OUT.md"; echo '```' >>"$OUT.md"
for t in coffer rgw; do
  kms=(--sse kms); [ $t = rgw ] && kms=(--sse kms --kms-key-id testkey-1)
  bench $t put-4k-plain --op put --size 4KiB --concurrency 64 --objects 1000 --duration ${SECS}s | tee -a "$OUT.md"
  bench $t get-4k-plain --op get --size 4KiB --concurrency 64 --objects 1000 --duration ${SECS}s | tee -a "$OUT.md"
  bench $t put-4k-kms --op put --size 4KiB --concurrency 64 --objects 1000 --duration ${SECS}s "${kms[@]}" | tee -a "$OUT.md"
  bench $t get-4k-kms --op get --size 4KiB --concurrency 64 --objects 1000 --duration ${SECS}s "${kms[@]}" | tee -a "$OUT.md"
  bench $t put-big-plain --op put --size $BIG --concurrency 1 --objects 1 --count $BIG_N | tee -a "$OUT.md"
  # Large GETs from the page cache (--warm reads the object once first; Coffer writes
  # large bodies past the cache), and once cold, right after the PUT.
  bench $t get-big-plain --op get --size $BIG --concurrency 1 --objects 1 --count $BIG_N --warm | tee -a "$OUT.md"
  bench $t get-big-kms --op get --size $BIG --concurrency 1 --objects 1 --count $BIG_N --warm "${kms[@]}" | tee -a "$OUT.md"
  bench $t get-big-cold --op get --size $BIG --concurrency 1 --objects 1 --count 1 | tee -a "$OUT.md"
done
# RGW is done: stop its cluster, whose OSD goes on working after the large writes,
# and let the large files' dirty pages reach the disk, so that neither takes CPU from
# the HTTPS runs below (a run with them going put Coffer's HTTPS floor at 68% of nginx
# in one round and 101% in the next).
STOP_FAST=1 "$PEER/stop-ceph.sh" >/dev/null 2>&1 || true
sync
sleep 3
bench coffer-tls kms-gdk --op kms-generate-data-key --concurrency 64 --duration ${SECS}s | tee -a "$OUT.md"
# The same request from wrk, nginx's load generator: one signed GenerateDataKey replayed.
bench coffer-tls kms-gdk --op kms-generate-data-key --wrk-script "$WORK/gdk.lua"
# This VM's speed drifts by tens of percent from one minute to the next, so the
# ratio to nginx is taken from runs made back to back: two rounds of nginx, then
# GenerateDataKey, then Coffer's HTTPS floor (an unauthenticated POST /_coffer/metrics that
# it refuses at once with a 405: its HTTP and TLS layer alone, no SigV4, no KMS).
echo 'wrk.method = "POST"' >"$WORK/floor.lua"
pairs=""
gdk_wrk_bad=0
for round in 1 2; do
  n=$(wrk_rps https://127.0.0.1:$NGINX_TLS_PORT/)
  gdk_wrk=$(wrk -t2 -c64 -d${SECS}s -s "$WORK/gdk.lua" https://127.0.0.1:$CTLS/ 2>&1)
  g=$(echo "$gdk_wrk" | awk '/Requests\/sec/ {printf "%.0f", $2}')
  bad=$(echo "$gdk_wrk" | awk '/Non-2xx/ {print $NF}')
  gdk_wrk_bad=$((gdk_wrk_bad + ${bad:-0}))
  f=$(wrk -t2 -c64 -d${SECS}s -s "$WORK/floor.lua" https://127.0.0.1:$CTLS/_coffer/metrics 2>&1 |
      awk '/Requests\/sec/ {printf "%.0f", $2}')
  echo "round $round: nginx https $n req/s; wrk kms-gdk (one signed request replayed) $g req/s," \
       "non-2xx ${bad:-0}; coffer https floor (POST /_coffer/metrics, 405) $f req/s" | tee -a "$OUT.md"
  pairs="$pairs $n:$g:$f"
done
echo '```' >>"$OUT.md"
aes_end=$(aes_speed)

# --- 4. The table ---
/usr/bin/python3 - "$OUT.jsonl" "$nginx_https" "$sync" "$pairs" "$gdk_wrk_bad" "$aes" "$aes_end" \
  >>"$OUT.md" <<'PY'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[r["label"]] = r
nginx_https = float(sys.argv[2] or 0)
# dd prints "765 MB/s" or "1.1 GB/s".
value, unit = (sys.argv[3].split() + ["", ""])[:2] if sys.argv[3] else ("0", "MB/s")
sync_mb = float(value or 0) * {"kB/s": 0.001, "MB/s": 1, "GB/s": 1000}.get(unit, 1)
print("\n## Side by side\n")
print("| workload | Coffer | Ceph RGW | Coffer / RGW | Coffer p99 | RGW p99 |")
print("|---|---|---|---|---|---|")
for w in ["put-4k-plain", "get-4k-plain", "put-4k-kms", "get-4k-kms",
          "put-big-plain", "get-big-plain", "get-big-kms", "get-big-cold"]:
    c, g = runs.get("coffer " + w), runs.get("rgw " + w)
    if not c:
        continue
    big = "big" in w
    unit, key = ("MB/s", "mb_per_s") if big else ("ops/s", "ops_per_s")
    cv = c[key]
    gv = g[key] if g and g["ops"] else 0
    gerr = " (errors: %s)" % g["error_kinds"] if g and g["errors"] else ""
    ratio = "%.2fx" % (cv / gv) if gv else "n/a"
    print("| %s | %.0f %s | %s%s | %s | %.2f ms | %s |" % (
        w, cv, unit, ("%.0f %s" % (gv, unit)) if gv else "-", gerr, ratio, c["p99_ms"],
        ("%.2f ms" % g["p99_ms"]) if gv else "-"))
print("\n## Against the limits\n")
aes_start, aes_end = float(sys.argv[6] or 0), float(sys.argv[7] or 0)
if aes_start and aes_end:
    print("- The machine's speed: AES-256-GCM %.0f MB/s at the start of the run, %.0f MB/s at "
          "its end (%.0f%%): compare with runs whose readings are alike." %
          (aes_start, aes_end, 100 * aes_end / aes_start))
n = runs.get("nginx static")
if n:
    small = [(w, runs.get("coffer " + w)) for w in
             ["get-4k-plain", "get-4k-kms", "put-4k-plain", "put-4k-kms"]]
    print("- Latency at 64 connections: nginx's static answer under the same load generator "
          "runs %.0f/s with p50 %.2f ms and p99 %.2f ms, the floor of this closed loop. "
          "Coffer's 4 KiB p99: %s. In a closed loop the mean latency is 64 divided by the "
          "throughput, so p99 follows ops/s." %
          (n["ops_per_s"], n["p50_ms"], n["p99_ms"],
           ", ".join("%s %.2f ms (%.1fx nginx's)" % (w, c["p99_ms"], c["p99_ms"] / n["p99_ms"])
                     for w, c in small if c)))
c = runs.get("coffer put-big-plain")
if c and sync_mb:
    print("- Large PUT: %.0f MB/s, %.0f%% of dd's fdatasync write (%.0f MB/s)." %
          (c["mb_per_s"], 100 * c["mb_per_s"] / sync_mb, sync_mb))
c, k = runs.get("coffer get-big-plain"), runs.get("coffer get-big-kms")
if c and k:
    print("- Large GET from the page cache: %.0f MB/s (SSE-S3, Coffer's plain), SSE-KMS %.0f MB/s "
          "(%.0f%% of it)." % (c["mb_per_s"], k["mb_per_s"], 100 * k["mb_per_s"] / c["mb_per_s"]))
c = runs.get("coffer get-big-cold")
if c:
    print("- Large GET, cold (first read after the PUT): %.0f MB/s." % c["mb_per_s"])
k = runs.get("coffer-tls kms-gdk")
if k and nginx_https:
    print("- KMS GenerateDataKey over HTTPS keep-alive, coffer-bench (signs each request): "
          "%.0f/s, %.0f%% of nginx's static HTTPS %.0f/s." %
          (k["ops_per_s"], 100 * k["ops_per_s"] / nginx_https, nginx_https))
rounds = [[float(x or 0) for x in p.split(":")] for p in sys.argv[4].split()]
wrk_bad = int(sys.argv[5] or 0)
for i, (n, g, f) in enumerate(rounds, 1):
    if not n:
        continue
    print("- Round %d, back to back: nginx HTTPS %.0f/s; GenerateDataKey from wrk (nginx's load "
          "generator, one signed request replayed) %.0f/s, %.0f%% of it; Coffer's HTTPS floor "
          "(POST /_coffer/metrics answered 405 at once) %.0f/s, %.0f%% of it%s." %
          (i, n, g, 100 * g / n, f, 100 * f / n,
           " (%d non-2xx GenerateDataKey answers!)" % wrk_bad if wrk_bad else ""))
PY
cat "$OUT.md"
echo "results: $OUT.md"
