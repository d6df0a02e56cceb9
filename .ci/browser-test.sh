#!/usr/bin/env bash
# Swagger UI and the access-review report in a real browser: starts `jamf-directory demo` on a
# free loopback port, then drives Debian's headless Chromium with playwright-core:
# tests/browser/swagger-ui.test.mjs (every operation of /openapi.json is listed, Authorize takes
# a token from /auth/token, "Try it out" on the users list answers 200 with users) and
# tests/browser/report.test.mjs (the report loads with a bearer token, self-contained, with its
# digest, charts and print layout). Screenshots: target/browser-test/ (report.png among them).
# Installs what it needs: Debian's chromium (apt) and playwright-core (npm ci, no browser
# download). Needs no network at test time beyond loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib-services.sh

OUT=$(pwd)/target/browser-test
rm -rf "$OUT" && mkdir -p "$OUT"

step "browser: Chromium (Debian package)"
if [[ ! -x /usr/bin/chromium ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi
/usr/bin/chromium --version 2>/dev/null

step "browser: playwright-core (npm ci in tests/browser)"
installed=$(node -p "require('./tests/browser/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
wanted=$(node -p "require('./tests/browser/package.json').dependencies['playwright-core']")
if [[ $installed != "$wanted" ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
node -e "console.log('playwright-core', require('./tests/browser/node_modules/playwright-core/package.json').version)"

ensure_bins

step "browser: jamf-directory demo --listen 127.0.0.1:0"
start_bg "$OUT/demo.log" "$JD_BIN" demo --listen 127.0.0.1:0
wait_line "$OUT/demo.log" '^curl ' 90 "$BG_PID" || { cat "$OUT/demo.log"; die "the demo printed no curl line"; }
banner() { sed -n "s/^ *$1: *//p" "$OUT/demo.log" | head -n1; }
SWAGGER_URL=$(banner 'Swagger UI')
export BASE_URL=${SWAGGER_URL%/swagger-ui/}
export CLIENT_ID=$(banner 'Caller client id')
export CLIENT_SECRET=$(banner 'Caller client secret')
export ACCOUNT_ID=$(banner 'Integrated account id')
[[ $BASE_URL == http://127.0.0.1:* && -n $CLIENT_ID && -n $CLIENT_SECRET && -n $ACCOUNT_ID ]] \
  || { cat "$OUT/demo.log"; die "could not read the demo banner"; }
echo "demo at $BASE_URL (client $CLIENT_ID, integrated account $ACCOUNT_ID)"

step "browser: Swagger UI and report tests (node --test tests/browser/*.test.mjs)"
OUT_DIR=$OUT CHROMIUM=/usr/bin/chromium node --test --test-reporter=spec \
  tests/browser/swagger-ui.test.mjs tests/browser/report.test.mjs
ls -l "$OUT"/*.png
