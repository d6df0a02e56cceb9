// Swagger UI of a running jamf-directory, in Debian's headless Chromium, driven by
// playwright-core. Run by .ci/browser-test.sh, which starts `jamf-directory demo` and passes
// the settings lib.mjs lists.
// Uses node's test runner: `node --test swagger-ui.test.mjs` or `node swagger-ui.test.mjs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ACCOUNT_ID, BASE_URL, OUT_DIR, callerToken, launch } from './lib.mjs';

const USERS_PATH = '/unified/user-directory/users';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `METHOD /path` of every operation in an OpenAPI document. */
function operationsOf(doc) {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const m of HTTP_METHODS) if (item[m]) ops.push(`${m.toUpperCase()} ${p}`);
  }
  return ops.sort();
}

test('Swagger UI lists every operation, authorizes and runs "Try it out" on the users list', async (t) => {
  const { context, offLoopback } = await launch(t);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  // The operations the service documents.
  const doc = await (await fetch(`${BASE_URL}/openapi.json`)).json();
  const expected = operationsOf(doc);
  assert.ok(expected.includes(`GET ${USERS_PATH}`), `the OpenAPI document has no GET ${USERS_PATH}`);

  await page.goto(`${BASE_URL}/swagger-ui/`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.opblock', { timeout: 30_000 });
  assert.equal((await page.locator('.info .title').first().textContent()).trim().split(/\s/)[0], doc.info.title);

  // Expand collapsed tags, then read every operation the UI shows.
  for (const tag of await page.locator('.opblock-tag[data-is-open="false"]').all()) await tag.click();
  const listed = (await page.locator('.opblock').evaluateAll((blocks) => blocks.map((b) => {
    const method = b.querySelector('.opblock-summary-method')?.textContent.trim();
    const p = b.querySelector('.opblock-summary-path')?.getAttribute('data-path');
    return `${method} ${p}`;
  }))).sort();
  assert.deepEqual([...new Set(listed)], expected, 'Swagger UI lists exactly the operations of /openapi.json');
  console.log(`Swagger UI lists all ${expected.length} operations of /openapi.json`);

  // Authorize with a bearer token from /auth/token.
  const token = await callerToken();
  await page.locator('.auth-wrapper .btn.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.waitFor();
  await modal.locator('input[type="text"], input[type="password"]').first().fill(token);
  await modal.locator('.auth-btn-wrapper button.authorize').click();
  await modal.locator('.auth-btn-wrapper button.btn-done, .auth-btn-wrapper button.close-modal').first().click();
  await modal.waitFor({ state: 'detached' });
  assert.ok(await page.locator('.auth-wrapper .btn.authorize.locked').count(), 'the Authorize button shows a lock');

  // "Try it out" on GET /unified/user-directory/users for the demo account.
  const op = page.locator('.opblock.opblock-get').filter({
    has: page.locator(`.opblock-summary-path[data-path="${USERS_PATH}"]`),
  });
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  await op.locator('tr[data-param-name="integrated_account_id"] input').fill(ACCOUNT_ID);
  const limit = op.locator('tr[data-param-name="limit"] input');
  if (await limit.count()) await limit.fill('5');
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === USERS_PATH);
  await op.locator('button.execute').click();
  const response = await answered;
  assert.equal(response.request().headers().authorization, `Bearer ${token}`, 'the request carries the token');
  assert.equal(response.status(), 200);

  const live = op.locator('.live-responses-table');
  await live.waitFor();
  const status = (await live.locator('tbody .response-col_status').first().textContent()).trim();
  assert.equal(status, '200', 'Swagger UI shows 200');
  const body = JSON.parse(await live.locator('tbody .response-col_description pre').first().textContent());
  assert.ok(Array.isArray(body.result) && body.result.length > 0, 'the response lists users');
  assert.ok(body.result.every((u) => u.id && u.type === 'admin'), 'every result is an admin user');
  assert.ok('next_cursor' in body && 'result_count' in body, 'Truto list envelope');
  console.log(`Try it out: 200 with ${body.result.length} users (${body.result.map((u) => u.username).join(', ')})`);

  // The screenshot: the request Swagger UI sent (curl, URL) and the server's 200 with users.
  await op.locator('.responses-wrapper').first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.mouse.move(0, 0);
  const shot = path.join(OUT_DIR, 'swagger-ui-try-it-out.png');
  await page.screenshot({ path: shot });
  await page.screenshot({ path: path.join(OUT_DIR, 'swagger-ui-full.png'), fullPage: true });
  writeFileSync(path.join(OUT_DIR, 'users-response.json'), JSON.stringify(body, null, 2));
  console.log(`screenshot: ${shot}`);

  assert.deepEqual(offLoopback, [], 'no request left the loopback interface');
  assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
});
