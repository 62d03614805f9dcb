// Timeouts with small configured windows: slow heads and bodies get 408,
// silent and idle connections are closed quietly, clients that never read are
// dropped, lingering close ends, and well-behaved clients are unaffected.
// Time bounds here are hang detectors (generous upper bounds), not performance
// assertions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAll } from './helpers/parse.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil, type Running } from './helpers/server.js';

let srv: Running;
const bodyEvents: string[] = [];
const test = suite('timeouts');

const TIMEOUTS = { header: 300, body: 300, minReceiveRate: 1000, keepAlive: 300, send: 300, linger: 300 };

test.before(async () => {
  srv = await start(
    (s) => {
      s.get('/ok', (_q, r) => r.end('ok'));
      s.get('/slow-handler', async (_q, r) => {
        await sleep(900);
        r.end('finally');
      });
      s.get('/huge', (_q, r) => r.end(Buffer.alloc(64 << 20, 0x78)));
      s.post('/body', async (q, r) => {
        try {
          const b = await q.bytes();
          bodyEvents.push(`ok ${b.length}`);
          r.end(`got ${b.length}`);
        } catch (e) {
          bodyEvents.push(`error ${(e as Error).message}`);
          throw e;
        }
      });
    },
    { timeouts: TIMEOUTS },
  );
});

test.after.each(() => destroyAllSockets());
// Each test starts with no connection left over from the one before, so the
// counters and gauges it reads are its own.
test.before.each(async () => {
  await waitUntil(() => srv.server.stats().connectionsOpen === 0, 3000, () => JSON.stringify(srv.server.stats()));
});
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

test('a client dribbling its head (1 byte / 100 ms) gets 408 and a close', async () => {
  const t0 = Date.now();
  const before = srv.server.stats().timeoutsTotal;
  const c = await RawClient.open(srv.port);
  const head = get('/ok', 'X-Slow: 1\r\n');
  let sent = 0;
  const dribble = (async () => {
    for (const ch of head) {
      if (c.peerEnded || c.socket.destroyed) return;
      c.socket.write(ch);
      sent++;
      await sleep(100);
    }
  })();
  const all = await c.readToEnd(3000);
  const elapsed = Date.now() - t0;
  await dribble;
  const rs = parseAll(all);
  assert.equal(rs.map((r) => r.status), [408]);
  assert.is(rs[0]!.headers['connection'], 'close');
  assert.is(rs[0]!.reason, 'Request Timeout');
  assert.ok(sent < head.length, 'the head never completed');
  assert.ok(elapsed < 3000, `closed after ${elapsed} ms`);
  assert.ok(srv.server.stats().timeoutsTotal > before);
  c.destroy();
});

test('timeouts.headerTotal: a head trickled above minReceiveRate but never finished still gets 408', async () => {
  // Regression (conformance:framing slow-header-steady-600Bps): each window was
  // fast enough, so the rate rule alone renewed it until maxHeaderBytes.
  const s = await start((x) => x.get('/ok', (_q, r) => r.end('ok')), {
    timeouts: { ...TIMEOUTS, headerTotal: 900 },
  });
  const t0 = Date.now();
  const c = await RawClient.open(s.port);
  await c.write('GET /ok HTTP/1.1\r\nHost: t\r\n');
  let stop = false;
  const trickle = (async () => {
    // ~2000 B/s of header lines: twice minReceiveRate, forever.
    while (!stop && !c.peerEnded && !c.socket.destroyed) {
      c.socket.write(`X-Pad: ${'p'.repeat(190)}\r\n`);
      await sleep(100);
    }
  })();
  const all = await c.readToEnd(4000);
  stop = true;
  await trickle;
  const elapsed = Date.now() - t0;
  const rs = parseAll(all);
  assert.equal(rs.map((r) => r.status), [408]);
  assert.ok(elapsed < 2500, `closed after ${elapsed} ms`);
  c.destroy();
});

test('timeouts.headerTotal counts per head: a keep-alive client with split heads over many windows is served', async () => {
  const s = await start((x) => x.get('/ok', (_q, r) => r.end('ok')), {
    timeouts: { ...TIMEOUTS, keepAlive: 2000, headerTotal: 600 },
  });
  const c = await RawClient.open(s.port);
  const head = get('/ok');
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < 1500) {
    // Each head in two pieces, so the connection sits in a partial head between reads.
    await c.write(head.slice(0, 10));
    await sleep(30);
    await c.write(head.slice(10));
    const r = await c.response({ timeout: 2000 });
    assert.is(r.status, 200);
    n++;
  }
  assert.ok(n > 10, `${n} requests`);
  assert.not.ok(c.peerEnded);
  c.destroy();
});

