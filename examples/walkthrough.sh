#!/usr/bin/env bash
# A walkthrough of the jamf-directory API with curl:
#   1. get a caller token            POST /auth/token
#   2. connect a Jamf Pro instance   POST /integrated-account
#   3. list users with filters       GET  /unified/user-directory/users?status=active&...
#   4. page with next_cursor         GET  /unified/user-directory/users?next_cursor=...
#   5. get one user                  GET  /unified/user-directory/users/{id}
#   6. force a new Jamf token        POST /integrated-account/refresh-credentials
#
# Settings (environment):
#   BASE_URL            the service, e.g. http://127.0.0.1:8080
#   CLIENT_ID           your caller client id            (the [[auth.clients]] entry)
#   CLIENT_SECRET       your caller client secret
#   JAMF_URL            the Jamf Pro instance, e.g. https://acme.jamfcloud.com
#   JAMF_CLIENT_ID      the Jamf API client's id         (Jamf Pro > API roles and clients)
#   JAMF_CLIENT_SECRET  the Jamf API client's secret
#   TENANT_ID           your customer's id in your platform (default: walkthrough)
#   ACCOUNT_ID          skip step 2 and use this integrated account instead
#
# Try it against the demo (`jamf-directory demo` prints BASE_URL, CLIENT_ID, CLIENT_SECRET
# and an ACCOUNT_ID). Needs curl, and jq or python3 for reading JSON.
set -euo pipefail

: "${BASE_URL:?set BASE_URL, e.g. http://127.0.0.1:8080}"
: "${CLIENT_ID:?set CLIENT_ID}"
: "${CLIENT_SECRET:?set CLIENT_SECRET}"
BASE_URL=${BASE_URL%/}
TENANT_ID=${TENANT_ID:-walkthrough}

# json FILTER: reads JSON on stdin and prints a field, with jq when it is installed.
# FILTER is a jq path such as .access_token, .result[0].id or .result | length.
json() {
  if command -v jq >/dev/null; then jq -r "$1"; return; fi
  python3 -c '
import json, re, sys
value = json.load(sys.stdin)
path, _, fn = sys.argv[1].partition("|")
for key, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
    value = value[key] if key else value[int(index)]
if fn.strip() == "length":
    value = len(value)
print("null" if value is None else str(value).lower() if isinstance(value, bool) else value)
' "$1"
}

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*" >&2; }   # the command as you would type it (token shortened), on stderr

