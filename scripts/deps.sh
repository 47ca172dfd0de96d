#!/usr/bin/env bash
# Installs the Debian 12 packages Coffer needs to build, run and test, when missing.
set -euo pipefail
build=(g++ cmake ninja-build ccache pkg-config libssl-dev zlib1g-dev libboost-dev
       librocksdb-dev libabsl-dev libgtest-dev libgmock-dev nlohmann-json3-dev
       libgoogle-perftools-dev)
test=(awscli python3-boto3 s3cmd rclone curl openssl faketime prometheus)
# Node.js and npm for the AWS SDK for JavaScript tests, from Debian unless present.
command -v node >/dev/null && command -v npm >/dev/null || test+=(nodejs npm)
want=("${build[@]}")
# clang and its libFuzzer runtime for scripts/fuzz.sh (not needed by CI).
fuzz=(clang libclang-rt-14-dev)
# The peer and the yardsticks of bench/compare.sh (not needed by CI).
bench=(ceph-mon ceph-osd ceph-mgr radosgw ceph-common nginx-light wrk jq bc openssl)
[ "${1:-}" = "--test" ] && want+=("${test[@]}")
[ "${1:-}" = "--fuzz" ] && want+=("${fuzz[@]}")
[ "${1:-}" = "--bench" ] && want+=("${bench[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
