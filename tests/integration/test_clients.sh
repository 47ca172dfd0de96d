#!/usr/bin/env bash
# The aws CLI v2, s3cmd and rclone against a real Coffer, over TLS and plain HTTP.
set -uo pipefail
BIN=${COFFER_BIN:?set COFFER_BIN}
AWS=/usr/bin/aws   # Debian's aws CLI v2; another aws may come first on PATH
WORK=$(mktemp -d /tmp/coffer-clients-XXXX)
FAILS=0
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=AKIACLIENTTESTS00000 AWS_SECRET_ACCESS_KEY=clientTestsSecret/0123456789abcdefghijk
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export COFFER_ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID COFFER_ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY

pass() { echo "  ok   $1"; }
fail() { echo "  FAIL $1"; FAILS=$((FAILS + 1)); }
check() { local name=$1; shift; if "$@" >"$WORK/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/       /' "$WORK/out" | tail -5; fi; }
# expect_error NAME CODE command...: the command fails and names the AWS error code.
expect_error() {
  local name=$1 code=$2; shift 2
  if "$@" >"$WORK/out" 2>&1; then fail "$name (succeeded)"; return; fi
  if grep -q "($code)" "$WORK/out"; then pass "$name"; else fail "$name"; sed 's/^/       /' "$WORK/out" | tail -3; fi
}

start_server() {  # start_server NAME [flags...]: sets PORT, DATA
  local name=$1; shift
  DATA=$WORK/$name
  PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" server --data "$DATA" --address 127.0.0.1:$PORT "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.05; done
  echo "server $name did not start"; cat "$WORK/$name.log"; exit 1
}

cd "$WORK"
head -c 5000000 /dev/urandom > five-mb
echo "hello from coffer" > small.txt

for mode in tls plain; do
  echo "aws CLI ($mode)"
  if [ $mode = tls ]; then
    start_server aws-tls; export AWS_CA_BUNDLE=$DATA/tls/ca.pem; EP=https://127.0.0.1:$PORT
  else
    start_server aws-plain --no-tls; unset AWS_CA_BUNDLE; EP=http://127.0.0.1:$PORT
  fi
  A="$AWS --endpoint-url $EP"
  check "s3 mb" $A s3 mb s3://cli-bucket
  check "s3 ls shows the bucket" bash -c "$A s3 ls | grep -q cli-bucket"
  check "s3 cp up" $A s3 cp five-mb s3://cli-bucket/dir/five-mb
  check "s3 cp small" $A s3 cp small.txt s3://cli-bucket/small.txt --content-type text/plain
  check "s3 cp down is identical" bash -c "$A s3 cp s3://cli-bucket/dir/five-mb back && cmp five-mb back"
  check "s3 ls recursive" bash -c "$A s3 ls s3://cli-bucket --recursive | grep -q dir/five-mb"
  check "s3api head-object" bash -c "$A s3api head-object --bucket cli-bucket --key small.txt | grep -q '\"ContentType\": \"text/plain\"'"
  check "s3api put-object with metadata" $A s3api put-object --bucket cli-bucket --key meta --body small.txt --metadata k=v
  check "s3api get-object" bash -c "$A s3api get-object --bucket cli-bucket --key meta got >/dev/null && cmp got small.txt"
  check "s3api list-objects-v2" bash -c "$A s3api list-objects-v2 --bucket cli-bucket --prefix dir/ | grep -q '\"Key\": \"dir/five-mb\"'"
  check "s3api delete-objects" $A s3api delete-objects --bucket cli-bucket --delete 'Objects=[{Key=meta}]'
  expect_error "missing key" NoSuchKey $A s3api get-object --bucket cli-bucket --key nope out
  expect_error "missing bucket" NoSuchBucket $A s3 ls s3://no-such-bucket-here
  expect_error "invalid bucket name" InvalidBucketName $A s3api create-bucket --bucket Bad_Name
  expect_error "non-empty bucket" BucketNotEmpty $A s3 rb s3://cli-bucket
  expect_error "wrong Content-MD5" BadDigest $A s3api put-object --bucket cli-bucket --key md5 --body small.txt --content-md5 AAAAAAAAAAAAAAAAAAAAAA==
  expect_error "wrong secret" SignatureDoesNotMatch env AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong $A s3 ls
  expect_error "unknown key id" InvalidAccessKeyId env AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 $A s3 ls
  check "presign + curl" bash -c "curl -sf ${AWS_CA_BUNDLE:+--cacert $AWS_CA_BUNDLE} \"\$($A s3 presign s3://cli-bucket/small.txt)\" | cmp - small.txt"
  check "s3 rb --force" $A s3 rb s3://cli-bucket --force
done

echo "s3cmd (tls)"
start_server s3cmd
cat > s3cfg <<CFG
[default]
access_key = $AWS_ACCESS_KEY_ID
secret_key = $AWS_SECRET_ACCESS_KEY
host_base = 127.0.0.1:$PORT
host_bucket = 127.0.0.1:$PORT
use_https = True
ca_certs_file = $DATA/tls/ca.pem
check_ssl_certificate = True
signature_v2 = False
bucket_location = us-east-1
CFG
head -c 20000000 /dev/urandom > twenty-mb
S="s3cmd -c $WORK/s3cfg"
check "s3cmd mb" $S mb s3://s3cmd-bucket
check "s3cmd put 20 MiB" $S put --disable-multipart twenty-mb s3://s3cmd-bucket/twenty-mb
check "s3cmd put small" $S put small.txt s3://s3cmd-bucket/small.txt
check "s3cmd ls" bash -c "$S ls s3://s3cmd-bucket | grep -q twenty-mb"
check "s3cmd get" bash -c "$S get --force s3://s3cmd-bucket/twenty-mb got20 && cmp got20 twenty-mb"
check "s3cmd info" bash -c "$S info s3://s3cmd-bucket/small.txt | grep -q MD5"
check "s3cmd del" $S del s3://s3cmd-bucket/twenty-mb s3://s3cmd-bucket/small.txt
check "s3cmd rb" $S rb s3://s3cmd-bucket
check "s3cmd with signature v2" bash -c "$S --signature-v2 mb s3://s3cmd-v2 && $S --signature-v2 put small.txt s3://s3cmd-v2/s && $S --signature-v2 get --force s3://s3cmd-v2/s v2got && cmp v2got small.txt && $S --signature-v2 del s3://s3cmd-v2/s && $S --signature-v2 rb s3://s3cmd-v2"

echo "rclone (tls)"
export RCLONE_CONFIG_COFFER_TYPE=s3 RCLONE_CONFIG_COFFER_PROVIDER=Other
export RCLONE_CONFIG_COFFER_ENDPOINT=https://127.0.0.1:$PORT
export RCLONE_CONFIG_COFFER_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_COFFER_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export RCLONE_CONFIG_COFFER_REGION=us-east-1
R="rclone --config /dev/null --ca-cert $DATA/tls/ca.pem"
check "rclone mkdir" $R mkdir coffer:rclone-bucket
check "rclone copy" $R copy small.txt coffer:rclone-bucket/dir
check "rclone ls" bash -c "$R ls coffer:rclone-bucket | grep -q dir/small.txt"
check "rclone cat" bash -c "$R cat coffer:rclone-bucket/dir/small.txt | cmp - small.txt"
mkdir -p tree/sub/deeper && for i in 1 2 3; do head -c $((i * 300000)) /dev/urandom > tree/f$i; done
echo nested > tree/sub/deeper/n.txt; head -c 3000000 /dev/urandom > tree/sub/big
check "rclone sync up" $R sync tree coffer:rclone-bucket/tree
check "rclone check after sync up" $R check tree coffer:rclone-bucket/tree
echo changed > tree/f1; rm tree/f2
check "rclone sync changes" $R sync tree coffer:rclone-bucket/tree
check "rclone check after changes" $R check tree coffer:rclone-bucket/tree
check "rclone sync down" $R sync coffer:rclone-bucket/tree tree-back
check "rclone check down" $R check tree tree-back
check "rclone purge" $R purge coffer:rclone-bucket

echo
if [ $FAILS -ne 0 ]; then echo "clients: $FAILS failed"; exit 1; fi
echo "clients: all passed"
