// Persistent connections and pipelining over raw sockets: many requests on one
// connection, pipelined requests answered strictly in request order whatever
// order their handlers finish in, and the rules for closing.
import * as http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { parseAll } from './helpers/parse.js';
import { sleep, start, stop, stopAll, waitUntil, type Running } from './helpers/server.js';

let srv: Running;
const test = suite('keep-alive and pipelining');

const big = (i: number): Buffer => Buffer.alloc(200 * 1024, 97 + i);

test.before(async () => {
  srv = await start((s) => {
    s.get('/echo-path/*', (q, r) => r.end(`path=${q.path}`));
    s.get('/n/:i', (q, r) => r.end(`#${q.params['i']}`));
    s.get('/slow/:ms/:tag', async (q, r) => {
      await sleep(Number(q.params['ms']));
      r.end(`slow-${q.params['tag']}`);
    });
    s.get('/fast/:tag', (q, r) => r.end(`fast-${q.params['tag']}`));
    s.get('/stream/:tag', async (q, r) => {
      r.write(`${q.params['tag']}:a,`);
      await sleep(5);
      r.end('b');
    });
    s.get('/big/:i', (q, r) => r.end(big(Number(q.params['i']))));
    s.post('/len', async (q, r) => r.end(`len=${(await q.bytes()).length}`));
  });
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

test('one socket serves 1,000 sequential keep-alive requests', async () => {
  const before = srv.server.stats();
  const c = await RawClient.open(srv.port);
  for (let i = 0; i < 1000; i++) {
    await c.write(get(`/n/${i}`));
    const r = await c.response();
    if (r.status !== 200 || r.body.toString() !== `#${i}`) {
      assert.unreachable(`request ${i}: ${r.status} ${r.body.toString()}`);
    }
  }
  assert.not.ok(c.peerEnded);
  const after = srv.server.stats();
  assert.is(after.connectionsTotal - before.connectionsTotal, 1, 'all on one connection');
  assert.is(after.requestsTotal - before.requestsTotal, 1000);
  c.destroy();
});

test('10 pipelined requests in one write are answered in order', async () => {
  const c = await RawClient.open(srv.port);
  let batch = '';
  for (let i = 0; i < 10; i++) batch += get(`/echo-path/req-${i}`);
  await c.write(batch);
  const rs = await c.responses(10);
  assert.equal(
    rs.map((r) => r.body.toString()),
    Array.from({ length: 10 }, (_, i) => `path=/echo-path/req-${i}`),
  );
  assert.ok(rs.every((r) => r.status === 200 && r.headers['connection'] === undefined));
  assert.not.ok(c.peerEnded);
  // The connection is still usable afterwards.
  await c.write(get('/echo-path/after'));
  assert.is((await c.response()).body.toString(), 'path=/echo-path/after');
  c.destroy();
});

test('pipelined: a slow async handler first, fast sync ones after: responses stay in request order', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/slow/80/a') + get('/fast/b') + get('/fast/c') + get('/slow/10/d') + get('/fast/e'));
  const rs = await c.responses(5);
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['slow-a', 'fast-b', 'fast-c', 'slow-d', 'fast-e'],
  );
  c.destroy();
});

test('pipelined: async handlers finishing in reverse order', async () => {
  const c = await RawClient.open(srv.port);
  const delays = [60, 45, 30, 15, 0];
  await c.write(delays.map((d, i) => get(`/slow/${d}/${i}`)).join(''));
  const rs = await c.responses(delays.length);
  assert.equal(
    rs.map((r) => r.body.toString()),
    delays.map((_, i) => `slow-${i}`),
  );
  c.destroy();
});

test('pipelined: streamed (chunked) responses interleaved with plain ones', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/stream/x') + get('/fast/1') + get('/stream/y') + get('/slow/20/2'));
  const rs = await c.responses(4);
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['x:a,b', 'fast-1', 'y:a,b', 'slow-2'],
  );
  assert.ok(rs[0]!.chunked && rs[2]!.chunked);
  c.destroy();
});

test('100 pipelined requests (far above maxPipelined) in one write, all answered in order', async () => {
  const c = await RawClient.open(srv.port);
  let batch = '';
  for (let i = 0; i < 100; i++) batch += i % 7 === 0 ? get(`/slow/1/${i}`) : get(`/n/${i}`);
  await c.write(batch);
  const rs = await c.responses(100, { timeout: 10000 });
  for (let i = 0; i < 100; i++) {
    assert.is(rs[i]!.body.toString(), i % 7 === 0 ? `slow-${i}` : `#${i}`, `response ${i}`);
  }
  c.destroy();
});

test('pipelined large responses (200 KiB each) arrive complete and in order', async () => {
  const c = await RawClient.open(srv.port);
  await c.write([0, 1, 2, 3, 4, 5].map((i) => get(`/big/${i}`)).join(''));
  const rs = await c.responses(6, { timeout: 10000 });
  for (let i = 0; i < 6; i++) assert.ok(rs[i]!.body.equals(big(i)), `body ${i}`);
  c.destroy();
});

