// Server lifecycle: listening on an ephemeral port, several servers at once,
// graceful close (in-flight requests finish, idle connections close, new
// connections are refused), forced close after the timeout, and the counters.
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from '../src/index.js';
import { parseAll } from './helpers/parse.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { sleep, start, stop, stopAll, waitUntil, within } from './helpers/server.js';

const test = suite('lifecycle');
// Connections that arrive once close() began are never served, in every MPM.
const drainAcceptTest = test;

test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
});

/** Resolves with the connect error code, or 'connected' (then the socket is destroyed). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

test('listen on port 0: a real port, the address, listening flag', async () => {
  const s = createServer({ port: 0 });
  s.get('/', (_q, r) => r.end('x'));
  assert.not.ok(s.listening);
  assert.throws(() => s.address, /not listening/);
  try {
    const a = await s.listen();
    assert.is(a.host, '127.0.0.1');
    assert.ok(a.port > 0 && a.port < 65536);
    assert.equal(s.address, a);
    assert.ok(s.listening);
    const res = await fetch(`http://127.0.0.1:${a.port}/`);
    assert.is(await res.text(), 'x');
  } finally {
    await s.close();
  }
  assert.not.ok(s.listening);
});

test('listen() twice on one server is an error', async () => {
  const { server } = await start((s) => s.get('/', (_q, r) => r.end('x')));
  let err: unknown = null;
  try {
    await server.listen();
  } catch (e) {
    err = e;
  }
  assert.match(String(err), /already listening/);
});

test('a port in use: listen() fails', async () => {
  const a = await start((s) => s.get('/', (_q, r) => r.end('a')));
  const b = createServer({ port: a.port });
  let err: unknown = null;
  try {
    await b.listen();
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected EADDRINUSE');
  await b.close();
  // The first server is unaffected.
  assert.is(await (await fetch(`${a.base}/`)).text(), 'a');
});

test('two servers at once, each with its own routes and counters', async () => {
  const a = await start((s) => s.get('/who', (_q, r) => r.end('A')));
  const b = await start((s) => s.get('/who', (_q, r) => r.end('B')));
  assert.is.not(a.port, b.port);
  const [ra, rb] = await Promise.all([fetch(`${a.base}/who`), fetch(`${b.base}/who`)]);
  assert.is(await ra.text(), 'A');
  assert.is(await rb.text(), 'B');
  for (let i = 0; i < 5; i++) await (await fetch(`${a.base}/who`)).text();
  assert.is(a.server.stats().requestsTotal, 6);
  assert.is(b.server.stats().requestsTotal, 1);
  await stop(a.server);
  // Closing one leaves the other serving.
  assert.is(await (await fetch(`${b.base}/who`)).text(), 'B');
  assert.is(await tryConnect(a.port), 'ECONNREFUSED');
});

test('close() is graceful: an in-flight slow request completes with 200, then its connection closes', async () => {
  let started = false;
  const { server, port } = await start((s) =>
    s.get('/slow', async (_q, r) => {
      started = true;
      await sleep(300);
      r.end('done');
    }),
  );
  const c = await RawClient.open(port);
  await c.write(get('/slow'));
  await waitUntil(() => started, 2000);
  const closed = within(server.close(), 5000, 'close()');
  const rs = parseAll(await c.readToEnd(5000));
  assert.is(rs.length, 1);
  assert.is(rs[0]!.status, 200);
  assert.is(rs[0]!.body.toString(), 'done');
  assert.is(rs[0]!.headers['connection'], 'close', 'responses during shutdown announce the close');
  await closed;
  c.destroy();
});

test('close(): pipelined requests already received are all answered', async () => {
  const { server, port } = await start((s) =>
    s.get('/n/:i', async (q, r) => {
      await sleep(50);
      r.end(q.params['i']!);
    }),
  );
  const c = await RawClient.open(port);
  await c.write(get('/n/1') + get('/n/2') + get('/n/3'));
  await waitUntil(() => server.stats().requestsTotal >= 1, 2000);
  const closed = within(server.close(), 5000, 'close()');
  const rs = parseAll(await c.readToEnd(5000));
  // At least the request in flight is answered; every answered one is complete and in order.
  assert.ok(rs.length >= 1);
  assert.equal(rs.map((r) => r.body.toString()), ['1', '2', '3'].slice(0, rs.length));
  assert.is(rs[rs.length - 1]!.headers['connection'], 'close');
  await closed;
  c.destroy();
});

drainAcceptTest('close(): new connections are refused once it resolved, and never served while it runs', async () => {
  const { server, port } = await start((s) => {
    s.get('/slow', async (_q, r) => {
      await sleep(300);
      r.end('done');
    });
    s.get('/ok', (_q, r) => r.end('ok'));
  });
  const c = await RawClient.open(port);
  await c.write(get('/slow'));
  await waitUntil(() => server.stats().requestsTotal === 1, 2000);
  const closed = within(server.close(), 5000, 'close()');
  await sleep(20);
  // While draining: a newcomer is refused or dropped, but never answered.
  const late = new RawClient(port);
  late.connected.catch(() => {});
  late.socket.write(get('/ok'));
  await closed;
  await late.waitEnd(3000).catch(() => {});
  assert.is(parseAll(late.received()).length, 0, 'no response for a connection made during close()');
  assert.ok(late.peerEnded || late.error !== null);
  assert.is(parseAll(await c.readToEnd()).map((r) => r.status).join(), '200');
  assert.is(await tryConnect(port), 'ECONNREFUSED');
  late.destroy();
  c.destroy();
});

test('close() closes idle keep-alive connections and resolves promptly', async () => {
  const { server, port } = await start((s) => s.get('/ok', (_q, r) => r.end('ok')), { timeouts: { keepAlive: 60000 } });
  const clients: RawClient[] = [];
  for (let i = 0; i < 5; i++) {
    const c = await RawClient.open(port);
    await c.write(get('/ok'));
    assert.is((await c.response()).status, 200);
    clients.push(c);
  }
  // One fresh connection that never sent anything, too.
  clients.push(await RawClient.open(port));
  await waitUntil(() => server.stats().connectionsOpen === 6, 2000);
  const t0 = Date.now();
  await within(server.close(), 3000, 'close() with idle connections');
  for (const c of clients) {
    const rest = await c.readToEnd(2000);
    assert.is(rest.length, 0, 'idle connections close without a response');
    c.destroy();
  }
  assert.ok(Date.now() - t0 < 3000);
  assert.is(server.stats().connectionsOpen, 0);
});

test('close() with a handler that never finishes: aborted after the timeout, close() resolves', async () => {
  let aborted: boolean | null = null;
  let resRef: { aborted: boolean } | null = null;
  const { server, port } = await start((s) =>
    s.get('/hang', (_q, r) => {
      resRef = r;
      return new Promise<void>(() => {}); // never settles
    }),
  );
  const c = await RawClient.open(port);
  await c.write(get('/hang'));
  await waitUntil(() => resRef !== null, 2000);
  await within(server.close({ timeout: 200 }), 4000, 'close({ timeout: 200 })');
  await c.waitEnd(3000);
  assert.is(parseAll(c.received()).length, 0, 'no response was ever made');
  aborted = resRef!.aborted;
  assert.ok(aborted, 'the response reports the abort');
  c.destroy();
});

test('close() with nothing open resolves; calling it twice is harmless; listen() again works', async () => {
  const s: Server = createServer({ port: 0 });
  s.get('/', (_q, r) => r.end('again'));
  await s.listen();
  await within(s.close(), 2000, 'close()');
  await within(s.close(), 2000, 'second close()');
  const a = await s.listen();
  try {
    assert.is(await (await fetch(`http://127.0.0.1:${a.port}/`)).text(), 'again');
  } finally {
    await s.close();
  }
  // close() on a server that never listened.
  await within(createServer({ port: 0 }).close(), 1000, 'close() before listen()');
});

test('stats(): requestsTotal, responsesTotal, connectionsTotal, connectionsOpen move as expected', async () => {
  const { server, port } = await start((s) => s.get('/ok', (_q, r) => r.end('ok')));
  const s0 = server.stats();
  assert.is(s0.requestsTotal, 0);
  assert.is(s0.connectionsTotal, 0);
  assert.is(s0.connectionsOpen, 0);
  const c = await RawClient.open(port);
  await c.write(get('/ok') + get('/ok') + get('/ok'));
  await c.responses(3);
  // The writer counts a response right after its bytes went out; on the
  // thread MPMs that is another thread, so the client can be a moment ahead.
  await waitUntil(() => server.stats().responsesTotal === 3, 2000, () => JSON.stringify(server.stats()));
  let s1 = server.stats();
  assert.is(s1.connectionsTotal, 1);
  assert.is(s1.connectionsOpen, 1);
  assert.is(s1.requestsTotal, 3);
  assert.is(s1.responsesTotal, 3);
  assert.ok(s1.bytesWritten > 0);
  const d = await RawClient.open(port);
  await d.write(get('/nope'));
  assert.is((await d.response()).status, 404);
  await waitUntil(() => server.stats().responsesTotal === 4, 2000, () => JSON.stringify(server.stats()));
  s1 = server.stats();
  assert.is(s1.connectionsTotal, 2);
  assert.is(s1.requestsTotal, 4);
  assert.is(s1.responsesTotal, 4);
  // A rejected request counts as an error, not as a dispatched request.
  const e = await RawClient.open(port);
  await e.write('BAD\r\n\r\n');
  await e.readToEnd();
  c.destroy();
  d.destroy();
  e.destroy();
  await waitUntil(() => server.stats().connectionsOpen === 0, 3000, () => JSON.stringify(server.stats()));
  const s2 = server.stats();
  assert.is(s2.connectionsTotal, 3);
  assert.is(s2.requestsTotal, 4);
  assert.is(s2.errorsTotal, 1);
  assert.is(s2.poolsLive, 0);
  assert.is(s2.requestsPending, 0);
  await stop(server);
  // After close the counters read as zero (no native server).
  assert.is(server.stats().connectionsOpen, 0);
});

test('stats(): requestsPending counts unfinished async handlers', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const { server, port } = await start((s) =>
    s.get('/wait', async (_q, r) => {
      await gate;
      r.end('released');
    }),
  );
  const clients = await Promise.all([1, 2, 3].map(() => RawClient.open(port)));
  for (const c of clients) await c.write(get('/wait'));
  await waitUntil(() => server.stats().requestsPending === 3, 2000, () => JSON.stringify(server.stats()));
  release();
  for (const c of clients) assert.is((await c.response()).body.toString(), 'released');
  assert.is(server.stats().requestsPending, 0);
  for (const c of clients) c.destroy();
});

test('invalid options are rejected before listening', () => {
  assert.throws(() => createServer({ port: 70000 }), /port/);
  assert.throws(() => createServer({ limits: { maxHeaders: 0 } }), /maxHeaders/);
  assert.throws(() => createServer({ timeouts: { header: 0 } }), /timeouts\.header/);
  assert.throws(() => createServer({ requestRingBytes: 100000 }), /power of two/);
});

test.run();
