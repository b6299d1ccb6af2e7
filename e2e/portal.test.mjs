// The web portal in Debian's headless Chromium against a real demo node:
// a reviewer, an auditor and the language switch, as a user would click.
//
// Run: go build -o e2e/.bin/pubdata ./cmd/pubdata && cd e2e && node --test portal.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo, chromiumOptions, password, openPage, signIn, signOut } from './harness.mjs';

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

const newPage = (t, locale = 'zh-CN') => openPage(browser, t, { locale, width: 1366 });
const login = (page, username) => signIn(page, node.url, username);
const logout = (page) => signOut(page);

test('reviewer: home, cases, no audit, logout', async (t) => {
  const page = await newPage(t);
  await login(page, 'gd.reviewer');
  assert.equal(new URL(page.url()).pathname, '/');
  await assert.doesNotReject(page.getByRole('heading', { name: /您好/ }).waitFor());
  assert.equal(await page.getByTestId('role').textContent(), '公共数据主管部门审核员');
  // The reviewer's panel: cases awaiting the authority, with the overdue one.
  const panel = page.getByTestId('cases-panel');
  assert.match(await panel.locator('h2').textContent(), /待本机构办理的办件/);
  // Two are overdue in the province: the catalog review of 婚姻登记信息 (owed by
  // the authority) and a sharing request the source agency has not answered.
  assert.match(await page.getByTestId('overdue-count').textContent(), /逾期办件 2 件/);
  // The panel lists what the authority itself owes: the review.
  const overdueRow = panel.locator('tr.row-overdue');
  assert.equal(await overdueRow.count(), 1);
  assert.match(await overdueRow.textContent(), /婚姻登记信息/);
  // Cards only for what the role may use; the areas to come are disabled.
  const cards = page.getByTestId('cards');
  assert.equal(await cards.locator('a[href="/cases"]').count(), 1);
  assert.equal(await cards.locator('a[href="/audit"]').count(), 0);
  assert.equal(await cards.locator('a[href="/accounts"]').count(), 0);
  // The catalog, collection and sharing are live for a reviewer; the other areas are still to come.
  assert.equal(await page.locator('nav.side .coming .disabled').count(), 3);
  assert.equal(await page.locator('nav.side .coming a').count(), 0);
  assert.match(await page.locator('nav.side .coming').textContent(), /数据开放.*数据主体.*监督管理/s);
  assert.doesNotMatch(await page.locator('nav.side .coming').textContent(), /共享交换/);
  assert.equal(await page.locator('nav.side a[href="/share"]').count(), 1);
  assert.equal(await page.locator('nav.side a[href="/catalog"]').count(), 1);
  assert.equal(await cards.locator('a[href="/catalog"]').count(), 1);
  assert.equal(await page.locator('nav.side a[href="/datasets"]').count(), 1);
  assert.equal(await cards.locator('a[href="/datasets"]').count(), 1);
  assert.equal(await page.locator('nav.side a[href="/audit"]').count(), 0, 'no audit link for a reviewer');

  await page.screenshot({ path: join(shots, 'home-reviewer.png'), fullPage: true });

  // Cases list and one case; the overdue due date is marked in red.
  await page.click('nav.side a[href="/cases"]');
  await page.waitForURL(/\/cases$/);
  const table = page.getByTestId('case-table');
  assert.ok(await table.locator('tbody tr').count() >= 5);
  // Overdue: the catalog review and the demo's unanswered sharing request.
  assert.equal(await table.locator('tr.row-overdue td.overdue').count(), 2);
  const review = table.locator('tr.row-overdue', { hasText: '婚姻登记信息' });
  const color = await review.locator('td.overdue').evaluate((el) => getComputedStyle(el).color);
  assert.equal(color, 'rgb(180, 35, 24)');
  await review.locator('a').first().click();
  await page.waitForURL(/\/cases\/\d+$/);
  assert.match(await page.getByTestId('case-state').textContent(), /待审定/);
  // The reviewer's authority is the respondent: approve and return are offered.
  const actions = page.getByTestId('case-actions');
  assert.equal(await actions.locator('input[name=action][value=approve]').count(), 1);
  assert.equal(await actions.locator('input[name=action][value=return]').count(), 1);
  await page.screenshot({ path: join(shots, 'case-reviewer.png'), fullPage: true });

  // /audit is refused with the portal's error page.
  const res = await page.goto(node.url + '/audit');
  assert.equal(res.status(), 403);
  assert.match(await page.locator('main h1').textContent(), /403.*禁止访问/s);
  assert.match(await page.locator('main').textContent(), /请求编号/);

  await logout(page);
  const again = await page.goto(node.url + '/');
  assert.match(page.url(), /\/login\?next=%2F$/);
  assert.equal(again.status(), 200);
});

test('auditor: browse, filter, verify, no accounts, logout', async (t) => {
  const page = await newPage(t);
  await login(page, 'auditor');
  await page.click('nav.side a[href="/audit"]');
  await page.waitForURL(/\/audit$/);
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  assert.ok(await rows.count() > 10, 'the trail has entries');

  await page.fill('#f-action', 'session.login');
  await Promise.all([page.waitForURL(/action=session\.login/), page.click('form.filters button[type=submit]')]);
  const n = await rows.count();
  assert.ok(n >= 1);
  for (const action of await rows.locator('td:nth-child(5)').allTextContents()) {
    assert.ok(action.startsWith('session.login'), action);
  }
  assert.match(await page.getByTestId('export-csv').getAttribute('href'), /format=csv.*action=session\.login|action=session\.login.*format=csv/);

  // A bad date is shown next to its field.
  await page.fill('#f-from', '2026-02-30');
  await page.click('form.filters button[type=submit]');
  await page.waitForSelector('#e-from');
  assert.match(await page.locator('#e-from').textContent(), /日期/);

  await page.getByTestId('verify').click();
  await page.waitForURL(/\/audit\/verify$/);
  const result = page.getByTestId('verify-result');
  assert.equal(await result.getAttribute('data-ok'), 'true');
  assert.match(await result.textContent(), /哈希链完整/);

  assert.equal(await page.locator('nav.side a[href="/accounts"]').count(), 0);
  const res = await page.goto(node.url + '/accounts');
  assert.equal(res.status(), 403);

  await page.goto(node.url + '/');
  await page.screenshot({ path: join(shots, 'home-auditor.png'), fullPage: true });
  await logout(page);
  assert.equal(new URL(page.url()).pathname, '/login');
});

test('language switch on the login page', async (t) => {
  const page = await newPage(t);
  await page.goto(node.url + '/login');
  assert.equal(await page.locator('label[for=username]').textContent(), '用户名');
  await Promise.all([page.waitForURL(/\/login$/), page.click('.lang a[lang=en]')]);
  assert.equal(await page.locator('label[for=username]').textContent(), 'Username');
  assert.equal(await page.locator('label[for=password]').textContent(), 'Password');
  assert.match(await page.locator('.brand-name').textContent(), /Guangdong Public Data Platform/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.screenshot({ path: join(shots, 'login-en.png') });

  // The choice sticks after signing in; a wrong password is told in English.
  await page.fill('#username', 'admin');
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('.flash-err');
  assert.match(await page.locator('.flash-err').textContent(), /wrong username or password/);
  assert.equal(await page.inputValue('#username'), 'admin');
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button[type=submit]')]);
  assert.equal(await page.getByTestId('role').textContent(), 'System administrator');
  await page.screenshot({ path: join(shots, 'home-admin-en.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/$/), page.click('.lang a[lang=zh-CN]')]);
  assert.equal(await page.getByTestId('role').textContent(), '系统管理员');
});
