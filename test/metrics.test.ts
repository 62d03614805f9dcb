// /metrics: the output parses with a strict Prometheus text-format parser
// (test/support/prometheus-parse.ts), counters and histograms move with
// requests, and the parser itself rejects malformed exposition.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PromWriter } from '../src/metrics/prometheus.js';
import { RequestMetrics, statusIndex } from '../src/metrics/request-metrics.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { start, stopAll, waitUntil } from './helpers/server.js';
import { parsePrometheusText, sampleValue, type Family } from './support/prometheus-parse.js';

const test = suite('metrics');

test.after.each(async () => {
  destroyAllSockets();
  await stopAll();
});

async function scrape(base: string): Promise<Map<string, Family>> {
  const res = await fetch(`${base}/metrics`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

const v = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => sampleValue(f, name, labels) ?? 0;

test('parses strictly; request counters, histogram and totals move with requests', async () => {
  const { base, port, server } = await start(
    (s) => {
      s.get('/ok', (_q, r) => r.end('fine'));
      s.post('/made', (_q, r) => r.status(201).end());
      s.get('/boom', () => {
        throw Object.assign(new Error('x'), { status: 503 });
      });
    },
    { status: true },
  );
  const before = await scrape(base);
  for (const name of ['brigade_http_requests_total', 'brigade_http_request_duration_seconds', 'brigade_connections', 'brigade_slab_bytes',
    'brigade_connections_accepted_total', 'brigade_connections_closed_total', 'brigade_bytes_out_total', 'brigade_build_info']) {
    assert.ok(before.has(name), `family ${name}`);
  }
  assert.is(before.get('brigade_http_request_duration_seconds')!.type, 'histogram');
  assert.is(before.get('brigade_http_requests_total')!.type, 'counter');
  assert.is(before.get('brigade_connections')!.type, 'gauge');

  for (let i = 0; i < 3; ++i) await (await fetch(`${base}/ok`)).text();
  await (await fetch(`${base}/made`, { method: 'POST' })).text();
  await (await fetch(`${base}/boom`)).text();
  await (await fetch(`${base}/missing`)).text();
  // A native error (400) is not a JS response, but it is counted on its own.
  const bad = new RawClient(port);
  await bad.write('GET / HTTP/1.1\r\n\r\n');
  await bad.responses(1);
  // Its connection ends after a lingering close: wait for the native side to count it.
  await waitUntil(() => server.stats().connectionsTotal > server.stats().connectionsOpen, 3000);

  const after = await scrape(base);
  const ok = { class: 'default', method: 'GET', status: '2xx' };
  assert.is(v(after, 'brigade_http_requests_total', ok) - v(before, 'brigade_http_requests_total', ok) >= 3, true);
  assert.is(v(after, 'brigade_http_requests_total', { class: 'default', method: 'POST', status: '2xx' }), 1);
  assert.is(v(after, 'brigade_http_requests_total', { class: 'default', method: 'GET', status: '5xx' }), 1);
  assert.is(v(after, 'brigade_http_requests_total', { class: 'default', method: 'GET', status: '4xx' }), 1);
  assert.is(v(after, 'brigade_native_error_responses_total') - v(before, 'brigade_native_error_responses_total'), 1);
  const h = { class: 'default', status: '2xx' };
  const countAfter = v(after, 'brigade_http_request_duration_seconds_count', h);
  assert.ok(countAfter - v(before, 'brigade_http_request_duration_seconds_count', h) >= 4);
  assert.ok(v(after, 'brigade_http_request_duration_seconds_sum', h) > 0);
  assert.is(v(after, 'brigade_http_request_duration_seconds_bucket', { ...h, le: '+Inf' }), countAfter);
  assert.ok(v(after, 'brigade_bytes_out_total') > v(before, 'brigade_bytes_out_total'));
  assert.ok(v(after, 'brigade_connections_accepted_total') > v(before, 'brigade_connections_accepted_total'));
  assert.ok(v(after, 'brigade_connections_closed_total') >= 1);
  assert.ok(v(after, 'brigade_slab_bytes', { kind: 'reserved' }) > 0);
  assert.is(v(after, 'brigade_build_info', { version: after.get('brigade_build_info')!.samples[0]!.labels['version']!, mpm: after.get('brigade_build_info')!.samples[0]!.labels['mpm']! }), 1);
});

test('RequestMetrics: buckets by upper bound, status classes, methods beyond the table', () => {
  const m = new RequestMetrics(['a', 'b'], [0.01, 0.1]);
  m.record(0, 0, 200, 0.01); // le 0.01 (bounds are inclusive)
  m.record(0, 0, 204, 0.05);
  m.record(0, 0, 200, 3);
  m.record(1, 99, 404, 0.001); // unknown method code → OTHER
  assert.equal(m.latency(0, 1).cumulative, [1, 2, 3]);
  assert.is(m.latency(0, 1).sum, 3.06);
  assert.is(m.requests(0, 0, 1), 3);
  assert.is(m.requests(1, 9, 3), 1);
  assert.is(m.total(), 4);
  assert.is(statusIndex(101), 0);
  assert.is(statusIndex(599), 4);
  assert.is(statusIndex(700), 4);
  assert.throws(() => new RequestMetrics([]), RangeError);
  assert.throws(() => new RequestMetrics(['x'], [1, 1]), RangeError);
});

test('label values are escaped and the writer output parses back', () => {
  const w = new PromWriter().family('x_total', 'counter', 'line one\nback\\slash');
  w.sample('x_total', { path: 'a"b\\c\nd' }, 2);
  const f = parsePrometheusText(w.text());
  assert.is(f.get('x_total')!.help, 'line one\nback\\slash');
  assert.is(sampleValue(f, 'x_total', { path: 'a"b\\c\nd' }), 2);
});

test('the parser is strict: malformed exposition is rejected', () => {
  const bad = [
    'x 1', // no final newline
    'x{a="1} 1\n',
    'x{a="\\t"} 1\n',
    'x{1a="v"} 1\n',
    'x 1 2 3\n',
    'x one\n',
    '# TYPE x counter\n# TYPE x gauge\nx 1\n',
    'x 1\n# TYPE x counter\n',
    '# TYPE x counter\nx -1\n',
    'x{a="1"} 1\nx{a="1"} 2\n',
    'x 1\ny 1\nx{a="2"} 1\n',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1\nh_count 2\n',
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
  ];
  for (const t of bad) assert.throws(() => parsePrometheusText(t), undefined, JSON.stringify(t));
  const good = '# HELP h d\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n# TYPE g gauge\ng{a="x",} NaN\n';
  assert.is(parsePrometheusText(good).get('h')!.samples.length, 4);
});

test('status off: no metrics are kept at all', async () => {
  const { base, server } = await start((s) => s.get('/ok', (_q, r) => r.end('x')));
  await (await fetch(`${base}/ok`)).text();
  assert.is(server.observability, null);
  assert.is((await fetch(`${base}/metrics`)).status, 404);
});

test.run();
