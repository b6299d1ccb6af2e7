// The collection console (数据汇聚) in Debian's headless Chromium against a
// real demo node: the province's police officer opens a dataset, uploads a
// small GBK CSV (the encoding declared) that loads, then one with a bad ID
// number (the encoding detected) that is rejected naming its row and field,
// and downloads the rejections as CSV; an agency user sees datasets but no
// upload form. The push API's answers are checked against the OpenAPI
// document's schemas.
//
// Run: go build -o e2e/.bin/pubdata ./cmd/pubdata && cd e2e && node --test collect.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import Ajv2020 from 'ajv/dist/2020.js';
import { startDemo, chromiumOptions, openPage, signIn, password } from './harness.mjs';

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

// GB 11643 resident ID numbers: region, birth date, sequence, check digit.
function residentID(seq, good = true) {
  const body = '440103' + '19900' + String(1 + (seq % 9)) + '1' + String(seq % 9) + String(100 + (seq % 900)).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
  const checks = '10X98765432';
  const c = checks[sum % 11];
  return body + (good ? c : checks[(sum + 1) % 11]);
}

// GBK bytes, encoded by hand (no iconv in the e2e packages): the header
// 公民身份号码,姓名 and the names 张三, 李四, 王五.
const gbk = {
  header: 'b9abc3f1c9edb7ddbac5c2eb2cd0d5c3fb',
  张三: 'd5c5c8fd',
  李四: 'c0eecbc4',
  王五: 'cdf5cee5',
};
function gbkCSV(rows) {
  const parts = [Buffer.from(gbk.header, 'hex'), Buffer.from('\r\n')];
  for (const [id, name] of rows) parts.push(Buffer.from(id + ','), Buffer.from(gbk[name], 'hex'), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

const seq = Math.floor(Math.random() * 500) + 100;

async function upload(page, name, buffer, { encoding = '', mode = 'incremental' } = {}) {
  await page.setInputFiles('#f-file', { name, mimeType: 'text/csv', buffer });
  await page.selectOption('#f-mode', mode);
  await page.selectOption('#f-encoding', encoding);
  await Promise.all([page.waitForURL(/\/batches\/\d+/), page.getByTestId('upload').click()]);
}

test('an officer uploads GBK CSV files: one loads, one is rejected with its row and field', async (t) => {
  const page = await newPage(t);
  await signIn(page, node.url, 'gd.police');
  await page.click('nav.side a[href="/datasets"]');
  await page.waitForURL(/\/datasets$/);
  assert.ok(await page.getByTestId('datasets-table').isVisible());
  await page.screenshot({ path: join(shots, 'collect-datasets.png'), fullPage: true });

  // 户口注销信息: key 公民身份号码, required 姓名.
  await page.click('[data-testid=datasets-table] a:text-is("户口注销信息")');
  await page.waitForURL(/\/datasets\/\d+$/);
  const datasetURL = page.url();
  assert.ok(await page.getByTestId('upload-form').isVisible(), 'the officer has the upload form');
  assert.ok(await page.getByTestId('schema-table').locator('td', { hasText: '公民身份号码' }).count() > 0);
  const before = Number(await page.getByTestId('row-count').textContent());

  // A good file, encoding declared.
  await upload(page, '户口注销.csv', gbkCSV([[residentID(seq), '张三'], [residentID(seq + 1), '李四']]), { encoding: 'gbk' });
  assert.equal(await page.getByTestId('batch-state').getAttribute('data-state'), 'loaded');
  assert.match(await page.getByTestId('batch-result').textContent(), /读取 2 行/);
  assert.match(await page.getByTestId('batch-meta').textContent(), /gbk/);
  await page.screenshot({ path: join(shots, 'collect-batch-loaded.png'), fullPage: true });

  // A bad ID number in the second data row (file row 3), encoding detected.
  await page.goto(datasetURL);
  await upload(page, '有误.csv', gbkCSV([[residentID(seq + 2), '王五'], [residentID(seq + 3, false), '李四']]));
  assert.equal(await page.getByTestId('batch-state').getAttribute('data-state'), 'rejected');
  const row = page.getByTestId('rejections-table').locator('tbody tr').first();
  assert.equal(await row.locator('[data-col=row]').textContent(), '3');
  assert.equal(await row.locator('[data-col=field]').textContent(), '公民身份号码');
  assert.ok((await row.locator('[data-col=why]').textContent()).length > 0);
  await page.screenshot({ path: join(shots, 'collect-batch-rejected.png'), fullPage: true });

  // The rejections as CSV: UTF-8 with a byte order mark, for Excel.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rejections-csv').click()]);
  assert.match(download.suggestedFilename(), /rejections\.csv$/);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const csv = Buffer.concat(chunks);
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = csv.subarray(3).toString('utf8').split('\r\n');
  assert.equal(lines[0], '行号,字段,代码,说明,Row,Field,Code,Message');
  assert.match(lines[1], /^3,公民身份号码,collect\.value\.resident_id,/);

  // The dataset took the good file only.
  await page.goto(datasetURL);
  assert.equal(Number(await page.getByTestId('row-count').textContent()), before + 2);
  assert.equal(await page.getByTestId('batches-table').locator('[data-state=rejected]').count() >= 1, true);
  await page.screenshot({ path: join(shots, 'collect-dataset.png'), fullPage: true });
});

test('an agency user sees its agency\'s datasets but no upload form', async (t) => {
  const page = await newPage(t);
  await signIn(page, node.url, 'gd.hrss.user');
  await page.click('nav.side a[href="/datasets"]');
  const first = page.getByTestId('datasets-table').locator('tbody a').first();
  await Promise.all([page.waitForURL(/\/datasets\/\d+$/), first.click()]);
  assert.ok(await page.getByTestId('schema-table').isVisible());
  assert.equal(await page.getByTestId('upload-form').count(), 0);
  assert.equal(await page.locator('form[action$="/upload"]').count(), 0);
});

test('the authority sees the quality dashboard, worst first, and the base databases', async (t) => {
  const page = await newPage(t);
  await signIn(page, node.url, 'gd.reviewer');
  await page.goto(node.url + '/quality');
  assert.ok(await page.getByTestId('quality-dashboard').isVisible());
  const first = page.getByTestId('quality-dashboard').locator('tbody a').first();
  await Promise.all([page.waitForURL(/\/quality\?agency=\d+$/), first.click()]);
  assert.ok(await page.getByTestId('agency-quality').isVisible());
  await page.screenshot({ path: join(shots, 'collect-quality.png'), fullPage: true });
  // The base databases: each attribute group with its legal sources and figures.
  await page.click('nav.tabs a[href="/base"]');
  await page.waitForURL(/\/base$/);
  assert.ok(await page.getByTestId('base-groups').locator('tbody tr').count() > 0);
  await page.screenshot({ path: join(shots, 'collect-base.png'), fullPage: true });
});

// --- the push API against the OpenAPI document ---

const DOC_ID = 'https://pubdata.invalid/openapi.json';

async function schemaChecker() {
  const doc = await (await fetch(node.url + '/api/openapi.json')).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false, validateFormats: false });
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const tok = (s) => String(s).replaceAll('~', '~0').replaceAll('/', '~1');
  return async (res, method, path, status) => {
    assert.equal(res.status, status, `${method} ${path}: status`);
    const resp = doc.paths[path][method.toLowerCase()].responses[String(status)];
    assert.ok(resp, `${method} ${path} ${status} documented`);
    const ct = res.headers.get('content-type').split(';')[0].trim();
    const body = await res.json();
    const pointer = resp.$ref ? resp.$ref.slice(1) + `/content/${tok(ct)}/schema` : `/paths/${tok(path)}/${method.toLowerCase()}/responses/${status}/content/${tok(ct)}/schema`;
    const validate = ajv.compile({ $ref: DOC_ID + '#' + pointer });
    assert.ok(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
    return body;
  };
}

test('push API answers match the OpenAPI document', async () => {
  const check = await schemaChecker();
  const login = async (username) => (await (await fetch(node.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  })).json()).token;
  const police = await login('gd.police');
  const auth = { authorization: 'Bearer ' + police };
  const list = await check(await fetch(node.url + '/api/v1/datasets?q=' + encodeURIComponent('户口注销'), { headers: auth }), 'GET', '/api/v1/datasets', 200);
  assert.equal(list.count, 1);
  const id = list.items[0].id;
  await check(await fetch(`${node.url}/api/v1/datasets/${id}`, { headers: auth }), 'GET', '/api/v1/datasets/{id}', 200);

  const push = (body, ct, q = '') => fetch(`${node.url}/api/v1/datasets/${id}/batches${q}`, { method: 'POST', headers: { ...auth, 'content-type': ct }, body });
  const key = 'e2e-' + seq;
  const rows = JSON.stringify([{ 公民身份号码: residentID(seq + 10), 姓名: '张三', _op: 'upsert' }]);
  const loaded = await check(await push(rows, 'application/json', '?client_batch_id=' + key), 'POST', '/api/v1/datasets/{id}/batches', 201);
  assert.equal(loaded.state, 'loaded');
  const again = await check(await push(rows, 'application/json', '?client_batch_id=' + key), 'POST', '/api/v1/datasets/{id}/batches', 200);
  assert.equal(again.id, loaded.id);
  assert.equal(again.replayed, true);
  const ndjson = JSON.stringify({ 公民身份号码: residentID(seq + 11, false), 姓名: '李四' }) + '\n';
  const p = await check(await push(ndjson, 'application/x-ndjson'), 'POST', '/api/v1/datasets/{id}/batches', 422);
  assert.equal(p.code, 'collect.batch.rejected');
  assert.equal(p.batch.errors[0].row, 1);
  assert.equal(p.errors[0].field, '公民身份号码');
  await check(await push(gbkCSV([[residentID(seq + 12), '王五']]), 'text/csv; charset=gbk'), 'POST', '/api/v1/datasets/{id}/batches', 201);
  await check(await push('x', 'application/xml'), 'POST', '/api/v1/datasets/{id}/batches', 415);

  await check(await fetch(`${node.url}/api/v1/datasets/${id}/batches`, { headers: auth }), 'GET', '/api/v1/datasets/{id}/batches', 200);
  await check(await fetch(`${node.url}/api/v1/batches/${p.batch.id}`, { headers: auth }), 'GET', '/api/v1/batches/{id}', 200);
  await check(await fetch(`${node.url}/api/v1/datasets/${id}/quality`, { headers: auth }), 'GET', '/api/v1/datasets/{id}/quality', 200);
  await check(await fetch(`${node.url}/api/v1/datasets/${id}/sources`, { headers: auth }), 'GET', '/api/v1/datasets/{id}/sources', 200);
  await check(await fetch(`${node.url}/api/v1/base/groups`, { headers: auth }), 'GET', '/api/v1/base/groups', 200);
  await check(await fetch(`${node.url}/api/v1/elements/holders?element=` + encodeURIComponent('公民身份号码'), { headers: auth }), 'GET', '/api/v1/elements/holders', 200);
  await check(await fetch(`${node.url}/api/v1/collection-exemptions`, { headers: auth }), 'GET', '/api/v1/collection-exemptions', 200);
  await check(await fetch(`${node.url}/api/v1/themes`, { headers: auth }), 'GET', '/api/v1/themes', 200);
  const me = await (await fetch(node.url + '/api/v1/me', { headers: auth })).json();
  await check(await fetch(`${node.url}/api/v1/agencies/${me.agency.id}/quality`, { headers: auth }), 'GET', '/api/v1/agencies/{id}/quality', 200);

  const reviewer = { authorization: 'Bearer ' + await login('gd.reviewer') };
  await check(await fetch(`${node.url}/api/v1/quality`, { headers: reviewer }), 'GET', '/api/v1/quality', 200);
  await check(await fetch(`${node.url}/api/v1/base/stats`, { headers: reviewer }), 'GET', '/api/v1/base/stats', 200);
  const user = { authorization: 'Bearer ' + await login('gd.hrss.user') };
  const refused = await check(await fetch(`${node.url}/api/v1/datasets/${id}/batches`, { method: 'POST', headers: { ...user, 'content-type': 'application/json' }, body: rows }),
    'POST', '/api/v1/datasets/{id}/batches', 403);
  assert.equal(refused.code, 'auth.forbidden');
});
