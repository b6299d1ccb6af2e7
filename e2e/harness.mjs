// Starts a real pubdata demo node on a random port with a fresh data
// directory, for browser and API-document tests. The binary is built by the
// test command (scripts/test.sh) into e2e/.bin/pubdata, or named by PUBDATA_BIN.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const bin = process.env.PUBDATA_BIN || join(here, '.bin', 'pubdata');
export const password = 'Pubdata#2026';

export async function startDemo() {
  const data = mkdtempSync(join(tmpdir(), 'pubdata-e2e-'));
  const proc = spawn(bin, ['demo', '--addr', '127.0.0.1:0', '--data', data, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pubdata demo did not start in 180s:\n' + out + err)), 180000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/pubdata demo: (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`pubdata demo exited ${code}:\n${out}${err}`)); });
  });
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// Launch options for Debian's Chromium; nothing is downloaded.
export const chromiumOptions = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
};

// openPage opens a fresh browser context (no cookies) that fails the test
// on any CSP violation or script error: the portal must work under its own
// CSP. Error pages a test asks for (4xx) are logged as failed loads; those
// are expected.
export async function openPage(browser, t, { locale = 'zh-CN', width = 1366 } = {}) {
  const ctx = await browser.newContext({ locale, viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  t.after(async () => {
    await ctx.close();
    if (problems.length) throw new Error('console errors: ' + problems.join('\n'));
  });
  return page;
}

// signIn logs in through the form and waits to leave the login page.
export async function signIn(page, baseURL, username) {
  await page.goto(baseURL + '/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

// signOut logs out with the header's button.
export async function signOut(page) {
  await Promise.all([page.waitForURL(/\/login$/), page.click('form.logout button')]);
}
