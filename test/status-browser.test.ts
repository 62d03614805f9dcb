// The status page in a real headless Chromium (Debian's chromium, driven by
// playwright-core; scripts/install-chromium.sh installs it): under load the
// page updates itself from ?json — requests/s becomes > 0 and the request
// total changes between two reads of the DOM — and a screenshot is saved to
// test-artifacts/status.png (status-worker.png: the worker MPM's scoreboard).
// Without JavaScript the meta refresh reloads it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { toolEnv } from './helpers/sanitizer.js';
import { start, stopAll } from './helpers/server.js';

const test = suite('status-browser');
const repo = fileURLToPath(new URL('..', import.meta.url));
const artifacts = path.join(repo, 'test-artifacts');

function chromiumPath(): string {
  const r = spawnSync('bash', [path.join(repo, 'scripts', 'install-chromium.sh')], { encoding: 'utf8' });
  const p = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || p === '') throw new Error(`no Chromium: run scripts/install-chromium.sh (${r.stderr.trim()})`);
  return p;
}

let browser: Browser | null = null;

test.before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'], env: toolEnv() });
});

test.after(async () => {
  await browser?.close();
});

test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
});

/**
 * Keep-alive clients sending requests back to back until stopped (bounded:
 * at most maxMs). Each waits for its response before the next request.
 */
function load(port: number, clients: number, maxMs: number): { stop: () => Promise<number> } {
  let running = true;
  let sent = 0;
  const end = Date.now() + maxMs;
  const workers = Array.from({ length: clients }, async () => {
    const c = new RawClient(port);
    await c.connected;
    while (running && Date.now() < end) {
      await c.write('GET /work HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.responses(1);
      ++sent;
      // Let the page's own requests through between bursts.
      if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    c.socket.destroy();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return sent;
    },
  };
}

const numberAt = (page: Page, sel: string): Promise<number> => page.$eval(sel, (e) => Number(e.getAttribute('data-value')));

test('the page updates itself under load; screenshot saved', async () => {
  const { port, base } = await start((s) => s.get('/work', (_q, r) => r.end('x'.repeat(512))), { status: true });
  const gen = load(port, 4, 20000);
  try {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/server-status`);
    // The first JS update marks the page live.
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, { timeout: 10000 });
    await page.waitForFunction(() => Number(document.getElementById('rps')?.getAttribute('data-value')) > 0, undefined, { timeout: 10000 });
    const t1 = await numberAt(page, '#total-requests');
    await page.waitForFunction((t) => Number(document.getElementById('total-requests')?.getAttribute('data-value')) !== t, t1, { timeout: 10000 });
    const t2 = await numberAt(page, '#total-requests');
    assert.ok(t2 > t1, `${t1} -> ${t2}`);
    assert.ok((await numberAt(page, '#rps')) > 0);
    assert.match(await page.textContent('#classes') ?? '', /no service classes configured/);
    assert.ok((await page.$$('#threads tbody tr')).length >= 1, 'scoreboard rows');
    assert.equal(errors, [], 'no script errors');
    fs.mkdirSync(artifacts, { recursive: true });
    const shot = path.join(artifacts, 'status.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 1000, 'a real screenshot');
    await page.close();
  } finally {
    await gen.stop();
  }
});

test('without JavaScript the meta refresh reloads the server-rendered figures', async () => {
  const { port, base } = await start((s) => s.get('/work', (_q, r) => r.end('x')), { status: true });
  const gen = load(port, 2, 20000);
  try {
    const ctx = await browser!.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${base}/server-status`);
    const t1 = await numberAt(page, '#total-requests');
    // A reload by the refresh brings a new document with a larger total.
    await page.waitForEvent('load', { timeout: 10000 });
    const t2 = await numberAt(page, '#total-requests');
    assert.ok(t2 > t1, `${t1} -> ${t2}`);
    assert.is(await page.textContent('#live'), '', 'no script ran');
    await ctx.close();
  } finally {
    await gen.stop();
  }
});

test('worker MPM: one scoreboard cell per thread, busy ones marked; screenshot saved', async () => {
  const { port, base } = await start((s) => s.get('/work', (_q, r) => r.end('y'.repeat(256))), { status: true, mpm: 'worker', threads: 8 });
  const gen = load(port, 3, 20000);
  try {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 1200 } });
    await page.goto(`${base}/server-status`);
    await page.waitForFunction(() => Number(document.getElementById('rps')?.getAttribute('data-value')) > 0, undefined, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('#scoreboard .st:not(.st-idle)').length >= 3, undefined, { timeout: 10000 });
    assert.is((await page.$$('#scoreboard .st')).length, 8);
    assert.is((await page.$$('#threads tbody tr')).length, 8);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'status-worker.png'), fullPage: true });
    await page.close();
  } finally {
    await gen.stop();
  }
});

test.run();
