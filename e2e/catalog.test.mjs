// The catalog console in Debian's headless Chromium against a real demo
// node: an agency drafts an entry with two items and submits it; the
// authority finds it in its review queue with the due date and returns it
// with reasons; the agency sees the reasons, edits and resubmits; the
// authority approves; then the published catalog finds it by a
// two-character word and narrows it by a facet (issue 3, item 7).
//
// Run: go build -o e2e/.bin/pubdata ./cmd/pubdata && cd e2e && node --test catalog.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo, chromiumOptions, openPage, signIn, signOut } from './harness.mjs';

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
const login = (page, username) => signIn(page, node.url, username);
const logout = (page) => signOut(page);

async function submitAndWait(page, selector) {
  await Promise.all([page.waitForLoadState('load'), page.waitForURL(/ok=|\/edit|\/new/), page.click(selector)]);
}

const name = '惠州市测试户籍登记信息' + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');

test('draft → submit → return → resubmit → approve → search finds it', async (t) => {
  const page = await newPage(t);

  // The agency's officer drafts the entry with two items and submits it.
  await login(page, 'hz.police');
  await page.click('nav.side a[href="/catalog"]');
  await page.click('nav.tabs a[href="/catalog/mine"]');
  await page.getByTestId('new-entry').click();
  await page.waitForURL(/\/catalog\/new$/);
  const rows = page.locator('tr[data-item-row]');
  assert.equal(await rows.count(), 5, 'five empty item rows');
  await page.click('[data-add-item]');
  assert.equal(await rows.count(), 6, 'the item editor adds a row');
  assert.equal(await rows.nth(5).locator('select[name="items[5].grade"]').count(), 1, 'the new row is numbered');
  await rows.nth(5).locator('[data-remove-item]').click();
  assert.equal(await rows.count(), 5, 'and removes it');

  await page.fill('#f-name', name);
  await page.fill('#f-class_code', '3070220200');
  await page.selectOption('#f-data_form', 'database');
  await page.fill('#f-format', 'ORACLE');
  await page.fill('#f-keywords', '户籍 人口');
  await page.fill('#f-summary', '惠州市户籍人口的登记信息，用于政务服务身份核验。');
  await page.selectOption('#f-share_type', 'conditional');
  await page.fill('#f-share_scope', '惠州市政务部门');
  await page.check('input[name=share_modes][value=api]');
  await page.selectOption('#f-open_attr', 'not_open');
  await page.fill('#f-share_conditions', '用于政务服务身份核验，按需申请');
  await page.fill('#f-share_basis', '《中华人民共和国户口登记条例》');
  await page.selectOption('#f-update_freq', 'daily');
  await page.fill('#f-verifying_agency', '惠州市公安局');
  const item = (i, f) => `[name="items[${i}].${f}"]`;
  await page.fill(item(0, 'name'), '公民身份号码');
  await page.selectOption(item(0, 'type'), 'C');
  await page.fill(item(0, 'length'), '18');
  await page.selectOption(item(0, 'grade'), 'general-3');
  await page.check(item(0, 'personal'));
  await page.fill(item(0, 'personal_kind'), '身份信息');
  await page.check(item(0, 'key'));
  await page.selectOption(item(0, 'key_kind'), 'resident_id');
  await page.check(item(0, 'required'));
  await page.fill(item(1, 'name'), '户籍地址');
  await page.selectOption(item(1, 'type'), 'C');
  await page.fill(item(1, 'length'), '200');
  await page.selectOption(item(1, 'grade'), 'general-2');
  await page.screenshot({ path: join(shots, 'catalog-form.png'), fullPage: true });
  await submitAndWait(page, '[data-testid=save-submit]');
  assert.match(await page.locator('.flash-ok').textContent(), /已提交主管部门审定/);
  const entryURL = new URL(page.url()).pathname;
  assert.match(entryURL, /^\/catalog\/\d+$/);
  assert.equal(await page.getByTestId('items-table').locator('tbody tr').count(), 2);
  assert.match(await page.getByTestId('review-due').textContent(), /\d{4}-\d{2}-\d{2}/);
  await logout(page);

  // The authority finds it in its queue with the due date and returns it.
  await login(page, 'hz.reviewer');
  await page.goto(node.url + '/catalog/review');
  const row = page.getByTestId('review-queue').locator('tr', { hasText: name });
  assert.equal(await row.count(), 1, 'in the review queue');
  assert.match(await row.getByTestId('due').textContent(), /^\s*\d{4}-\d{2}-\d{2}/);
  await row.locator(`a[href="${entryURL}"]`).click();
  await page.waitForURL((u) => u.pathname === entryURL);
  await page.fill('#f-reasons', '共享范围过宽，请限定到具体部门。');
  await submitAndWait(page, '[data-testid=return-form] button');
  assert.match(await page.locator('.flash-ok').textContent(), /已退回/);
  await logout(page);

  // The agency sees the reasons, edits and resubmits.
  await login(page, 'hz.police');
  await page.goto(node.url + entryURL);
  assert.match(await page.getByTestId('return-reasons').textContent(), /共享范围过宽/);
  await page.getByTestId('edit').click();
  await page.waitForURL(/\/edit$/);
  assert.match(await page.getByTestId('return-reasons').textContent(), /共享范围过宽/);
  assert.equal(await page.inputValue(item(1, 'name')), '户籍地址');
  await page.fill('#f-share_scope', '惠州市公安局、惠州市民政局');
  await submitAndWait(page, '[data-testid=save-submit]');
  assert.match(await page.locator('.flash-ok').textContent(), /已提交主管部门审定/);
  await logout(page);

  // The authority approves: the entry is published.
  await login(page, 'hz.reviewer');
  await page.goto(node.url + entryURL);
  await submitAndWait(page, '[data-testid=approve-form] button');
  assert.match(await page.locator('.flash-ok').textContent(), /审定通过/);
  assert.match(await page.getByTestId('entry-status').textContent(), /已发布/);
  await logout(page);

  // Anyone in government finds it in the published catalog by 户籍, and a
  // facet narrows the result.
  await login(page, 'gd.police');
  await page.goto(node.url + '/catalog');
  await page.fill('#f-q', '户籍');
  await Promise.all([page.waitForURL(/q=/), page.click('[data-testid=catalog-search] button[type=submit]')]);
  const results = page.getByTestId('catalog-table');
  assert.equal(await results.locator('tr', { hasText: name }).count(), 1, 'search finds the new entry');
  const before = Number((await page.getByTestId('total').textContent()).match(/\d+/)[0]);
  const facet = page.locator('[data-facet="share_type"] a', { hasText: '有条件共享' });
  await Promise.all([page.waitForURL(/share_type=conditional/), facet.click()]);
  assert.equal(await results.locator('tr', { hasText: name }).count(), 1, 'still there under the facet');
  const after = Number((await page.getByTestId('total').textContent()).match(/\d+/)[0]);
  assert.ok(after <= before && after >= 1, `facet narrows: ${before} → ${after}`);
  assert.match(await page.getByTestId('chips').textContent(), /共享类型：有条件共享/);
  assert.match(await page.getByTestId('export-xlsx').getAttribute('href'), /format=xlsx.*q=|q=.*format=xlsx/);
  await page.screenshot({ path: join(shots, 'catalog-search.png'), fullPage: true });
});