# api METHOD PATH [curl args...]: calls the service with the bearer token; prints the body;
# fails on an HTTP error, printing the error envelope.
api() {
  local method=$1 path=$2; shift 2
  local shown=""
  (( $# )) && shown=$(printf " '%s'" "$@")
  [[ -n ${JAMF_CLIENT_SECRET:-} ]] && shown=${shown//"$JAMF_CLIENT_SECRET"/…}   # never echo a secret
  show "curl -X $method -H 'Authorization: Bearer ${TOKEN:0:12}…' '$BASE_URL$path'$shown"
  curl -sS --fail-with-body -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$BASE_URL$path"
}

say "1. Get a caller token (OAuth 2.0 client credentials, client in HTTP Basic)"
show "curl -u '$CLIENT_ID:…' -d grant_type=client_credentials $BASE_URL/auth/token"
token_response=$(curl -sS --fail-with-body -u "$CLIENT_ID:$CLIENT_SECRET" \
  -d grant_type=client_credentials "$BASE_URL/auth/token")
TOKEN=$(json .access_token <<<"$token_response")
echo "token_type=$(json .token_type <<<"$token_response") expires_in=$(json .expires_in <<<"$token_response")s scope=\"$(json .scope <<<"$token_response")\""

if [[ -z ${ACCOUNT_ID:-} ]]; then
  : "${JAMF_URL:?set JAMF_URL (or ACCOUNT_ID to use an existing integrated account)}"
  : "${JAMF_CLIENT_ID:?set JAMF_CLIENT_ID}"
  : "${JAMF_CLIENT_SECRET:?set JAMF_CLIENT_SECRET}"
  say "2. Connect a Jamf Pro instance (validated before the answer: token, version, read probe)"
  body=$(printf '{"tenant_id":"%s","authentication_method":"oauth2_client_credentials","context":{"instance_url":"%s","client_id":"%s","client_secret":"%s"}}' \
    "$TENANT_ID" "$JAMF_URL" "$JAMF_CLIENT_ID" "$JAMF_CLIENT_SECRET")
  account=$(api POST /integrated-account -H 'Content-Type: application/json' -d "$body")
  echo
  ACCOUNT_ID=$(json .id <<<"$account")
  status=$(json .status <<<"$account")
  echo "integrated account $ACCOUNT_ID: status=$status jamf_pro_version=$(json .context.jamf_pro_version <<<"$account")"
  if [[ $status != active ]]; then
    echo "last_error: $(json .last_error <<<"$account")" >&2
    echo "Fix the Jamf URL or credentials with PATCH /integrated-account/$ACCOUNT_ID (see docs: Troubleshooting)." >&2
    exit 1
  fi
else
  say "2. Using integrated account $ACCOUNT_ID"
fi
Q="integrated_account_id=$ACCOUNT_ID"

say "3. List active users whose login is behind the IdP's MFA (filters: status, is_2fa_enabled)"
page=$(api GET "/unified/user-directory/users?$Q&status=active&is_2fa_enabled=true&limit=3&truto_ignore_remote_data=true")
echo
echo "result_count=$(json .result_count <<<"$page")"
for i in $(seq 0 $(( $(json '.result | length' <<<"$page") - 1 ))); do
  echo "  id=$(json ".result[$i].id" <<<"$page") username=$(json ".result[$i].username" <<<"$page") mfa=$(json ".result[$i].mfa.status" <<<"$page")"
done

say "4. Page through all users, 100 at a time, with next_cursor"
cursor="" pages=0 total=0 first_id=""
while :; do
  args=(-G --data-urlencode "integrated_account_id=$ACCOUNT_ID" --data-urlencode limit=100
        --data-urlencode truto_ignore_remote_data=true)
  [[ -n $cursor ]] && args+=(--data-urlencode "next_cursor=$cursor")
  page=$(api GET /unified/user-directory/users "${args[@]}")
  echo
  pages=$((pages + 1))
  count=$(json '.result | length' <<<"$page")
  total=$((total + count))
  [[ -z $first_id && $count -gt 0 ]] && first_id=$(json '.result[0].id' <<<"$page")
  cursor=$(json .next_cursor <<<"$page")
  if [[ $cursor == null || -z $cursor ]]; then
    echo "page $pages: $count users, next_cursor=null (last page)"
  else
    echo "page $pages: $count users, next_cursor=${cursor:0:24}…"
  fi
  [[ $cursor == null || -z $cursor ]] && break
done
echo "$total users in $pages pages"

say "5. Get one user (full detail: permissions with provenance, MFA evidence)"
user=$(api GET "/unified/user-directory/users/$first_id?$Q")
echo
echo "id=$(json .id <<<"$user") username=$(json .username <<<"$user") status=$(json .status <<<"$user") access_level=$(json .access_level <<<"$user")"
echo "roles=$(json '.roles | length' <<<"$user") permissions=$(json '.permissions | length' <<<"$user") is_2fa_enabled=$(json .is_2fa_enabled <<<"$user")"
echo "mfa: $(json .mfa.summary <<<"$user")"

say "6. Refresh the Jamf credentials (forces a new Jamf token now)"
refreshed=$(api POST /integrated-account/refresh-credentials -H 'Content-Type: application/json' -d "{\"id\":\"$ACCOUNT_ID\"}")
echo
echo "success=$(json .success <<<"$refreshed")"
[[ $(json .success <<<"$refreshed") == true ]]

say "Done: $total users read from integrated account $ACCOUNT_ID"