test('a head that is fast enough over several windows is not cut off', async () => {
  // 4000 bytes at ~4000 B/s: well above minReceiveRate, across several 300 ms windows.
  const pad = 'x'.repeat(3900);
  const head = get('/ok', `X-Pad: ${pad}\r\n`);
  const c = await RawClient.open(srv.port);
  for (let i = 0; i < head.length; i += 400) {
    await c.write(head.slice(i, i + 400));
    await sleep(100);
  }
  const r = await c.response({ timeout: 3000 });
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'ok');
  c.destroy();
});

test('a silent fresh connection is closed without a response', async () => {
  const t0 = Date.now();
  const c = await RawClient.open(srv.port);
  const all = await c.readToEnd(3000);
  assert.is(all.length, 0, `no bytes expected, got ${JSON.stringify(all.toString('latin1'))}`);
  assert.ok(Date.now() - t0 < 3000);
  c.destroy();
});

test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/ok'));
  assert.is((await c.response()).status, 200);
  const t0 = Date.now();
  const rest = await c.readToEnd(3000);
  assert.is(rest.length, 0, 'closed quietly, no response');
  assert.ok(Date.now() - t0 < 3000);
  c.destroy();
});

test('a fast client making requests more often than the keep-alive timeout is unaffected', async () => {
  const c = await RawClient.open(srv.port);
  const t0 = Date.now();
  let n = 0;
  // Longer in total than every configured timeout, never idle for long.
  while (Date.now() - t0 < 1200) {
    // Half a head, a short pause, the rest: partial heads are fine if fast enough.
    const h = get('/ok');
    await c.write(h.slice(0, 10));
    await sleep(20);
    await c.write(h.slice(10));
    const r = await c.response();
    assert.is(r.status, 200);
    n++;
    await sleep(60);
  }
  assert.ok(n >= 5);
  assert.not.ok(c.peerEnded, 'still open');
  c.destroy();
});

test('a slow handler is not subject to the read timeouts', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/slow-handler'));
  const r = await c.response({ timeout: 5000 });
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'finally');
  // And the keep-alive timer starts only now.
  await c.write(get('/ok'));
  assert.is((await c.response()).status, 200);
  c.destroy();
});

test('a body dribbled too slowly: 408 for that request, the handler learns, then close', async () => {
  bodyEvents.length = 0;
  const c = await RawClient.open(srv.port);
  await c.write('POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n');
  const dribble = (async () => {
    for (let i = 0; i < 40 && !c.peerEnded && !c.socket.destroyed; i++) {
      c.socket.write('a');
      await sleep(100);
    }
  })();
  const all = await c.readToEnd(3000);
  await dribble;
  const rs = parseAll(all);
  assert.equal(rs.map((r) => r.status), [408], all.toString('latin1'));
  assert.is(rs[0]!.headers['connection'], 'close');
  await waitUntil(() => bodyEvents.length > 0, 2000);
  assert.equal(bodyEvents, ['error request body timed out (408)']);
  c.destroy();
});

test('a body sent fast enough is accepted', async () => {
  bodyEvents.length = 0;
  const c = await RawClient.open(srv.port);
  await c.write('POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n');
  for (let i = 0; i < 10; i++) {
    await c.write(Buffer.alloc(10000, 0x62));
    await sleep(50);
  }
  const r = await c.response({ timeout: 3000 });
  assert.is(r.body.toString(), 'got 100000');
  c.destroy();
});

test('a client that never reads a large response is dropped after the send timeout', async () => {
  const base = srv.server.stats();
  const c = await RawClient.open(srv.port);
  c.socket.pause(); // never read: the server's writes stall
  await c.write(get('/huge'));
  await waitUntil(() => srv.server.stats().timeoutsTotal > base.timeoutsTotal, 5000, () => JSON.stringify(srv.server.stats()));
  await waitUntil(() => srv.server.stats().connectionsOpen === 0, 3000, () => JSON.stringify(srv.server.stats()));
  assert.ok(srv.server.stats().abortedTotal > base.abortedTotal, 'counted as aborted');
  c.destroy();
});

test('lingering close ends even if the client never closes its side', async () => {
  const c = await RawClient.open(srv.port, { halfOpen: true });
  await c.write('BAD\r\n\r\n');
  const rs = parseAll(await c.readToEnd(3000));
  assert.equal(rs.map((r) => r.status), [400]);
  // The client keeps its side open (allowHalfOpen): the server gives up lingering.
  assert.not.ok(c.socket.destroyed);
  await waitUntil(() => srv.server.stats().connectionsOpen === 0, 3000, () => JSON.stringify(srv.server.stats()));
  c.destroy();
});

test('timeout counters and gauges settle', async () => {
  await waitUntil(() => {
    const s = srv.server.stats();
    return s.connectionsOpen === 0 && s.lingering === 0 && s.reading === 0 && s.keepAlive === 0;
  }, 3000, () => JSON.stringify(srv.server.stats()));
  assert.ok(srv.server.stats().timeoutsTotal >= 4);
});

test.run();
