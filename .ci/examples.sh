#!/usr/bin/env bash
# Runs the examples against `jamf-directory demo`:
#  - examples/walkthrough.sh: connects a separately started jamf-sim as a new integrated
#    account, then filters, pages, gets one user and refreshes credentials (with jq, and once
#    more with python3 standing in for jq, on the demo's own account);
#  - examples/list_users.py: pages through all users of the demo account; the count and ids
#    must equal one unpaged request's.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib-services.sh

OUT=$(pwd)/target/examples
rm -rf "$OUT" && mkdir -p "$OUT"
ensure_bins
ensure_jq || die "jq is missing and could not be installed"

step "examples: jamf-directory demo --listen 127.0.0.1:0, and a jamf-sim to connect"
start_bg "$OUT/demo.log" "$JD_BIN" demo --listen 127.0.0.1:0
DEMO_PID=$BG_PID
JAMF_SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_bg "$OUT/jamf-sim.log" env JAMF_SIM_CLIENT_SECRET="$JAMF_SECRET" \
  "$SIM_BIN" --port 0 --accounts 120 --client-id walkthrough-jamf-client
SIM_PID=$BG_PID
wait_line "$OUT/demo.log" '^curl ' 90 "$DEMO_PID" || { cat "$OUT/demo.log"; die "the demo printed no curl line"; }
wait_line "$OUT/jamf-sim.log" '^listening on ' 30 "$SIM_PID" || { cat "$OUT/jamf-sim.log"; die "jamf-sim did not start"; }
banner() { sed -n "s/^ *$1: *//p" "$OUT/demo.log" | head -n1; }
SWAGGER_URL=$(banner 'Swagger UI')
BASE_URL=${SWAGGER_URL%/swagger-ui/}
CLIENT_ID=$(banner 'Caller client id')
CLIENT_SECRET=$(banner 'Caller client secret')
DEMO_ACCOUNT=$(banner 'Integrated account id')
JAMF_URL=$(sed -n 's/^listening on //p' "$OUT/jamf-sim.log" | head -n1)
echo "demo $BASE_URL, account $DEMO_ACCOUNT; jamf-sim $JAMF_URL"

step "examples: the demo's one-line curl command works as printed"
curl_line=$(grep -m1 '^curl ' "$OUT/demo.log")
bash -c "$curl_line" >"$OUT/demo-curl.json"
jq -e '.result | length > 0' "$OUT/demo-curl.json" >/dev/null || die "the demo's curl line listed no users"
echo "listed $(jq '.result | length' "$OUT/demo-curl.json") users"

step "examples: examples/walkthrough.sh (connects jamf-sim as a new integrated account)"
BASE_URL=$BASE_URL CLIENT_ID=$CLIENT_ID CLIENT_SECRET=$CLIENT_SECRET TENANT_ID=examples-ci \
  JAMF_URL=$JAMF_URL JAMF_CLIENT_ID=walkthrough-jamf-client JAMF_CLIENT_SECRET=$JAMF_SECRET \
  examples/walkthrough.sh 2>&1 | tee "$OUT/walkthrough.txt"
grep -q '^== Done: 120 users read' "$OUT/walkthrough.txt" \
  || die "the walkthrough did not read the simulator's 120 accounts"

step "examples: examples/walkthrough.sh on the demo account, python3 instead of jq"
nojq=$OUT/path-without-jq
mkdir -p "$nojq"
for tool in bash curl seq env; do ln -sf "$(command -v "$tool")" "$nojq/$tool"; done
ln -sf "$(python3 -c 'import sys; print(sys.executable)')" "$nojq/python3"   # not a pyenv shim
PATH=$nojq BASE_URL=$BASE_URL CLIENT_ID=$CLIENT_ID CLIENT_SECRET=$CLIENT_SECRET ACCOUNT_ID=$DEMO_ACCOUNT \
  bash examples/walkthrough.sh >"$OUT/walkthrough-nojq.txt" 2>&1 || { cat "$OUT/walkthrough-nojq.txt"; die "walkthrough without jq failed"; }
tail -n 3 "$OUT/walkthrough-nojq.txt"

step "examples: examples/list_users.py pages through every user of the demo account"
python3 examples/list_users.py --base-url "$BASE_URL" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
  --integrated-account-id "$DEMO_ACCOUNT" --page-size 25 >"$OUT/list_users.txt"
head -n 5 "$OUT/list_users.txt"; tail -n 1 "$OUT/list_users.txt"
JAMF_DIRECTORY_CLIENT_ID=$CLIENT_ID JAMF_DIRECTORY_CLIENT_SECRET=$CLIENT_SECRET python3 examples/list_users.py \
  --base-url "$BASE_URL" --integrated-account-id "$DEMO_ACCOUNT" --page-size 25 --json >"$OUT/list_users.json"
token=$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$BASE_URL/auth/token" | jq -r .access_token)
curl -fsS -H "Authorization: Bearer $token" \
  "$BASE_URL/unified/user-directory/users?integrated_account_id=$DEMO_ACCOUNT&limit=1000&truto_ignore_remote_data=true" \
  | jq '[.result[].id]' >"$OUT/unpaged-ids.json"
jq -e --slurpfile unpaged "$OUT/unpaged-ids.json" '[.[].id] == $unpaged[0] and length > 100' "$OUT/list_users.json" >/dev/null \
  || die "list_users.py did not return exactly the users of one unpaged request"
echo "list_users.py: $(jq length "$OUT/list_users.json") users in pages of 25, the same ids in the same order as one unpaged request"

step "examples: all examples ran"
