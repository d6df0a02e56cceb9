#!/usr/bin/env bash
# Schema fuzzing: schemathesis runs the whole API of `jamf-directory demo` against its own
# /openapi.json, authenticated as the demo caller, with the demo's integrated account id
# given to every `integrated_account_id` query parameter (so the unified endpoints are
# exercised beyond their 400/404 answers). Fails on a 5xx, an undocumented status or
# content type, or a body that does not match the documented schema.
#   SCHEMATHESIS_MAX_EXAMPLES (default 50): test cases per operation and phase.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib-services.sh

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-50}
OUT=$(pwd)/target/schemathesis
VENV=$(pwd)/target/schemathesis-venv
rm -rf "$OUT" && mkdir -p "$OUT"
ensure_bins

step "schemathesis $SCHEMATHESIS_VERSION in $VENV"
ensure_venv "$VENV" "schemathesis==$SCHEMATHESIS_VERSION"
"$VENV/bin/schemathesis" --version

step "schemathesis: jamf-directory demo --listen 127.0.0.1:0"
start_bg "$OUT/demo.log" "$JD_BIN" demo --listen 127.0.0.1:0
DEMO_PID=$BG_PID
wait_line "$OUT/demo.log" '^curl ' 90 "$DEMO_PID" || { cat "$OUT/demo.log"; die "the demo printed no curl line"; }
banner() { sed -n "s/^ *$1: *//p" "$OUT/demo.log" | head -n1; }
SWAGGER_URL=$(banner 'Swagger UI')
BASE_URL=${SWAGGER_URL%/swagger-ui/}
CLIENT_ID=$(banner 'Caller client id')
CLIENT_SECRET=$(banner 'Caller client secret')
export DEMO_ACCOUNT=$(banner 'Integrated account id')
[[ -n $BASE_URL && -n $CLIENT_ID && -n $CLIENT_SECRET && -n $DEMO_ACCOUNT ]] || { cat "$OUT/demo.log"; die "could not read the demo banner"; }
TOKEN=$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$BASE_URL/auth/token" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
echo "demo $BASE_URL, account $DEMO_ACCOUNT"

# The demo account's id for every `integrated_account_id` (query); everything else generated.
cat >"$OUT/schemathesis.toml" <<'TOML'
[parameters]
"query.integrated_account_id" = "${DEMO_ACCOUNT}"
TOML

step "schemathesis run $BASE_URL/openapi.json (max $MAX_EXAMPLES examples per operation)"
status=0
"$VENV/bin/schemathesis" --config-file "$OUT/schemathesis.toml" run "$BASE_URL/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$MAX_EXAMPLES" --seed 1 --workers 1 --request-timeout 30 --rate-limit auto \
  --report junit --report-dir "$OUT" --no-color 2>&1 | tee "$OUT/run.txt" || status=$?
kill -0 "$DEMO_PID" 2>/dev/null || die "the demo died during the run (see $OUT/demo.log)"
[[ $status -eq 0 ]] || die "schemathesis found failures (exit $status); see $OUT/run.txt"
echo "schemathesis: $(grep -A1 '^Test cases:' "$OUT/run.txt" | tail -n1 | sed 's/^ *//') (max $MAX_EXAMPLES per operation and phase)"
step "schemathesis: no failures"
