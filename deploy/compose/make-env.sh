#!/usr/bin/env bash
# Prints a complete .env for docker-compose.yml with freshly generated secrets:
#   deploy/compose/make-env.sh > .env
# The caller client secret is printed on stderr once (only its SHA-256 goes into .env):
# keep it, it is what you send to POST /auth/token.
set -euo pipefail

rand_b64() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
sha256_hex() {
  if command -v sha256sum >/dev/null; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi
}

caller_secret=$(rand_hex 32)
jamf_sim_secret=$(rand_hex 16)

cat <<ENV
POSTGRES_PASSWORD=$(rand_hex 24)
REDIS_PASSWORD=$(rand_hex 24)
JAMF_DIRECTORY_SIGNING_KEY=$(rand_b64)
JAMF_DIRECTORY_ENCRYPTION_KEY=$(rand_b64)
CALLER_CLIENT_ID=compose-client
CALLER_CLIENT_SECRET_SHA256=$(printf %s "$caller_secret" | sha256_hex)
JAMF_SIM_CLIENT_ID=compose-jamf-client
JAMF_SIM_CLIENT_SECRET=$jamf_sim_secret
JAMF_SIM_ACCOUNTS=200
JAMF_DIRECTORY_PORT=8080
JAMF_DIRECTORY_PORT_LAST=8081
ENV

{
  echo "Caller client id:     compose-client"
  echo "Caller client secret: $caller_secret   (not stored in .env; keep it)"
  echo "Simulated Jamf:       http://jamf-sim:9090  client compose-jamf-client / $jamf_sim_secret"
} >&2
