// /server-status: the JSON shape, the HTML page, the loopback restriction
// (a non-loopback peer simulated through the allow list), the scoreboard's
// connection states, and that nothing exists while it is disabled.
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type ServerOptions, type StatusSnapshot } from '../src/index.js';
import { renderStatusPage } from '../src/status/page.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { start, stopAll, waitUntil } from './helpers/server.js';
import { requestHead } from './support/http.js';
import { parsePrometheusText, sampleValue } from './support/prometheus-parse.js';

const test = suite('status');

test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
});

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkCounts(where: string, o: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) assert.ok(isCount(o[k]), `${where}.${k} = ${String(o[k])}`);
}

/** Every field of the documented shape (docs/observability.md), with its type. */
function checkShape(s: StatusSnapshot): void {
  assert.type(s.version, 'string');
  assert.match(s.version, /^\d+\.\d+\.\d+/);
  assert.type(s.mpm, 'string');
  assert.ok(!Number.isNaN(Date.parse(s.startedAt)), 'startedAt is an ISO time');
  assert.ok(!Number.isNaN(Date.parse(s.now)), 'now is an ISO time');
  assert.ok(Number.isInteger(s.uptimeSeconds) && s.uptimeSeconds >= 0);
  checkCounts('totals', s.totals as unknown as Record<string, unknown>, [
    'requests', 'responses', 'bytesOut', 'connectionsAccepted', 'connectionsClosed', 'nativeErrors', 'timeouts', 'aborted',
  ]);
  checkCounts('rates', s.rates as unknown as Record<string, unknown>, ['requestsPerSecond', 'bytesPerSecond', 'intervalSeconds']);
  checkCounts('connections', s.connections as unknown as Record<string, unknown>, ['open', 'reading', 'writing', 'keepAlive', 'lingering']);
  assert.ok(Array.isArray(s.threads) && s.threads.length >= 1, 'at least one native thread');
  s.threads.forEach((t, i) => {
    assert.is(t.index, i);
    assert.ok(['io', 'worker', 'leader', 'looper'].includes(t.kind), t.kind);
    assert.ok(['idle', 'reading', 'writing', 'keep-alive', 'lingering'].includes(t.state), t.state);
    checkCounts(`threads[${i}].connections`, t.connections as unknown as Record<string, unknown>, ['open', 'reading', 'writing', 'keepAlive', 'lingering']);
    checkCounts(`threads[${i}]`, t as unknown as Record<string, unknown>, ['requests', 'bytesOut']);
  });
  assert.ok(Array.isArray(s.jsThreads) && s.jsThreads.length >= 1);
  assert.is(s.jsThreads[0]!.kind, 'main');
  assert.ok(s.jsThreads[0]!.utilization >= 0 && s.jsThreads[0]!.utilization <= 1);
  assert.equal(s.classes, [], 'no service classes configured: an empty array');
  checkCounts('slabs', s.slabs as unknown as Record<string, unknown>, ['slabsTotal', 'slabsInUse', 'bytesInUse', 'bytesReserved']);
}

