// The sharing console (共享交换) in Debian's headless Chromium against a real
// demo node, in zh-CN: the province's human-resources officer registers an
// application system (its secret shown once), asks for the police's
// conditional 户籍人口基本信息 from the catalog entry (a form error names its
// field), the police officer finds it in the inbox with its due date, agrees
// with narrowing and fulfils; the consumer sees the grant with its masks,
// the gateway example (client ID, never the secret) and, after a gateway
// call, the usage chart; the authority suspends the grant with a reason
// (required) that the consumer then reads, and the gateway refuses.
//
// Run: go build -o e2e/.bin/pubdata ./cmd/pubdata && cd e2e && node --test share.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo, chromiumOptions, openPage, signIn } from './harness.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

let node;
let browser;

before(async () => {
  node = await startDemo();
  browser = await chromium.launch(chromiumOptions);
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await node?.stop();
});

const newPage = (t, locale = 'zh-CN') => openPage(browser, t, { locale, width: 1440 });

// A valid GB 11643 resident ID number of Guangzhou (no such person in the demo).
function residentID() {
  const body = '44010319850101' + String(100 + Math.floor(Math.random() * 800));
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
  return body + '10X98765432'[sum % 11];
}

const dateIn = (months) => {
  const d = new Date();
  d.setMonth(d.getMonth() + months);
  return d.toISOString().slice(0, 10);
};

// Follows a form post (303) to the page it leads to.
async function submit(page, selector, url) {
  await Promise.all([page.waitForURL(url), page.click(selector)]);
}

