// The OpenAPI document served by a real demo node: it must be a valid
// OpenAPI 3.1 document (checked by a real validator), every operation it
// lists must exist on the node and answer anonymous callers as its
// x-permission says, and real answers must match the schemas it declares.
//
// Run: go build -o e2e/.bin/pubdata ./cmd/pubdata && cd e2e && node --test openapi.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { startDemo, password } from './harness.mjs';

const DOC_ID = 'https://pubdata.invalid/openapi.json';
const PERMISSIONS = new Set(['public', 'signed_in', 'org.read', 'org.manage', 'user.manage', 'audit.read', 'rules.read',
  'calendar.edit', 'case.read', 'case.open', 'case.act', 'notice.read', 'catalog.read', 'catalog.edit', 'catalog.review', 'catalog.manage',
  'data.read', 'data.load', 'data.govern', 'share.read', 'share.request', 'share.decide', 'share.supervise', 'app']);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let node;
let doc;
let ajv;

before(async () => {
  node = await startDemo();
  const res = await fetch(node.url + '/api/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  doc = await res.json();
  ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  try {
    // ajv-formats comes with the validator; without it, formats are not checked.
    const { default: addFormats } = await import('ajv-formats');
    addFormats(ajv);
  } catch {
    ajv.opts.validateFormats = false;
  }
  ajv.addFormat('password', true);
  ajv.addSchema({ ...doc, $id: DOC_ID });
});

after(async () => {
  await node?.stop();
});

// escape a JSON-pointer token
const tok = (s) => String(s).replaceAll('~', '~0').replaceAll('/', '~1');

function operations() {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (item[m]) out.push({ path, method: m.toUpperCase(), op: item[m] });
    }
  }
  return out;
}

// resolve a local $ref (components/responses) inside the document
function deref(obj) {
  while (obj && obj.$ref) {
    assert.ok(obj.$ref.startsWith('#/'), `only local refs: ${obj.$ref}`);
    obj = obj.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    assert.ok(obj, 'dangling $ref');
  }
  return obj;
}