test('?json: the documented shape; totals move with requests', async () => {
  const { base } = await start((s) => s.get('/hello', (_q, r) => r.end('hi')), { status: true });
  const first = (await (await fetch(`${base}/server-status?json`)).json()) as StatusSnapshot;
  checkShape(first);
  for (let i = 0; i < 5; ++i) assert.is(await (await fetch(`${base}/hello`)).text(), 'hi');
  const res = await fetch(`${base}/server-status?json`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.is(res.headers.get('cache-control'), 'no-store');
  const second = (await res.json()) as StatusSnapshot;
  checkShape(second);
  // Five /hello plus the first status request, at least.
  assert.ok(second.totals.requests >= first.totals.requests + 6, `${first.totals.requests} -> ${second.totals.requests}`);
  assert.ok(second.totals.bytesOut > first.totals.bytesOut);
  assert.is(second.threads.reduce((a, t) => a + t.requests, 0), second.totals.requests, 'per-thread requests add up');
});

test('the scoreboard sees a connection in each state: reading, writing, keep-alive', async () => {
  let release: (() => void) | null = null;
  const { port, base } = await start(
    (s) => {
      s.get('/slow', (_q, r) => new Promise<void>((resolve) => {
        release = () => { r.end('done'); resolve(); };
      }));
      s.get('/fast', (_q, r) => r.end('ok'));
    },
    { status: true },
  );
  const snap = async (): Promise<StatusSnapshot> => (await (await fetch(`${base}/server-status?json`)).json()) as StatusSnapshot;
  const reading = new RawClient(port);
  await reading.connected;
  await reading.write('GET /fast HTTP/1.1\r\nHost: t\r\n'); // an incomplete head
  const writing = new RawClient(port);
  await writing.write(requestHead('/slow'));
  const keepAlive = new RawClient(port);
  await keepAlive.write(requestHead('/fast'));
  await keepAlive.responses(1);
  await waitUntil(() => release !== null, 2000);
  let s = await snap();
  // The status request's own connection (fetch keeps it alive) adds to writing or keep-alive.
  assert.ok(s.connections.reading >= 1, `reading ${s.connections.reading}`);
  assert.ok(s.connections.writing >= 1, `writing ${s.connections.writing}`);
  assert.ok(s.connections.keepAlive >= 1, `keep-alive ${s.connections.keepAlive}`);
  assert.ok(s.connections.open >= 3);
  assert.ok(s.jsThreads[0]!.requestsPending >= 1);
  const busiest = s.threads.map((t) => t.state);
  assert.ok(busiest.includes('writing'), busiest.join(','));
  release!();
  await writing.responses(1);
  s = await snap();
  assert.is(s.jsThreads[0]!.requestsPending, 0);
});

test('HTML page: self-contained, refreshes itself, shows the figures', async () => {
  const { base } = await start(() => {}, { status: { path: '/status' } });
  const res = await fetch(`${base}/status`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<noscript><meta http-equiv="refresh" content="1"><\/noscript>/);
  assert.match(html, /fetch\(url/);
  assert.match(html, /id="rps"/);
  assert.match(html, /id="total-requests"/);
  assert.match(html, /no service classes configured/);
  assert.not.match(html, /<(?:script|link|img)[^>]+(?:src|href)=/i, 'no external assets');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
  // HEAD gets the headers only.
  const head = await fetch(`${base}/status`, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(await head.text(), '');
});

test('peers outside the allow list get 403 (the real peer address, not a header)', async () => {
  // 127.0.0.1 is the only peer a test can have: an allow list without it stands in for a remote peer.
  const { base } = await start(() => {}, { status: { allow: ['10.0.0.0/8', '::1'] } });
  for (const p of ['/server-status', '/server-status?json', '/metrics']) {
    const res = await fetch(`${base}${p}`, { headers: { 'X-Forwarded-For': '127.0.0.1', 'X-Real-IP': '127.0.0.1' } });
    assert.is(res.status, 403, p);
    assert.is(await res.text(), 'Forbidden\n');
  }
});

test('allow list: explicit address and "*" admit the peer', async () => {
  for (const allow of [['127.0.0.1'], ['*'], ['127.0.0.0/8']]) {
    const { base, server } = await start(() => {}, { status: { allow } });
    assert.is((await fetch(`${base}/server-status?json`)).status, 200, allow.join(','));
    await server.close();
  }
});

test('disabled (the default): the paths are 404 and user routes there still work', async () => {
  const { base } = await start((s) => s.get('/metrics', (_q, r) => r.end('mine')));
  assert.is((await fetch(`${base}/server-status`)).status, 404);
  assert.is((await fetch(`${base}/server-status?json`)).status, 404);
  const res = await fetch(`${base}/metrics`);
  assert.is(res.status, 200);
  assert.is(await res.text(), 'mine');
});

test('metricsPath: false leaves /metrics to the application', async () => {
  const { base } = await start((s) => s.get('/metrics', (_q, r) => r.end('mine')), { status: { metricsPath: false } });
  assert.is(await (await fetch(`${base}/metrics`)).text(), 'mine');
  assert.is((await fetch(`${base}/server-status?json`)).status, 200);
});

test('bad options are refused', () => {
  const bad: object[] = [
    { status: { path: 'server-status' } },
    { status: { path: '/a?b' } },
    { status: { path: '/x', metricsPath: '/x' } },
    { status: { allow: ['localhost'] } },
    { status: { allow: ['127.0.0.1/33'] } },
  ];
  for (const o of bad) assert.throws(() => createServer(o as ServerOptions), RangeError, JSON.stringify(o));
});

test('gauges return to zero once every connection is gone (resets mid-response, pipelining, native errors)', async () => {
  const held: (() => void)[] = [];
  const { port, server } = await start(
    (s) => {
      s.get('/slow', (_q, r) => new Promise<void>((resolve) => held.push(() => { r.end('late'); resolve(); })));
      s.get('/fast', (_q, r) => r.end('ok'));
    },
    { status: true },
  );
  const clients: RawClient[] = [];
  for (let i = 0; i < 4; ++i) {
    const c = new RawClient(port);
    clients.push(c);
    await c.write(requestHead('/slow', { headers: { Connection: 'keep-alive' } }));
  }
  const piped = new RawClient(port);
  await piped.write(requestHead('/fast', { headers: { Connection: 'keep-alive' } }).repeat(3));
  await piped.responses(3);
  const bad = new RawClient(port);
  await bad.write('GET / HTTP/1.1\r\n\r\n');
  await bad.responses(1);
  await waitUntil(() => held.length === 4, 2000);
  assert.ok(server.stats().writing >= 4, `writing ${server.stats().writing}`);
  // Two clients go away while their response is owed, then every handler finishes.
  clients[0]!.socket.destroy();
  clients[1]!.socket.destroy();
  for (const f of held) f();
  await clients[2]!.responses(1);
  for (const c of [...clients, piped, bad]) c.socket.destroy();
  await waitUntil(() => server.stats().connectionsOpen === 0, 5000, () => JSON.stringify(server.stats()));
  const st = server.stats();
  assert.equal([st.reading, st.writing, st.keepAlive, st.lingering], [0, 0, 0, 0]);
  const rows = server.laneStats();
  assert.ok(rows.length > 0);
  // Per lane (native/conn/lane_stats.h): open (field 0) and the four state gauges (fields 3..6).
  for (let i = 0; i < rows.length; i += 7) {
    assert.equal([rows[i], rows[i + 3], rows[i + 4], rows[i + 5], rows[i + 6]], [0, 0, 0, 0, 0], `lane ${i / 7}`);
  }
});

/** Whether this machine can listen on IPv6 at all (some containers cannot). */
function ipv6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(0, '::1', () => srv.close(() => resolve(true)));
  });
}

