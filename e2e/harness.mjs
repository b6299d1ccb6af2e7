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
    const timer = setTimeout(() => reject(new Error('pubdata demo did not start in 60s:\n' + out + err)), 60000);
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