// check a fetched answer against the schema the document declares for
// this operation, status and media type; returns the parsed body
async function checkAnswer(res, method, path, { status } = {}) {
  if (status !== undefined) assert.equal(res.status, status, `${method} ${path}: status`);
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${path} is not in the document`);
  const declared = op.responses[String(res.status)];
  assert.ok(declared, `${method} ${path}: status ${res.status} is not documented`);
  const resp = deref(declared);
  const ct = (res.headers.get('content-type') || '').split(';')[0].trim();
  const text = await res.text();
  if (!resp.content) {
    assert.equal(text, '', `${method} ${path} ${res.status}: no body documented`);
    return undefined;
  }
  assert.ok(resp.content[ct], `${method} ${path} ${res.status}: media type ${ct} not documented (${Object.keys(resp.content)})`);
  if (!ct.includes('json')) return text;
  const body = JSON.parse(text);
  let pointer;
  if (declared.$ref) {
    pointer = declared.$ref.slice(1) + `/content/${tok(ct)}/schema`;
  } else {
    pointer = `/paths/${tok(path)}/${method.toLowerCase()}/responses/${res.status}/content/${tok(ct)}/schema`;
  }
  const validate = ajv.compile({ $ref: DOC_ID + '#' + pointer });
  const ok = validate(body);
  assert.ok(ok, `${method} ${path} ${res.status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 600)}`);
  return body;
}

async function login(username) {
  const res = await fetch(node.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await checkAnswer(res, 'POST', '/api/v1/session', { status: 201 });
  return body.token;
}

const get = (path, token, headers = {}) => fetch(node.url + path, { headers: { ...headers, ...(token ? { authorization: 'Bearer ' + token } : {}) } });

test('the document is valid OpenAPI 3.1', async () => {
  const v = new Validator();
  const res = await v.validate(structuredClone(doc));
  assert.ok(res.valid, 'invalid OpenAPI document: ' + JSON.stringify(res.errors, null, 2));
  assert.equal(v.version, '3.1');
  assert.equal(doc.openapi, '3.1.0');
  // the validator is not vacuous
  const broken = structuredClone(doc);
  delete broken.info;
  assert.equal((await new Validator().validate(broken)).valid, false);
});

test('every operation has an operationId, a permission and problem-details errors', () => {
  const ids = new Set();
  const ops = operations();
  assert.ok(ops.length >= 30, `only ${ops.length} operations`);
  for (const { path, method, op } of ops) {
    const name = `${method} ${path}`;
    assert.ok(op.operationId, `${name}: operationId`);
    assert.ok(!ids.has(op.operationId), `${name}: duplicate operationId ${op.operationId}`);
    ids.add(op.operationId);
    assert.ok(PERMISSIONS.has(op['x-permission']), `${name}: x-permission ${op['x-permission']}`);
    if (op['x-permission'] === 'public') {
      assert.deepEqual(op.security, [], `${name}: a public operation needs no security`);
    } else {
      assert.ok(op.responses['401'], `${name}: 401 documented`);
    }
    for (const [status, r] of Object.entries(op.responses)) {
      if (Number(status) < 400 || path === '/readyz') continue;
      const resp = deref(r);
      assert.deepEqual(Object.keys(resp.content), ['application/problem+json'], `${name} ${status}`);
      assert.equal(deref(resp.content['application/problem+json'].schema).type, 'object');
    }
  }
  for (const s of Object.values(doc.components.securitySchemes)) assert.ok(s.type);
  assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  assert.equal(doc.components.securitySchemes.cookieAuth.name, 'pubdata_session');
});

test('every documented operation exists and refuses anonymous callers as its permission says', async () => {
  const sample = { id: '1', action: 'approve', profile: 'guangdong', date: '2025-10-01', kind: 'system' };
  for (const { path, method, op } of operations()) {
    const url = path.replace(/\{(\w+)\}/g, (_, p) => sample[p] ?? 'x');
    const res = await fetch(node.url + url, { method, headers: method === 'GET' ? {} : { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
    assert.notEqual(res.status, 404, `${method} ${path}: no such route on the node`);
    assert.notEqual(res.status, 405, `${method} ${path}: method not allowed on the node`);
    if (op['x-permission'] === 'public') {
      assert.notEqual(res.status, 401, `${method} ${path} is public`);
      await res.arrayBuffer();
    } else {
      const p = await checkAnswer(res, method, path, { status: 401 });
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      if (op['x-permission'] === 'app') {
        // The sharing gateway: an application's client credentials.
        assert.equal(p.code, 'share.credentials');
        assert.match(res.headers.get('www-authenticate'), /^Basic realm=/);
      } else {
        assert.equal(p.code, 'auth.required');
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="pubdata"');
      }
    }
  }
});

test('login, me, cases, agencies answer as documented', async () => {
  const token = await login('gd.reviewer');
  assert.match(token, /^pd_/);

  const me = await checkAnswer(await get('/api/v1/me', token), 'GET', '/api/v1/me', { status: 200 });
  assert.equal(me.username, 'gd.reviewer');
  assert.equal(me.role, 'authority_reviewer');
  assert.equal(me.via, 'token');
  assert.equal(me.agency.is_authority, true);
  assert.ok(me.permissions.includes('case.act'));

  const cases = await checkAnswer(await get('/api/v1/cases', token), 'GET', '/api/v1/cases', { status: 200 });
  assert.ok(cases.count > 0 && cases.count === cases.items.length);
  assert.ok(cases.items.some((c) => c.overdue), 'the demo has an overdue case');

  const one = await checkAnswer(await get('/api/v1/cases/' + cases.items[0].id, token), 'GET', '/api/v1/cases/{id}', { status: 200 });
  assert.ok(one.history.length >= 1);

  const ags = await checkAnswer(await get('/api/v1/agencies', token), 'GET', '/api/v1/agencies', { status: 200 });
  assert.ok(ags.count >= 15);
  const hz = await checkAnswer(await get('/api/v1/agencies?jurisdiction=441300&authority=false', token), 'GET', '/api/v1/agencies', { status: 200 });
  assert.ok(hz.items.every((a) => a.jurisdiction_code.startsWith('4413') && !a.is_authority));
  await checkAnswer(await get('/api/v1/agencies/' + ags.items[0].id, token), 'GET', '/api/v1/agencies/{id}', { status: 200 });
});

test('other read answers match their schemas', async () => {
  const reviewer = await login('gd.reviewer');
  const auditor = await login('auditor');
  const admin = await login('admin');
  for (const [path, route, token] of [
    ['/healthz', '/healthz'],
    ['/readyz', '/readyz'],
    ['/api/v1/jurisdictions', '/api/v1/jurisdictions', reviewer],
    ['/api/v1/tokens', '/api/v1/tokens', reviewer],
    ['/api/v1/case-kinds', '/api/v1/case-kinds', reviewer],
    ['/api/v1/notices', '/api/v1/notices', reviewer],
    ['/api/v1/rules', '/api/v1/rules', reviewer],
    ['/api/v1/rules/huizhou', '/api/v1/rules/{profile}', reviewer],
    ['/api/v1/calendar/days/2025-10-11', '/api/v1/calendar/days/{date}', reviewer],
    ['/api/v1/calendar/workdays?from=2025-09-30&n=5', '/api/v1/calendar/workdays', reviewer],
    ['/api/v1/users', '/api/v1/users', admin],
    ['/api/v1/audit?limit=5', '/api/v1/audit', auditor],
    ['/api/v1/audit/export?format=json&limit=5', '/api/v1/audit/export', auditor],
    ['/api/v1/audit/verify', '/api/v1/audit/verify', auditor],
  ]) {
    await checkAnswer(await get(path, token), 'GET', route, { status: 200 });
  }
  const due = await (await get('/api/v1/calendar/workdays?from=2025-09-30&n=5', reviewer)).json();
  assert.equal(due.due, '2025-10-14');
});

test('catalog answers match their schemas', async () => {
  const reviewer = await login('gd.reviewer');
  const police = await login('gd.police');
  const jm = await login('jm.police');

  // The element register: base data sourced from the legal source departments (GD-290 §14, §18–20).
  const els = await checkAnswer(await get('/api/v1/catalog/elements', reviewer), 'GET', '/api/v1/catalog/elements', { status: 200 });
  const source = Object.fromEntries(els.items.map((e) => [e.name, e]));
  assert.equal(source['公民身份号码']?.source_agency_name, '广东省公安厅');
  assert.equal(source['统一社会信用代码']?.source_agency_name, '广东省市场监督管理局');
  assert.equal(source['婚姻登记类型']?.source_agency_name, '广东省民政厅');
  const some = await checkAnswer(await get('/api/v1/catalog/elements?q=' + encodeURIComponent('证号'), police), 'GET', '/api/v1/catalog/elements', { status: 200 });
  assert.ok(some.count > 0 && some.items.every((e) => e.name.includes('证号')));

  // An entry from the demo: 人口基本信息 (in review) as its agency and its authority see it.
  const id = source['公民身份号码'].entry_id;
  for (const token of [police, reviewer]) {
    const e = await checkAnswer(await get('/api/v1/catalog/entries/' + id, token), 'GET', '/api/v1/catalog/entries/{id}', { status: 200 });
    assert.equal(e.name, '人口基本信息（户籍登记信息）');
    assert.equal(e.status, 'in_review');
    assert.equal(e.versions[0].state, 'submitted');
  }
  // A published entry in its second version, with the diff of the two.
  const v2 = source['企业名称'].entry_id;
  const firm = await checkAnswer(await get('/api/v1/catalog/entries/' + v2, jm), 'GET', '/api/v1/catalog/entries/{id}', { status: 200 });
  assert.equal(firm.published_version, 2);
  assert.deepEqual(firm.versions.map((v) => v.state), ['published', 'superseded']);
  const diff = await checkAnswer(await get(`/api/v1/catalog/entries/${v2}/diff?from=1&to=2`, jm), 'GET', '/api/v1/catalog/entries/{id}/diff', { status: 200 });
  assert.ok(diff.changes.some((c) => c.field === 'update_freq' && c.new === 'realtime'));
  // An update owed after a change of legal basis (GD-290 §11).
  const owed = await checkAnswer(await get('/api/v1/catalog/entries/' + source['最低生活保障证编号'].entry_id, reviewer), 'GET', '/api/v1/catalog/entries/{id}', { status: 200 });
  assert.match(owed.update_due, /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/);

  const conflicts = await checkAnswer(await get('/api/v1/catalog/conflicts', reviewer), 'GET', '/api/v1/catalog/conflicts', { status: 200 });
  assert.equal(conflicts.count, 0, 'the demo raises no source conflict');
  await checkAnswer(await get('/api/v1/catalog/conflicts?state=open', police), 'GET', '/api/v1/catalog/conflicts', { status: 200 });
  const filings = await checkAnswer(await get('/api/v1/catalog/filings', reviewer), 'GET', '/api/v1/catalog/filings', { status: 200 });
  assert.ok(filings.count >= 3, 'not-shared entries are filed (GD-290 §13)');
  assert.ok(filings.items.every((f) => f.basis.includes('《')));

  // JM §9: the information system with its documents.
  const systems = await checkAnswer(await get('/api/v1/catalog/registers/system', jm), 'GET', '/api/v1/catalog/registers/{kind}', { status: 200 });
  assert.equal(systems.items[0].documents.length, 2);

  // A draft without a name: a problem naming the field; nothing is created.
  let res = await fetch(node.url + '/api/v1/catalog/entries', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + police },
    body: JSON.stringify({ class_code: '1010100100001', summary: '缺少名称', items: [{ name: '姓名', type: 'Z', grade: 'general-3' }] }),
  });
  let p = await checkAnswer(res, 'POST', '/api/v1/catalog/entries', { status: 400 });
  assert.equal(p.code, 'catalog.required');
  assert.ok(p.errors.some((e) => e.field === 'name'));
  assert.ok(p.errors.some((e) => e.field === 'items[0].type'), 'every field at fault is named');
  // An unknown field and a grade over the limit are problems too.
  res = await fetch(node.url + '/api/v1/catalog/entries', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + police },
    body: JSON.stringify({ name: '测试', class_code: '1010100100001', share_type: 'unconditional', items: [{ name: '身份证号', type: 'C', length: 18, grade: 'general-3' }] }),
  });
  p = await checkAnswer(res, 'POST', '/api/v1/catalog/entries', { status: 400 });
  assert.equal(p.errors[0].field, 'items[0].grade');
  assert.equal(p.errors[0].code, 'catalog.grade_over_limit');
  // Public users do not read the government catalog.
  const pub = await login('public');
  p = await checkAnswer(await get('/api/v1/catalog/entries/' + id, pub), 'GET', '/api/v1/catalog/entries/{id}', { status: 403 });
  assert.equal(p.code, 'auth.forbidden');
});

test('errors are problem details in the caller\'s language', async () => {
  // unknown field in the login body
  let res = await fetch(node.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'gd.reviewer', password, role: 'admin' }),
  });
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  let p = await checkAnswer(res, 'POST', '/api/v1/session', { status: 400 });
  assert.equal(p.code, 'request.unknown_field');
  assert.equal(p.type, 'urn:pubdata:problem:request.unknown_field');
  assert.equal(p.errors[0].field, 'role');
  assert.equal(p.title, '请求有误');
  assert.equal(p.request_id, res.headers.get('x-request-id'));

  // wrong password, in English
  res = await fetch(node.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' },
    body: JSON.stringify({ username: 'public', password: 'wrong password 1A' }),
  });
  p = await checkAnswer(res, 'POST', '/api/v1/session', { status: 401 });
  assert.equal(p.code, 'auth.bad_login');
  assert.equal(p.title, 'Unauthorized');

  // a permission the role lacks
  const token = await login('gd.hrss.user');
  p = await checkAnswer(await get('/api/v1/audit', token), 'GET', '/api/v1/audit', { status: 403 });
  assert.equal(p.code, 'auth.forbidden');

  // a bad query parameter names the field; an invalid credit code is refused and changes nothing
  p = await checkAnswer(await get('/api/v1/agencies?jurisdiction=44', token), 'GET', '/api/v1/agencies', { status: 400 });
  assert.equal(p.errors[0].field, 'jurisdiction');
  const admin = await login('admin');
  const before = await (await get('/api/v1/agencies', admin)).json();
  res = await fetch(node.url + '/api/v1/agencies', {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + admin },
    body: JSON.stringify({ credit_code: '91441300MA4UXXXXX0', name: '', jurisdiction_code: '441300' }),
  });
  p = await checkAnswer(res, 'POST', '/api/v1/agencies', { status: 400 });
  assert.ok(p.errors.length >= 2, 'every field at fault is named');
  assert.ok(p.errors.some((e) => e.field === 'name'));
  const afterList = await (await get('/api/v1/agencies', admin)).json();
  assert.equal(afterList.count, before.count);

  // not found
  p = await checkAnswer(await get('/api/v1/rules/nowhere', token), 'GET', '/api/v1/rules/{profile}', { status: 404 });
  assert.equal(p.code, 'rules.profile_not_found');
});
