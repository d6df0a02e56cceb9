// The access-review report page of a running jamf-directory, rendered by Debian's headless
// Chromium (playwright-core), the way a compliance platform stores it as evidence. Run by
// .ci/browser-test.sh with the settings lib.mjs lists. Screenshots: report.png (the top of
// the page), report-full.png (all of it); report.pdf is the page printed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ACCOUNT_ID, BASE_URL, OUT_DIR, callerToken, launch } from './lib.mjs';

const REPORT_PATH = '/access-review/report';

test('the report renders self-contained, with its snapshot digest, charts and a print layout', async (t) => {
  const { context, offLoopback } = await launch(t);
  // The report is a bearer route: the browser sends the token like a platform's fetcher would.
  await context.setExtraHTTPHeaders({ authorization: `Bearer ${await callerToken()}` });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  const url = `${BASE_URL}${REPORT_PATH}?integrated_account_id=${ACCOUNT_ID}`;
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'text/html; charset=utf-8');
  assert.deepEqual(requests, [url], 'the page loads nothing but itself');
  assert.equal(await page.locator('script').count(), 0, 'no script');

  assert.match(await page.title(), /^Jamf Pro access review: http:\/\/127\.0\.0\.1:\d+$/);
  const digest = (await page.locator('#snapshot-sha256').textContent()).trim();
  assert.match(digest, /^[0-9a-f]{64}$/);
  assert.equal(digest, response.headers()['snapshot-sha256'], 'the page and the header agree');

  const charts = page.locator('svg.chart');
  assert.equal(await charts.count(), 3, 'by status, role and MFA verdict');
  for (const chart of await charts.all()) {
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 10, 'each chart is drawn');
    assert.ok((await chart.locator('rect').count()) > 0);
  }
  const users = await page.locator('table.users tbody tr').count();
  const findings = await page.locator('table.findings tbody tr').count();
  assert.ok(users >= 300, `every user of the demo (${users})`);
  assert.ok(findings > 0, 'the findings');
  const names = await page.locator('table.users').textContent();
  assert.ok(names.includes('R&D <Ops> Team'), 'Jamf text shown as text, not markup');

  await page.screenshot({ path: path.join(OUT_DIR, 'report.png') });
  await page.screenshot({ path: path.join(OUT_DIR, 'report-full.png'), fullPage: true });

  // The print stylesheet applies when printed: no page margin of its own, smaller type.
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => {
    const style = getComputedStyle(document.body);
    return { margin: style.marginTop, fontSize: style.fontSize };
  });
  assert.deepEqual(printed, { margin: '0px', fontSize: '12px' }, '@media print applies');
  await page.pdf({ path: path.join(OUT_DIR, 'report.pdf'), format: 'A4' });
  console.log(`report: ${users} users, ${findings} findings, snapshot SHA-256 ${digest}`);

  assert.deepEqual(offLoopback, [], 'no request left the loopback interface');
  assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
});