test('a conditional request from the catalog to a suspended grant', async (t) => {
  const appName = '社保待遇资格认证系统（e2e）';

  // --- gd.hrss: an application system; the secret is shown once ---
  const hrss = await newPage(t);
  await signIn(hrss, node.url, 'gd.hrss');
  await hrss.click('nav.side a[href="/share"]');
  await hrss.waitForURL(/\/share$/);
  assert.ok(await hrss.getByTestId('share-tabs').isVisible());
  await hrss.click('nav.tabs a[href="/share/apps"]');
  await hrss.waitForURL(/\/share\/apps$/);
  await hrss.fill('#f-name', appName);
  await hrss.fill('#f-description', '核验参保人员身份');
  await hrss.getByTestId('register-app').click();
  await hrss.getByTestId('app-credentials').waitFor();
  const clientID = (await hrss.getByTestId('new-client-id').textContent()).trim();
  const secret = (await hrss.getByTestId('client-secret').textContent()).trim();
  assert.match(clientID, /^app_[0-9a-f]+$/);
  assert.match(secret, /^pds_/);
  assert.match(await hrss.getByTestId('app-credentials').textContent(), /只显示这一次/);
  await hrss.screenshot({ path: join(shots, 'share-app-secret.png'), fullPage: true });
  await hrss.goto(node.url + '/share/apps');
  assert.equal(await hrss.getByTestId('client-secret').count(), 0, 'the secret is not shown again');
  assert.equal(await hrss.getByText(secret).count(), 0);
  assert.ok(await hrss.getByTestId('apps-table').getByText(clientID).isVisible());

  // --- the request, from the catalog entry ---
  await hrss.goto(node.url + '/catalog?q=' + encodeURIComponent('户籍人口基本信息'));
  await Promise.all([hrss.waitForURL(/\/catalog\/\d+$/), hrss.click('a:text-is("户籍人口基本信息")')]);
  await submit(hrss, '[data-testid=ask-share]', /\/share\/requests\/new\?entry=\d+/);
  const items = hrss.getByTestId('request-items');
  assert.match(await items.locator('tr', { hasText: '公民身份号码' }).getByTestId('mask-hint').textContent(), /将脱敏为：保留前3位后4位/);
  for (const it of ['公民身份号码', '姓名', '出生日期', '户籍地行政区划代码']) await hrss.check(`input[name=items][value="${it}"]`);
  // Without a purpose category the form comes back, naming the field.
  await hrss.fill('#f-purpose', '社保待遇领取资格认证');
  await submit(hrss, '[data-testid=submit-request]', /\/share\/requests$/);
  assert.match(await hrss.locator('#e-purpose_category').textContent(), /用途类别须为/);
  assert.ok(await hrss.locator('input[name=items][value="姓名"]').isChecked(), 'the items stay ticked');
  await hrss.screenshot({ path: join(shots, 'share-request-form-error.png'), fullPage: true });
  await hrss.selectOption('#f-purpose_category', 'duty');
  await hrss.fill('#f-scenario', '社保待遇资格认证');
  await hrss.fill('#f-duty_basis', '《中华人民共和国社会保险法》第八条');
  await hrss.selectOption('#f-mode', 'api');
  await hrss.selectOption('#f-app_id', { label: `${appName} (${clientID})` });
  await hrss.fill('#f-end_date', dateIn(12));
  await submit(hrss, '[data-testid=submit-request]', /\/share\/requests\/\d+\?ok=request_submitted/);
  const requestURL = hrss.url().replace(/\?.*$/, '');
  const requestID = requestURL.match(/(\d+)$/)[1];
  assert.equal(await hrss.getByTestId('request-state').getAttribute('data-state'), 'requested');
  assert.match(await hrss.getByTestId('request-case').textContent(), /\d{4}-\d{2}-\d{2}/);
  await hrss.screenshot({ path: join(shots, 'share-request.png'), fullPage: true });

  // --- gd.police: the inbox with its due date; agree with narrowing, fulfil ---
  const police = await newPage(t);
  police.on('dialog', (d) => d.accept());
  await signIn(police, node.url, 'gd.police');
  await police.goto(node.url + '/share?box=inbox');
  const row = police.locator(`[data-request="${requestID}"]`);
  assert.match(await row.getByTestId('due').textContent(), /\d{4}-\d{2}-\d{2}/);
  await police.screenshot({ path: join(shots, 'share-inbox.png'), fullPage: true });
  await submit(police, `[data-request="${requestID}"] a[href="/share/requests/${requestID}"]`, new RegExp(`/share/requests/${requestID}$`));
  // A refusal needs its legal basis.
  await submit(police, '[data-testid=refuse]', /\/decide$/);
  assert.match(await police.getByTestId('refuse-error').textContent(), /拒绝共享须提供法律、法规、规章依据/);
  await police.goto(requestURL);
  await police.uncheck('[data-testid=agree-items] input[name=items][value="出生日期"]');
  await police.selectOption('select[name="mask.姓名"]', 'pseudonym');
  await police.fill('#ag-end', dateIn(6));
  await police.screenshot({ path: join(shots, 'share-agree.png'), fullPage: true });
  await submit(police, '[data-testid=agree]', /ok=request_agree/);
  assert.equal(await police.getByTestId('request-state').getAttribute('data-state'), 'agreed');
  await submit(police, '[data-testid=fulfil]', /ok=request_fulfil/);
  assert.equal(await police.getByTestId('request-state').getAttribute('data-state'), 'granted');

  // --- gd.hrss: the grant, its masks, the gateway example, the usage chart ---
  await hrss.goto(requestURL);
  await submit(hrss, '[data-testid=grant-link]', /\/share\/grants\/\d+$/);
  const grantURL = hrss.url();
  const grantID = grantURL.match(/(\d+)$/)[1];
  const grantItems = await hrss.getByTestId('grant-items').textContent();
  assert.match(grantItems, /姓名\s*假名化（HMAC-SM3）/);
  assert.doesNotMatch(grantItems, /出生日期/, 'the unticked item is not granted');
  const curl = await hrss.getByTestId('curl').textContent();
  assert.ok(curl.includes(clientID) && curl.includes(`/api/v1/share/data/${grantID}/records/`));
  assert.ok(!(await hrss.content()).includes(secret), 'the grant page never shows the secret');
  assert.ok(await hrss.getByTestId('usage-none').isVisible());
  const call = () => fetch(`${node.url}/api/v1/share/data/${grantID}/records/${residentID()}`, {
    headers: { Authorization: 'Basic ' + Buffer.from(`${clientID}:${secret}`).toString('base64') },
  });
  for (let i = 0; i < 3; i++) assert.equal((await call()).status, 404, 'a key without a record is answered, with no record');
  await hrss.goto(grantURL);
  const chart = hrss.getByTestId('usage-chart');
  assert.ok(await chart.isVisible());
  assert.equal(await chart.locator('rect[data-n="3"]').count(), 1, 'today\'s bar counts the three calls');
  await hrss.screenshot({ path: join(shots, 'share-grant.png'), fullPage: true });

  // --- gd.reviewer: suspension needs a reason, which the consumer then reads ---
  const reviewer = await newPage(t);
  await signIn(reviewer, node.url, 'gd.reviewer');
  await reviewer.goto(grantURL);
  await submit(reviewer, '[data-testid=suspend]', /\/suspend$/);
  assert.match(await reviewer.getByTestId('suspend-error').textContent(), /暂停须说明理由/);
  const reason = '核查发现超出核定场景使用并向第三方提供（HZ §25）';
  await reviewer.fill('#f-suspend-reason', reason);
  await submit(reviewer, '[data-testid=suspend]', /ok=grant_suspend/);
  assert.equal(await reviewer.getByTestId('grant-state').first().getAttribute('data-state'), 'share.gstate.suspended');
  await reviewer.screenshot({ path: join(shots, 'share-suspended.png'), fullPage: true });
  await reviewer.goto(node.url + '/share?box=all');
  assert.equal(await reviewer.locator(`[data-request="${requestID}"]`).count(), 1, 'the authority sees the request in its jurisdiction');

  await hrss.goto(grantURL);
  assert.equal((await hrss.getByTestId('suspended-reason').textContent()).trim(), reason);
  assert.equal((await call()).status, 403, 'the gateway refuses a suspended grant');
});

test('the console in English', async (t) => {
  const page = await newPage(t, 'en-US');
  await signIn(page, node.url, 'gd.police');
  await page.goto(node.url + '/share?box=inbox');
  assert.equal((await page.locator('h1').textContent()).trim(), 'Share requests');
  assert.match(await page.getByTestId('share-tabs').textContent(), /Grants.*Applications.*Use feedback.*Data errors/s);
  await page.goto(node.url + '/share/grants');
  assert.equal((await page.locator('h1').textContent()).trim(), 'Sharing grants');
});

test('an agency user reads the console but has no forms', async (t) => {
  const page = await newPage(t);
  await signIn(page, node.url, 'gd.hrss.user');
  await page.click('nav.side a[href="/share"]');
  await page.waitForURL(/\/share$/);
  assert.equal(await page.getByTestId('find-entry').count(), 0);
  await page.goto(node.url + '/share/apps');
  assert.equal(await page.getByTestId('app-form').count(), 0);
});
