// The headers filter (set/unset/append by path prefix and content type) and
// the static mount's cache policy (maxAge, immutable), over raw sockets.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compress, headers, type HeaderRule } from '../src/index.js';
import { start, stopAll } from './helpers/server.js';
import { request } from './support/http.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-headers-'));
fs.mkdirSync(path.join(root, 'assets'));
fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1);\n');
fs.writeFileSync(path.join(root, 'index.html'), '<p>hi</p>');

const RULES: HeaderRule[] = [
  { set: { 'X-Frame-Options': 'DENY' } },
  { path: '/api', set: { 'Cache-Control': 'no-store' }, unset: ['X-Powered-By'], append: { Vary: 'Origin' } },
  { path: '/api/', contentTypes: ['application/json'], append: { 'X-Kind': 'json' } },
  { contentTypes: ['text/'], set: { 'X-Text': '1' } },
  { path: '/assets', set: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
];

let port = 0;
const t = suite('headers filter');
t.before(async () => {
  ({ port } = await start((s) => {
    s.filter(headers(RULES));
    s.get('/api/data', (_req, res) => {
      res.setHeader('X-Powered-By', 'me').setHeader('Vary', 'Accept').json({ ok: true });
    });
    s.get('/api/text', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain').end('text');
    });
    s.get('/apix', (_req, res) => {
      res.setHeader('X-Powered-By', 'me').end('x');
    });
    s.get('/plain', (_req, res) => res.end('no type'));
    s.static('/', root, { maxAge: 60 });
  }));
});
t.after(() => stopAll());

t('rules by path prefix and type: set, unset, append (merged into an existing value)', async () => {
  const { res } = await request(port, '/api/data');
  assert.is(res.status, 200);
  assert.is(res.headers['x-frame-options'], 'DENY');
  assert.is(res.headers['cache-control'], 'no-store');
  assert.is(res.headers['x-powered-by'], undefined);
  assert.is(res.headers['vary'], 'Accept, Origin');
  assert.is(res.headers['x-kind'], 'json');
  assert.is(res.headers['x-text'], undefined);
  assert.is(res.body.toString(), '{"ok":true}');

  const text = await request(port, '/api/text');
  assert.is(text.res.headers['x-kind'], undefined, 'contentTypes limits the rule');
  assert.is(text.res.headers['x-text'], '1');
  assert.is(text.res.headers['vary'], 'Origin', 'append without an existing value sets it');
});

t('a path prefix matches whole segments only', async () => {
  const { res } = await request(port, '/apix');
  assert.is(res.headers['x-powered-by'], 'me');
  assert.is(res.headers['cache-control'], undefined);
  assert.is(res.headers['x-frame-options'], 'DENY');
});

t('a rule with contentTypes never matches a response without a type', async () => {
  const { res } = await request(port, '/plain');
  assert.is(res.headers['x-text'], undefined);
  assert.is(res.headers['x-frame-options'], 'DENY');
});

t('static files: rules override the mount Cache-Control; HEAD gets the same headers', async () => {
  const js = await request(port, '/assets/app.js');
  assert.is(js.res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.is(js.res.body.toString(), 'console.log(1);\n');
  const html = await request(port, '/index.html');
  assert.is(html.res.headers['cache-control'], 'public, max-age=60');
  assert.is(html.res.headers['x-text'], '1');
  const head = await request(port, '/index.html', { method: 'HEAD' });
  assert.is(head.res.headers['x-text'], '1');
  assert.is(head.res.headers['content-length'], String('<p>hi</p>'.length));
});

t('invalid rules are refused when the filter is made', () => {
  assert.throws(() => headers([{ set: { 'Bad Name': 'x' } }]), /invalid header name/);
  assert.throws(() => headers([{ set: { 'X-A': 'a\r\nInjected: 1' } }]), /invalid value/);
  assert.throws(() => headers([{ set: { 'Content-Length': '1' } }]), /framing/);
  assert.throws(() => headers([{ unset: ['Transfer-Encoding'] }]), /framing/);
  assert.throws(() => headers([{ path: 'api', set: { 'X-A': '1' } }]), /path/);
});

t.run();

const order = suite('headers filter: after compress, and leaving the fast path alone');
order('sees what compress set (runs as a protocol filter)', async () => {
  const { port: p } = await start((s) => {
    s.filter(compress({ threshold: 0 }), { contentTypes: ['text/plain'] });
    s.filter(headers([{ path: '/t', unset: ['Vary'], append: { 'Content-Encoding-Seen': 'x' } }]));
    s.get('/t', (_req, res) => res.setHeader('Content-Type', 'text/plain').end('hello hello hello'));
  });
  const { res } = await request(p, '/t', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.is(res.headers['content-encoding'], 'gzip');
  assert.is(res.headers['vary'], undefined, 'compress added Vary before the rule removed it');
  await stopAll();
});

order('a response no rule matches is byte-identical to one without the filter', async () => {
  const setup = (s: import('../src/index.js').Server): void => {
    s.get('/other', (_req, res) => res.setHeader('Content-Type', 'text/plain').end('same'));
  };
  const a = await start((s) => {
    s.filter(headers([{ path: '/only', set: { 'X-A': '1' } }]));
    setup(s);
  });
  const b = await start(setup);
  const ra = await request(a.port, '/other');
  const rb = await request(b.port, '/other');
  const strip = (raw: Buffer): string => raw.toString('latin1').replace(/^date:.*\r\n/im, '');
  assert.is(strip(ra.raw), strip(rb.raw));
  await stopAll();
});
order.run();

const cache = suite('static cache policy: maxAge and immutable');
cache('immutable adds the directive; maxAge sets max-age', async () => {
  const { port: p } = await start((s) => {
    s.static('/i', root, { maxAge: 31536000, immutable: true });
    s.static('/m', root, { maxAge: 3600 });
    s.static('/d', root);
  });
  assert.is((await request(p, '/i/index.html')).res.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.is((await request(p, '/m/index.html')).res.headers['cache-control'], 'public, max-age=3600');
  assert.is((await request(p, '/d/index.html')).res.headers['cache-control'], 'public, max-age=0');
  // A 304 keeps the policy, so caches refresh it.
  const first = await request(p, '/i/index.html');
  const again = await request(p, '/i/index.html', { headers: { 'If-None-Match': first.res.headers['etag']! } });
  assert.is(again.res.status, 304);
  assert.is(again.res.headers['cache-control'], 'public, max-age=31536000, immutable');
  await stopAll();
});
cache.run();