test('dual-stack listener: an IPv4 client is seen as its IPv4 address, an IPv6 peer as its IPv6 address; loopback of both is allowed', async () => {
  if (!(await ipv6Available())) {
    console.warn('status.test: no IPv6 on this machine, dual-stack check not run');
    return;
  }
  const { port } = await start((s) => s.get('/peer', (q, r) => r.end(q.remoteAddress)), { host: '::', status: true });
  assert.is(await (await fetch(`http://127.0.0.1:${port}/peer`)).text(), '127.0.0.1');
  assert.is((await fetch(`http://127.0.0.1:${port}/server-status?json`)).status, 200);
  assert.is(await (await fetch(`http://[::1]:${port}/peer`)).text(), '::1');
  assert.is((await fetch(`http://[::1]:${port}/server-status?json`)).status, 200);
});

test('page renderer: class rows, escaping, and the shipped script renders exactly what the server did', () => {
  const snap: StatusSnapshot = {
    version: '0.1.0', mpm: 'worker', startedAt: new Date(0).toISOString(), uptimeSeconds: 90061, now: new Date(0).toISOString(),
    totals: { requests: 1234567, responses: 1, bytesOut: 3 * 1024 * 1024, connectionsAccepted: 2, connectionsClosed: 1, nativeErrors: 0, timeouts: 0, aborted: 0 },
    rates: { requestsPerSecond: 12.5, bytesPerSecond: 2048, intervalSeconds: 1 },
    connections: { open: 1, reading: 0, writing: 1, keepAlive: 0, lingering: 0 },
    threads: [{ index: 0, kind: 'worker', state: 'writing', connections: { open: 1, reading: 0, writing: 1, keepAlive: 0, lingering: 0 }, requests: 5, bytesOut: 10 }],
    jsThreads: [{ name: 'main', kind: 'main', state: 'idle', utilization: 0.25, requestsPending: 0 }],
    classes: [
      { name: '<script>x</script>', importance: 1, goal: { percentile: 90, seconds: 0.8 }, queueLength: 3, observedSeconds: 1.2, performanceIndex: 1.5, servers: 2, requests: 10 },
      { name: 'batch', importance: null, goal: null, queueLength: 0, observedSeconds: null, performanceIndex: null, servers: 0, requests: 0 },
    ],
    slabs: { slabsTotal: 1, slabsInUse: 1, bytesInUse: 4096, bytesReserved: 4096 },
  };
  const html = renderStatusPage(snap);
  const served = /<div id="status">([\s\S]*)<\/div><script>/.exec(html)![1]!;
  assert.ok(served.includes('&#60;script&#62;x&#60;/script&#62;'), 'class names are escaped');
  assert.not.ok(served.includes('<script>x'), 'no raw markup from data');
  assert.ok(served.includes('<span class="miss">1.50</span>'), 'a missed goal is marked');
  assert.ok(served.includes('p90 &#60; 800.0 ms'));
  assert.ok(served.includes('discretionary'));
  assert.ok(served.includes('1d 1h 1m 1s'));
  assert.ok(served.includes('1,234,567'));
  // The page's script (without its fetch loop) renders the same markup from the same data.
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  const renderers = script.slice(0, script.indexOf('(function () {'));
  const clientRender = new Function(`${renderers}; return renderStatusBody;`)() as (s: StatusSnapshot) => string;
  assert.is(clientRender(JSON.parse(JSON.stringify(snap)) as StatusSnapshot), served);
});

test('extensions: class and worker rows plugged in after listen() appear in ?json and /metrics', async () => {
  const { base, server } = await start(() => {}, { status: true });
  server.observability!.extensions = {
    classes: () => [{ name: 'interactive', importance: 1, goal: { percentile: 90, seconds: 0.8 }, queueLength: 2, observedSeconds: 0.4, performanceIndex: 0.5, servers: 3, requests: 7 }],
    workers: () => [{ name: 'queue-server-1', kind: 'worker', state: 'busy', utilization: 0.9, requestsPending: 1 }],
  };
  const s = (await (await fetch(`${base}/server-status?json`)).json()) as StatusSnapshot;
  assert.equal(s.classes.map((c) => [c.name, c.performanceIndex]), [['interactive', 0.5]]);
  assert.equal(s.jsThreads.map((t) => t.name), ['main', 'queue-server-1']);
  const m = await (await fetch(`${base}/metrics`)).text();
  assert.is(sampleValue(parsePrometheusText(m), 'brigade_class_servers', { class: 'interactive' }), 3);
  assert.match(m, /^brigade_class_performance_index\{class="interactive"\} 0\.5$/m);
  assert.match(m, /^brigade_class_queue_length\{class="interactive"\} 2$/m);
});

test.run();
