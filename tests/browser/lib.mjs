// What the browser tests share: the settings .ci/browser-test.sh passes, a caller token, and
// Debian's headless Chromium with every request off the loopback interface refused.
//   BASE_URL        e.g. http://127.0.0.1:40123
//   CLIENT_ID       caller client id (demo banner)
//   CLIENT_SECRET   caller client secret (demo banner)
//   ACCOUNT_ID      integrated account id (demo banner)
//   OUT_DIR         where screenshots go (default target/browser-test)
//   CHROMIUM        browser binary (default /usr/bin/chromium)

import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`set ${name}`);
  return value;
};
export const BASE_URL = env('BASE_URL').replace(/\/$/, '');
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');
export const ACCOUNT_ID = env('ACCOUNT_ID');
export const OUT_DIR = path.resolve(env('OUT_DIR', 'target/browser-test'));
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A bearer token from /auth/token for the demo caller. */
export async function callerToken() {
  const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
  const res = await fetch(`${BASE_URL}/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = await res.json();
  assert.equal(res.status, 200, `/auth/token answered ${res.status}: ${JSON.stringify(body)}`);
  assert.equal(body.token_type, 'Bearer');
  return body.access_token;
}

/**
 * Headless Chromium in a fresh profile, closed when test `t` ends. No network beyond loopback:
 * everything else is refused and recorded in `offLoopback` (a request leaving the machine is a
 * bug: the UI is vendored and the report self-contained).
 */
export async function launch(t) {
  mkdirSync(OUT_DIR, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'jamf-directory-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const offLoopback = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['data:', 'blob:'].includes(url.protocol) || LOOPBACK.has(url.hostname)) return route.continue();
    offLoopback.push(url.href);
    return route.abort('blockedbyclient');
  });
  return { context, offLoopback };
}
