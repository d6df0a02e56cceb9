#!/usr/bin/env python3
"""Pages through every user of one integrated account of jamf-directory (stdlib only).

    python3 examples/list_users.py --base-url http://127.0.0.1:8080 \
        --client-id demo-client --client-secret ... --integrated-account-id ...

The client id and secret may also come from JAMF_DIRECTORY_CLIENT_ID and
JAMF_DIRECTORY_CLIENT_SECRET. Prints one line per user, then `N users`; with --json, the users
as one JSON array. Exit status 1 with the service's error envelope on failure.

What it shows: the client-credentials token (renewed when it expires or the service answers
401), cursor pagination (`next_cursor` until null), and 429 handling (`Retry-After`).
"""

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    def __init__(self, status, body, retry_after=None):
        super().__init__(f"HTTP {status}: {json.dumps(body) if isinstance(body, dict) else body}")
        self.status = status
        self.body = body
        self.retry_after = retry_after


class DirectoryClient:
    def __init__(self, base_url, client_id, client_secret, timeout=60):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self._token = None
        self._token_expires_at = 0.0

    def _request(self, method, path, headers=None, body=None):
        req = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return json.load(res)
        except urllib.error.HTTPError as err:
            raw = err.read().decode("utf-8", "replace")
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw
            raise ApiError(err.code, parsed, err.headers.get("Retry-After")) from None

    def token(self):
        """A caller token from POST /auth/token, reused until 30 s before it expires."""
        if self._token and time.monotonic() < self._token_expires_at - 30:
            return self._token
        basic = base64.b64encode(
            f"{urllib.parse.quote(self.client_id, safe='')}:{urllib.parse.quote(self.client_secret, safe='')}".encode()
        ).decode()
        answer = self._request(
            "POST",
            "/auth/token",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            body=b"grant_type=client_credentials",
        )
        self._token = answer["access_token"]
        self._token_expires_at = time.monotonic() + int(answer.get("expires_in", 300))
        return self._token

    def get(self, path, params):
        url = f"{path}?{urllib.parse.urlencode(params, doseq=True)}"
        for attempt in range(5):
            try:
                return self._request("GET", url, headers={"Authorization": f"Bearer {self.token()}", "Accept": "application/json"})
            except ApiError as err:
                if err.status == 401 and attempt == 0 and not (isinstance(err.body, dict) and err.body.get("truto_is_remote_error")):
                    self._token = None  # our token expired or the signing key rotated: get a new one
                    continue
                if err.status == 429 and attempt < 4:
                    time.sleep(min(float(err.retry_after or 1), 30))
                    continue
                raise
        raise RuntimeError("unreachable")

    def users(self, integrated_account_id, page_size=100, **filters):
        """Yields every user, following next_cursor until it is null."""
        params = {"integrated_account_id": integrated_account_id, "limit": page_size, **filters}
        while True:
            page = self.get("/unified/user-directory/users", params)
            yield from page["result"]
            cursor = page.get("next_cursor")
            if not cursor:
                return
            params["next_cursor"] = cursor


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default=os.environ.get("JAMF_DIRECTORY_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--client-id", default=os.environ.get("JAMF_DIRECTORY_CLIENT_ID"))
    ap.add_argument("--client-secret", default=os.environ.get("JAMF_DIRECTORY_CLIENT_SECRET"))
    ap.add_argument("--integrated-account-id", required=True)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--type", choices=["admin", "service-account", "all"], help="default: admin accounts only")
    ap.add_argument("--status", choices=["active", "inactive"])
    ap.add_argument("--json", action="store_true", help="print the users as a JSON array")
    args = ap.parse_args(argv)
    if not args.client_id or not args.client_secret:
        ap.error("--client-id and --client-secret (or JAMF_DIRECTORY_CLIENT_ID/SECRET) are required")

    client = DirectoryClient(args.base_url, args.client_id, args.client_secret)
    filters = {"truto_ignore_remote_data": "true"}
    if args.type:
        filters["type"] = args.type
    if args.status:
        filters["status"] = args.status
    try:
        users = list(client.users(args.integrated_account_id, args.page_size, **filters))
    except ApiError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(users, sys.stdout, indent=2)
        print()
        return 0
    for user in users:
        roles = ",".join(role["name"] for role in user.get("roles", []))
        email = next((e["email"] for e in user.get("emails", []) if e.get("is_primary")), "")
        mfa = {True: "mfa:idp", False: "mfa:no", None: "mfa:?"}[user.get("is_2fa_enabled")]
        print(f"{user['id']:>16}  {str(user.get('username')):<24} {user['status']:<9} {mfa:<8} {email:<32} {roles}")
    print(f"{len(users)} users")
    return 0


if __name__ == "__main__":
    sys.exit(main())
