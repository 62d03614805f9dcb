// timeouts.handler: a handler that never answers gets a 503 and the
// connection keeps serving; one that started streaming is cut off instead.
import http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, stopAll, type Running } from './helpers/server.js';

const test = suite('handler timeout');
let S: Running;

test.before(async () => {
  S = await start(
    (s) => {
      s.get('/never', () => new Promise<void>(() => {})); // never answers
      s.get('/half', (_q, r) => {
        r.write('partial');
        return new Promise<void>(() => {}); // started, never ends
      });
      s.get('/late', async (_q, r) => {
        await new Promise((x) => setTimeout(x, 400));
        r.end('too late'); // after the 503: must be ignored
      });
      s.get('/ok', (_q, r) => r.end('ok'));
    },
    { timeouts: { handler: 150 } },
  );
});

test.after(async () => {
  await stopAll();
});

function get(agent: http.Agent, path: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ port: S.port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, body, error: e.message }));
    });
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

test('a handler that never answers gets 503 with Retry-After, and the connection keeps serving', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const t0 = Date.now();
    const r = await get(agent, '/never');
    assert.is(r.status, 503);
    assert.ok(r.body.includes('did not answer in time'));
    assert.ok(Date.now() - t0 < 5000, 'answered well before any hang detector');
    const again = await get(agent, '/ok');
    assert.is(again.status, 200);
    assert.is(again.body, 'ok');
  } finally {
    agent.destroy();
  }
});

test('a late end() after the 503 is ignored', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const r = await get(agent, '/late');
    assert.is(r.status, 503);
    await new Promise((x) => setTimeout(x, 500));
    const again = await get(agent, '/ok');
    assert.is(again.body, 'ok');
  } finally {
    agent.destroy();
  }
});

test('a handler that started its response and stalls is cut off (no hang)', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const r = await get(agent, '/half');
    assert.is(r.status, 200);
    assert.ok(r.error !== undefined || !r.body.endsWith('\r\n'), 'the truncated body is visible to the client');
    assert.ok(r.body.startsWith('partial'));
  } finally {
    agent.destroy();
  }
});

test('nothing is left pending afterwards', async () => {
  await new Promise((x) => setTimeout(x, 600));
  const s = S.server.stats();
  assert.is(s.requestsPending, 0);
  assert.is(s.poolsLive, 0);
});

test.run();
