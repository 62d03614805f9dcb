// Per-connection memory caps over raw sockets: input a connection holds before
// JS has it (limits.maxInputBuffer), unsent response bytes that stop further
// pipelined requests (limits.maxUnsentBytes), and idle keep-alive connections
// holding no input buffer at all. The 431/413 limits on heads and bodies are
// in malformed.test.ts and request-body.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from '../src/index.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { sleep, start, stop, stopAll, waitUntil } from './helpers/server.js';

const test = suite('per-connection memory caps');

test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
});

/** Polls f until it returns the same value for `quietMs`, then returns it. */
async function settled(f: () => number, quietMs = 300, deadlineMs = 5000): Promise<number> {
  const end = Date.now() + deadlineMs;
  let last = f();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(25);
    const v = f();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return v;
    }
  }
  return last;
}

test('a client pipelining far ahead of unanswered requests: input held stays within limits.maxInputBuffer, then all are answered in order', async () => {
  const cap = 24 * 1024;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const s = await start(
    (x) =>
      x.get('/gate/:i', async (q, r) => {
        await gate;
        r.end(`#${q.params['i']}`);
      }),
    { limits: { maxHeaderBytes: 8192, maxInputBuffer: cap, maxPipelined: 4 } },
  );
  const n = 2000;
  const pad = 'p'.repeat(200);
  let bytes = '';
  for (let i = 0; i < n; i++) bytes += `GET /gate/${i} HTTP/1.1\r\nHost: a\r\nX-Pad: ${pad}\r\n\r\n`;
  assert.ok(bytes.length > 10 * cap, 'the client sends far more than the cap');
  const c = await RawClient.open(s.port);
  void c.write(bytes); // not awaited: the server stops reading, so the write cannot finish yet
  await waitUntil(() => s.server.stats().requestsTotal >= 4 && s.server.stats().inputBufferedBytes > 0, 5000);
  const held = await settled(() => s.server.stats().inputBufferedBytes);
  const st = s.server.stats();
  assert.ok(held > 0 && held <= cap, `input held ${held} bytes, cap ${cap}`);
  assert.is(st.requestsTotal, 4, 'only maxPipelined requests reached JS');
  open();
  const rs = await c.responses(n, { timeout: 15000 });
  assert.equal(
    rs.map((r) => r.body.toString()),
    Array.from({ length: n }, (_, i) => `#${i}`),
  );
  await waitUntil(() => s.server.stats().inputBufferedBytes === 0, 2000, () => JSON.stringify(s.server.stats()));
});

test('idle keep-alive connections hold no input buffer; a partial head holds one until it completes', async () => {
  const s = await start((x) => x.get('/x', (q, r) => r.end('ok')));
  const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.open(s.port)));
  await Promise.all(clients.map((c) => c.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\n')));
  for (const c of clients) assert.equal((await c.responses(1)).map((r) => r.status), [200]);
  assert.is(s.server.stats().inputBufferedBytes, 0);
  assert.is(s.server.stats().keepAlive, 20);
  const c = clients[0]!;
  await c.write('GET /x HTTP/1.1\r\nHost: a\r\n');
  await waitUntil(() => s.server.stats().inputBufferedBytes > 0, 2000);
  await c.write('\r\n');
  assert.equal((await c.responses(1)).map((r) => r.status), [200]);
  await waitUntil(() => s.server.stats().inputBufferedBytes === 0, 2000, () => JSON.stringify(s.server.stats()));
});

test('the smallest allowed maxInputBuffer still admits a head just under maxHeaderBytes, dribbled in pieces', async () => {
  const s = await start((x) => x.get('/x', (q, r) => r.end(String(q.headers['x-big']?.length ?? -1))), {
    limits: { maxHeaderBytes: 8192, maxInputBuffer: 8193 },
  });
  const head = (valueLen: number): string => `GET /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'v'.repeat(valueLen)}\r\n\r\n`;
  const fits = head(8192 - head(0).length);
  assert.is(fits.length, 8192);
  const c = await RawClient.open(s.port);
  for (let i = 0; i < fits.length; i += 1000) await c.write(fits.slice(i, i + 1000));
  const [ok] = await c.responses(1);
  assert.is(ok!.status, 200);
  assert.is(ok!.body.toString(), String(8192 - head(0).length));
  // One byte more is over maxHeaderBytes: 431, not a stall at the input cap.
  const over = head(8193 - head(0).length);
  for (let i = 0; i < over.length; i += 1000) await c.write(over.slice(i, i + 1000));
  const [tooBig] = await c.responses(1);
  assert.is(tooBig!.status, 431);
});

test('limits.maxUnsentBytes: a client that does not read stops further pipelined requests; all answered once it reads', async () => {
  const size = 256 * 1024;
  const s = await start((x) => x.get('/big/:i', (q, r) => r.end(Buffer.alloc(size, 97 + (Number(q.params['i']) % 26)))), {
    limits: { maxPipelined: 1024, maxUnsentBytes: 64 * 1024 },
  });
  const n = 200;
  const c = await RawClient.open(s.port);
  c.socket.pause(); // read nothing: the kernel buffers fill, then the server's unsent bytes grow
  // In batches over time: the cap is checked before each request is taken, and
  // unsent bytes only grow once responses come back, so one batch read at once
  // is bounded by maxPipelined alone.
  for (let i = 0; i < n; i += 5) {
    let batch = '';
    for (let k = i; k < i + 5; k++) batch += `GET /big/${k} HTTP/1.1\r\nHost: a\r\n\r\n`;
    await c.write(batch);
    await sleep(10);
  }
  const dispatched = await settled(() => s.server.stats().requestsTotal);
  assert.ok(dispatched >= 1 && dispatched < n, `${dispatched} of ${n} requests reached JS while the client read nothing`);
  c.socket.resume();
  const rs = await c.responses(n, { timeout: 20000 });
  assert.is(rs.length, n);
  rs.forEach((r, i) => {
    assert.is(r.body.length, size);
    assert.is(r.body[0], 97 + (i % 26));
  });
  await stop(s.server);
});

test('option validation: maxInputBuffer must exceed maxHeaderBytes; maxUnsentBytes must be positive', () => {
  assert.throws(() => createServer({ limits: { maxHeaderBytes: 16384, maxInputBuffer: 16384 } }), /maxInputBuffer/);
  assert.throws(() => createServer({ limits: { maxUnsentBytes: 0 } }), /maxUnsentBytes/);
  assert.not.throws(() => createServer({ limits: { maxHeaderBytes: 16384, maxInputBuffer: 16385, maxUnsentBytes: 1 } }));
});

test.run();
