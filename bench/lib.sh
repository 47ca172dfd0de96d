# Shared by the bench scripts (sourced): ports, the machine's description, and
# starting and stopping a Coffer server. Expects BIN (the build folder).

# A free TCP port on loopback.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 15 s for something to listen on loopback port $1.
wait_port() {
  for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# "2 cores, CPU model, 24 GiB, kernel, OpenSSL 3.0.x", for result files.
machine() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
       "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)," \
       "$(openssl version | cut -d' ' -f1-2)"
}

# start_coffer PORT DATA LOG [server flags...]: runs `coffer server` in the background
# and waits for it to listen; its pid is left in COFFER_PID.
start_coffer() {
  local port=$1 data=$2 log=$3
  shift 3
  "$BIN/coffer" server --data "$data" --address 127.0.0.1:$port "$@" >>"$log" 2>&1 &
  COFFER_PID=$!
  wait_port "$port" || { echo "coffer did not start"; cat "$log"; exit 1; }
}

# Stops the server start_coffer last started (SIGTERM, then waits for it).
stop_coffer() { kill "$COFFER_PID"; wait "$COFFER_PID" || true; }