test('pipelined requests with bodies mixed with GETs', async () => {
  const c = await RawClient.open(srv.port);
  const post = (n: number): string => `POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: ${n}\r\n\r\n${'z'.repeat(n)}`;
  const chunkedPost = 'POST /len HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n';
  await c.write(post(3) + get('/fast/g') + post(0) + chunkedPost + post(100) + get('/n/9'));
  const rs = await c.responses(6);
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['len=3', 'fast-g', 'len=0', 'len=5', 'len=100', '#9'],
  );
  c.destroy();
});

test('a request delivered one byte per write is parsed normally', async () => {
  const c = await RawClient.open(srv.port);
  const req = get('/n/77', 'X-Pad: 1234567890\r\n');
  for (const ch of req) {
    await c.write(ch);
  }
  const r = await c.response();
  assert.is(r.body.toString(), '#77');
  c.destroy();
});

test('Connection: close: the response says close and the server closes', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/fast/1') + get('/fast/2', 'Connection: close\r\n') + get('/fast/3'));
  const bytes = await c.readToEnd();
  const rs = parseAll(bytes);
  assert.is(rs.length, 2, 'the request after Connection: close is not answered');
  assert.is(rs[0]!.headers['connection'], undefined);
  assert.is(rs[1]!.body.toString(), 'fast-2');
  assert.is(rs[1]!.headers['connection'], 'close');
  c.destroy();
});

test('Connection: close on an async response: the server closes after it', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/slow/30/z', 'Connection: keep-alive, Close\r\n'));
  const rs = parseAll(await c.readToEnd());
  assert.is(rs.length, 1);
  assert.is(rs[0]!.body.toString(), 'slow-z');
  assert.is(rs[0]!.headers['connection'], 'close');
  c.destroy();
});

test('HTTP/1.0 without keep-alive: one response, then the server closes', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /n/1 HTTP/1.0\r\n\r\nGET /n/2 HTTP/1.0\r\n\r\n');
  const rs = parseAll(await c.readToEnd());
  assert.is(rs.length, 1);
  assert.is(rs[0]!.body.toString(), '#1');
  assert.is(rs[0]!.headers['connection'], 'close');
  c.destroy();
});

test('HTTP/1.0 keep-alive pipelined, the last without keep-alive', async () => {
  const c = await RawClient.open(srv.port);
  const ka = 'Connection: keep-alive\r\n';
  await c.write(`GET /n/1 HTTP/1.0\r\n${ka}\r\nGET /n/2 HTTP/1.0\r\n${ka}\r\nGET /n/3 HTTP/1.0\r\n\r\n`);
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.body.toString()), ['#1', '#2', '#3']);
  assert.equal(rs.map((r) => r.headers['connection']), ['keep-alive', 'keep-alive', 'close']);
  c.destroy();
});

test('client half-close after pipelined requests: all answered, then closed', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/fast/a') + get('/slow/20/b') + get('/fast/c'));
  c.socket.end();
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.body.toString()), ['fast-a', 'slow-b', 'fast-c']);
  c.destroy();
});

test('Node http.Agent with keepAlive reuses one connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = srv.server.stats().connectionsTotal;
  try {
    for (let i = 0; i < 20; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: srv.port, path: `/n/${i}`, agent }, (res) => {
            let b = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (b += d));
            res.on('end', () => resolve(b));
          })
          .on('error', reject);
      });
      assert.is(body, `#${i}`);
    }
    assert.is(srv.server.stats().connectionsTotal - before, 1);
  } finally {
    agent.destroy();
  }
});

// The last request of each says Connection: close, so thread-per-connection
// MPMs (fewer threads than clients) get to serve every client too.
test('200 concurrent keep-alive connections, 5 requests each', async () => {
  // Earlier tests' connections are gone first, so the counts below are this test's.
  await waitUntil(() => srv.server.stats().connectionsOpen === 0, 5000, () => JSON.stringify(srv.server.stats()));
  const before = srv.server.stats();
  const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.open(srv.port)));
  await Promise.all(
    clients.map(async (c, k) => {
      for (let i = 0; i < 5; i++) {
        await c.write(get(`/n/${k}-${i}`, i === 4 ? 'Connection: close\r\n' : ''));
        const r = await c.response({ timeout: 10000 });
        assert.is(r.body.toString(), `#${k}-${i}`);
      }
      await c.waitEnd();
    }),
  );
  const mid = srv.server.stats();
  assert.is(mid.connectionsTotal - before.connectionsTotal, 200);
  assert.is(mid.requestsTotal - before.requestsTotal, 1000);
  for (const c of clients) c.destroy();
  await waitUntil(() => srv.server.stats().connectionsOpen === 0, 5000, () => JSON.stringify(srv.server.stats()));
});

test('limits.maxKeepAliveRequests: the last allowed response says close', async () => {
  const s = await start((x) => x.get('/n/:i', (q, r) => r.end(q.params['i']!)), { limits: { maxKeepAliveRequests: 3 } });
  try {
    const c = await RawClient.open(s.port);
    await c.write(get('/n/1') + get('/n/2') + get('/n/3') + get('/n/4'));
    const rs = parseAll(await c.readToEnd());
    assert.equal(rs.map((r) => r.body.toString()), ['1', '2', '3']);
    assert.equal(rs.map((r) => r.headers['connection']), [undefined, undefined, 'close']);
    c.destroy();
  } finally {
    await stop(s.server);
  }
});

test.run();
