# Shared helpers of the .ci/*.sh checks that run the real binaries: sourced, not executed.
# Everything started with `start_bg` is stopped (by its pid) when the script exits.

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

_bg_pids=()
_cleanup_bg() {
  local pid
  for pid in "${_bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${_bg_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap _cleanup_bg EXIT

# start_bg LOGFILE CMD... : runs CMD in the background, stdout+stderr to LOGFILE; sets BG_PID.
start_bg() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  BG_PID=$!
  _bg_pids+=("$BG_PID")
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS] [PID]: until URL answers 2xx; fails early if PID has exited.
wait_http() {
  local url=$1 secs=${2:-60} pid=${3:-}
  for _ in $(seq 1 $((secs * 5))); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

# wait_line FILE REGEX [SECONDS] [PID]: until a line of FILE matches REGEX.
wait_line() {
  local file=$1 re=$2 secs=${3:-60} pid=${4:-}
  for _ in $(seq 1 $((secs * 5))); do
    grep -qE "$re" "$file" 2>/dev/null && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

# ensure_bins: sets JD_BIN and SIM_BIN. Uses $JAMF_DIRECTORY_BIN_DIR when given (e.g.
# target/release), else builds the debug binaries (cheap after the test suite built them).
ensure_bins() {
  local dir=${JAMF_DIRECTORY_BIN_DIR:-}
  if [[ -z $dir ]]; then
    step "cargo build --bins (debug)"
    cargo build --bins --quiet
    dir=target/debug
  fi
  JD_BIN=$(realpath "$dir/jamf-directory")
  SIM_BIN=$(realpath "$dir/jamf-sim")
  [[ -x $JD_BIN && -x $SIM_BIN ]] || die "no jamf-directory/jamf-sim binaries in $dir"
}

# ensure_postgres: PostgreSQL on 127.0.0.1:5432, started the way .ci/run starts it.
ensure_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q
}

# ensure_redis_server: the redis-server binary (Debian package; the integration tests and these
# checks start their own servers on free ports).
ensure_redis_server() {
  command -v redis-server >/dev/null && return 0
  apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
  command -v redis-server >/dev/null
}

# start_redis LOGFILE PASSWORD: a redis-server of this script's own on a free port, no
# persistence; sets REDIS_PORT.
start_redis() {
  REDIS_PORT=$(free_port)
  start_bg "$1" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --requirepass "$2"
  for _ in $(seq 1 100); do
    REDISCLI_AUTH=$2 redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  return 1
}

# fresh_database NAME: drops and creates NAME on the local PostgreSQL.
fresh_database() {
  PGOPTIONS=--client-min-messages=warning psql -h 127.0.0.1 -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\"" >/dev/null
}

# ensure_venv DIR PACKAGES...: a Python venv under target/ with PACKAGES installed once.
ensure_venv() {
  local dir=$1; shift
  local marker="$dir/.installed-$(printf '%s ' "$@" | sha256sum | cut -c1-16)"
  if [[ ! -f $marker ]]; then
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    touch "$marker"
  fi
}

# ensure_jq: jq for reading JSON answers (Debian package).
ensure_jq() {
  command -v jq >/dev/null && return 0
  apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
  command -v jq >/dev/null
}
