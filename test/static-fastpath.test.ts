// The native static fast path against the TypeScript path: the same docroot
// mounted twice — once eligible for the fast path, once with
// `nativeFastPath: false` — and the same requests to both must give the same
// bytes, apart from the Date value. Requests the fast path leaves to JS
// (directories, missing files, errors, multiple ranges, precompressed
// negotiation, lenient dates) are in the set too: they must fall through
// unchanged. stats().staticFastHits shows which path answered.
//
// Runs under any MPM (BRIGADE_MPM=event|worker|leader|looper).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from '../src/index.js';
import type { Filter } from '../src/filters/filter.js';
import { fdCount } from './helpers/fds.js';
import { RawClient, destroyAllSockets, exchange } from './helpers/raw.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-fastpath-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-fastpath-out-'));
// Modified well over a second ago: Last-Modified is a strong validator for If-Range.
const MTIME = new Date('2024-03-05T06:07:08.123Z');

function put(rel: string, data: string | Buffer): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  fs.utimesSync(p, MTIME, MTIME);
}

const kib = Buffer.alloc(1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n');
put('a.txt', kib);
put('big.bin', Buffer.alloc(200 * 1024, 7));
put('empty.txt', '');
put('sp ace.txt', 'space\n');
put('IMG.PNG', 'not really a png');
put('noext', 'no extension');
put('.hidden', 'secret dotfile');
put('sub/index.html', '<p>index</p>\n');
put('sub/x.json', '{"x":1}\n');
put('app.js', 'console.log("identity");\n');
put('app.js.gz', 'gzip bytes');
put('app.js.br', 'brotli bytes');
put('style.css', 'body{}\n');
put('style.css.gz', 'gzip css');
put('old.js', 'fresh original');
put('old.js.gz', 'stale gzip');
fs.utimesSync(path.join(root, 'old.js.gz'), new Date(MTIME.getTime() - 60_000), new Date(MTIME.getTime() - 60_000));
fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-THE-ROOT');
fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'escape.txt'));
fs.symlinkSync(path.join(root, 'a.txt'), path.join(root, 'inside-link.txt'));

const size = kib.length;
const etag = `W/"${size.toString(16)}-${Math.floor(MTIME.getTime()).toString(16)}"`;
const lastModified = new Date(Math.floor(MTIME.getTime())).toUTCString();
const earlier = new Date(MTIME.getTime() - 86400_000).toUTCString();
const later = new Date(MTIME.getTime() + 86400_000).toUTCString();

function mount(server: Server, nativeFastPath: boolean): Server {
  server.static('/', root, { nativeFastPath });
  server.static('/pre', root, { nativeFastPath, precompressed: true });
  server.static('/nr', root, { nativeFastPath, ranges: false, maxAge: 60 });
  server.static('/nolinks', root, { nativeFastPath, followSymlinks: false, dotfiles: 'allow' });
  return server;
}

const fast = mount(createServer({ port: 0, host: '127.0.0.1' }), true);
const slow = mount(createServer({ port: 0, host: '127.0.0.1' }), false);
let fastPort = 0;
let slowPort = 0;

/** Case name, request head lines after the request line, and whether the fast path should answer it. */
interface Case {
  name: string;
  line: string; // request line without CRLF
  headers?: string[];
  native: boolean;
}

const cases: Case[] = [
  { name: 'plain GET', line: 'GET /a.txt HTTP/1.1', native: true },
  { name: 'HEAD', line: 'HEAD /a.txt HTTP/1.1', native: true },
  { name: 'query string ignored', line: 'GET /a.txt?v=3 HTTP/1.1', native: true },
  { name: 'big file', line: 'GET /big.bin HTTP/1.1', native: true },
  { name: 'empty file', line: 'GET /empty.txt HTTP/1.1', native: true },
  { name: 'upper-case extension', line: 'GET /IMG.PNG HTTP/1.1', native: true },
  { name: 'no extension', line: 'GET /noext HTTP/1.1', native: true },
  { name: 'nested json', line: 'GET /sub/x.json HTTP/1.1', native: true },
  { name: 'percent-encoded space', line: 'GET /sp%20ace.txt HTTP/1.1', native: true },
  { name: 'percent-encoded letter', line: 'GET /%61.txt HTTP/1.1', native: true },
  { name: 'dot segments inside the root', line: 'GET /sub/../a.txt HTTP/1.1', native: true },
  { name: 'symlink inside the root', line: 'GET /inside-link.txt HTTP/1.1', native: true },
  { name: '304 by ETag', line: 'GET /a.txt HTTP/1.1', headers: [`If-None-Match: ${etag}`], native: true },
  { name: '304 by strong form of the weak ETag', line: 'GET /a.txt HTTP/1.1', headers: [`If-None-Match: ${etag.slice(2)}`], native: true },
  { name: '304 by ETag list', line: 'GET /a.txt HTTP/1.1', headers: [`If-None-Match: "x", ${etag}`], native: true },
  { name: '304 by *', line: 'GET /a.txt HTTP/1.1', headers: ['If-None-Match: *'], native: true },
  { name: 'If-None-Match mismatch', line: 'GET /a.txt HTTP/1.1', headers: ['If-None-Match: "nope"'], native: true },
  { name: 'HEAD 304', line: 'HEAD /a.txt HTTP/1.1', headers: [`If-None-Match: ${etag}`], native: true },
  { name: '304 by date', line: 'GET /a.txt HTTP/1.1', headers: [`If-Modified-Since: ${lastModified}`], native: true },
  { name: '304 by later date', line: 'GET /a.txt HTTP/1.1', headers: [`If-Modified-Since: ${later}`], native: true },
  { name: 'modified since', line: 'GET /a.txt HTTP/1.1', headers: [`If-Modified-Since: ${earlier}`], native: true },
  { name: 'INM wins over IMS', line: 'GET /a.txt HTTP/1.1', headers: ['If-None-Match: "nope"', `If-Modified-Since: ${later}`], native: true },
  { name: 'lenient date (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['If-Modified-Since: 2030-01-01'], native: false },
  { name: 'If-Match * passes', line: 'GET /a.txt HTTP/1.1', headers: ['If-Match: *'], native: true },
  { name: '412 by If-Match', line: 'GET /a.txt HTTP/1.1', headers: [`If-Match: ${etag}`], native: true },
  { name: 'HEAD 412', line: 'HEAD /a.txt HTTP/1.1', headers: ['If-Match: "other"'], native: true },
  { name: 'unparsable If-Match (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['If-Match: abc, *'], native: false },
  { name: '412 by If-Unmodified-Since', line: 'GET /a.txt HTTP/1.1', headers: [`If-Unmodified-Since: ${earlier}`], native: true },
  { name: 'unmodified since', line: 'GET /a.txt HTTP/1.1', headers: [`If-Unmodified-Since: ${later}`], native: true },
  { name: 'range', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-9'], native: true },
  { name: 'range open', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=1000-'], native: true },
  { name: 'range suffix', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=-5'], native: true },
  { name: 'range suffix longer than file', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=-99999'], native: true },
  { name: 'range end past the file', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=1020-5000'], native: true },
  { name: 'range big file', line: 'GET /big.bin HTTP/1.1', headers: ['Range: bytes=100000-150000'], native: true },
  { name: '416', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=5000-'], native: true },
  { name: '416 empty suffix', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=-0'], native: true },
  { name: 'reversed range ignored', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=9-2'], native: true },
  { name: 'multiple ranges (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-1,5-6'], native: false },
  { name: 'range with spaces (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes= 0-1'], native: false },
  { name: 'other range unit (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['Range: items=0-1'], native: false },
  { name: 'range on empty file (JS)', line: 'GET /empty.txt HTTP/1.1', headers: ['Range: bytes=0-'], native: false },
  { name: 'HEAD with range', line: 'HEAD /a.txt HTTP/1.1', headers: ['Range: bytes=0-9'], native: true },
  { name: 'If-Range date matches', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-9', `If-Range: ${lastModified}`], native: true },
  { name: 'If-Range date differs', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-9', `If-Range: ${earlier}`], native: true },
  { name: 'If-Range weak etag', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-9', `If-Range: ${etag}`], native: true },
  { name: '304 wins over range', line: 'GET /a.txt HTTP/1.1', headers: ['Range: bytes=0-9', `If-None-Match: ${etag}`], native: true },
  { name: 'ranges off', line: 'GET /nr/a.txt HTTP/1.1', headers: ['Range: bytes=0-9'], native: true },
  { name: 'ranges off 304', line: 'GET /nr/a.txt HTTP/1.1', headers: [`If-None-Match: ${etag}`], native: true },
  { name: 'dotfile ignored (JS 404)', line: 'GET /.hidden HTTP/1.1', native: false },
  { name: 'dotfile allowed', line: 'GET /nolinks/.hidden HTTP/1.1', native: true },
  { name: 'symlink refused by policy (JS)', line: 'GET /nolinks/inside-link.txt HTTP/1.1', native: false },
  { name: 'symlink out of the root (JS)', line: 'GET /escape.txt HTTP/1.1', native: false },
  { name: 'traversal (JS)', line: 'GET /../etc/passwd HTTP/1.1', native: false },
  { name: 'encoded traversal (JS)', line: 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1', native: false },
  { name: 'encoded slash traversal (JS)', line: 'GET /sub/..%2f..%2fa.txt HTTP/1.1', native: false },
  { name: 'NUL (JS)', line: 'GET /a.txt%00.png HTTP/1.1', native: false },
  { name: 'malformed escape (JS)', line: 'GET /a%zz.txt HTTP/1.1', native: false },
  { name: 'backslash (JS)', line: 'GET /sub%5cx.json HTTP/1.1', native: false },
  { name: 'UTF-8 escape (JS)', line: 'GET /%C3%A9.txt HTTP/1.1', native: false },
  { name: 'directory redirect (JS)', line: 'GET /sub HTTP/1.1', native: false },
  { name: 'directory index (JS)', line: 'GET /sub/ HTTP/1.1', native: false },
  { name: 'missing (JS)', line: 'GET /nope.txt HTTP/1.1', native: false },
  { name: 'POST (JS)', line: 'POST /a.txt HTTP/1.1', headers: ['Content-Length: 0'], native: false },
  { name: 'precompressed without Accept-Encoding', line: 'GET /pre/app.js HTTP/1.1', native: true },
  { name: 'precompressed br', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip, br'], native: true },
  { name: 'precompressed gzip', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip'], native: true },
  { name: 'precompressed by q-value', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: br;q=0.5, gzip;q=0.8'], native: true },
  { name: 'precompressed identity preferred', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip;q=0.5, identity;q=0.9'], native: true },
  { name: 'precompressed star', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: *'], native: true },
  { name: 'precompressed nothing acceptable', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: identity;q=0, *;q=0'], native: true },
  { name: 'precompressed all q=0', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip;q=0, br;q=0'], native: true },
  { name: 'precompressed unknown coding', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: deflate, x-foo'], native: true },
  { name: 'precompressed empty Accept-Encoding', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding:'], native: true },
  { name: 'precompressed upper case', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: GZIP'], native: true },
  { name: 'precompressed odd spelling (JS)', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip ; q=0.5'], native: false },
  { name: 'precompressed empty element (JS)', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip,,br'], native: false },
  { name: 'precompressed 304', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip', 'If-None-Match: *'], native: true },
  { name: 'precompressed 412', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: br', 'If-Match: "x"'], native: true },
  { name: 'precompressed range', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: br', 'Range: bytes=2-5'], native: true },
  { name: 'precompressed HEAD', line: 'HEAD /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip, br'], native: true },
  { name: 'precompressed only gzip exists', line: 'GET /pre/style.css HTTP/1.1', headers: ['Accept-Encoding: gzip, br'], native: true },
  { name: 'precompressed stale sibling', line: 'GET /pre/old.js HTTP/1.1', headers: ['Accept-Encoding: gzip'], native: true },
  { name: 'precompressed no sibling', line: 'GET /pre/a.txt HTTP/1.1', headers: ['Accept-Encoding: gzip, br'], native: true },
  { name: 'repeated Accept-Encoding (JS)', line: 'GET /pre/app.js HTTP/1.1', headers: ['Accept-Encoding: gzip', 'Accept-Encoding: br'], native: false },
  { name: 'Accept-Encoding on a plain mount', line: 'GET /app.js HTTP/1.1', headers: ['Accept-Encoding: gzip, br'], native: true },
  { name: 'HTTP/1.0', line: 'GET /a.txt HTTP/1.0', native: true },
  { name: 'repeated If-None-Match (JS)', line: 'GET /a.txt HTTP/1.1', headers: ['If-None-Match: "x"', `If-None-Match: ${etag}`], native: false },
];

function request(c: Case, close: boolean): string {
  const lines = [c.line, 'Host: localhost', ...(c.headers ?? [])];
  if (close) lines.push('Connection: close');
  return lines.join('\r\n') + '\r\n\r\n';
}

/**
 * The response bytes with the Date value blanked: the only part allowed to
 * differ (and the random multipart boundary of the TypeScript byterange filter).
 */
function normalise(b: Buffer): string {
  return b
    .toString('latin1')
    .replace(/\r\ndate: [^\r]*\r\n/gi, '\r\ndate: <date>\r\n')
    .replace(/brigade-[0-9a-f]{24}/g, 'brigade-<boundary>');
}

const test = suite('static fast path');

test.before(async () => {
  fastPort = (await fast.listen()).port;
  slowPort = (await slow.listen()).port;
});

test.after(async () => {
  destroyAllSockets();
  await fast.close();
  await slow.close();
});

for (const c of cases) {
  test(`identical bytes: ${c.name}`, async () => {
    const before = fast.stats().staticFastHits;
    const a = await exchange(fastPort, request(c, true));
    const hits = fast.stats().staticFastHits - before;
    const b = await exchange(slowPort, request(c, true));
    assert.ok(a.bytes.length > 0, 'the fast server answered');
    assert.is(normalise(a.bytes), normalise(b.bytes));
    assert.is(hits, c.native ? 1 : 0, c.native ? 'answered natively' : 'left to JS');
  });
}

test('the disabled mounts never use the fast path', () => {
  assert.is(slow.stats().staticFastHits, 0);
});

test('one keep-alive connection, every case pipelined: the same byte stream', async () => {
  // HEAD responses and the POST need their own framing knowledge; the rest is one stream.
  const pipelined = cases.filter((c) => !c.line.startsWith('HEAD') && !c.line.startsWith('POST') && !c.line.endsWith('1.0'));
  const payload = pipelined.map((c, i) => request(c, i === pipelined.length - 1)).join('');
  const before = fast.stats().staticFastHits;
  const a = await exchange(fastPort, payload);
  const hits = fast.stats().staticFastHits - before;
  const b = await exchange(slowPort, payload);
  assert.is(normalise(a.bytes), normalise(b.bytes));
  assert.is(hits, pipelined.filter((c) => c.native).length);
});

test('HTTP/1.0 keep-alive gets connection: keep-alive on both paths', async () => {
  const head = 'GET /a.txt HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n';
  const out: string[] = [];
  for (const port of [fastPort, slowPort]) {
    const c = await RawClient.open(port);
    await c.write(head);
    const [r] = await c.responses(1);
    assert.is(r!.headers['connection'], 'keep-alive');
    out.push(normalise(Buffer.from(`${r!.status} ${JSON.stringify(r!.rawHeaders)} ${r!.body.toString('latin1')}`)));
    c.destroy();
  }
  assert.is(out[0]!.replace(/"date","[^"]*"/i, ''), out[1]!.replace(/"date","[^"]*"/i, ''));
});

test('a file rewritten in place is seen at once (size and validators from a fresh fstat)', async () => {
  const p = path.join(root, 'changing.txt');
  fs.writeFileSync(p, 'one');
  const first = await exchange(fastPort, request({ name: '', line: 'GET /changing.txt HTTP/1.1', native: true }, true));
  assert.ok(normalise(first.bytes).endsWith('\r\n\r\none'));
  fs.writeFileSync(p, 'two, longer');
  fs.utimesSync(p, MTIME, MTIME);
  const before = fast.stats().staticFastHits;
  const a = await exchange(fastPort, request({ name: '', line: 'GET /changing.txt HTTP/1.1', native: true }, true));
  assert.is(fast.stats().staticFastHits - before, 1);
  const b = await exchange(slowPort, request({ name: '', line: 'GET /changing.txt HTTP/1.1', native: true }, true));
  assert.is(normalise(a.bytes), normalise(b.bytes));
  assert.ok(normalise(a.bytes).endsWith('two, longer'));
});

test.run();

// ---- which mounts are eligible ----

const elig = suite('static fast path: eligibility');

async function hitsFor(server: Server, paths: string[]): Promise<{ hits: number; bodies: string[] }> {
  const { port } = await server.listen();
  try {
    const before = server.stats().staticFastHits;
    const bodies: string[] = [];
    for (const p of paths) {
      const r = await exchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      bodies.push(r.bytes.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n'));
    }
    return { hits: server.stats().staticFastHits - before, bodies };
  } finally {
    destroyAllSockets();
    await server.close();
  }
}

const passThrough: Filter<unknown> = { name: 'noop', type: 'content-set', filter: (ctx, b) => ctx.pass(b) };

elig('a user filter covering the mount keeps it in JS', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root).filter(passThrough);
  const r = await hitsFor(s, ['/a.txt', '/sub/x.json']);
  assert.is(r.hits, 0);
  assert.is(r.bodies[1], '{"x":1}\n');
});

elig('a filter scoped below the mount only excludes its subtree', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root).filter(passThrough, { path: '/sub' });
  const r = await hitsFor(s, ['/a.txt', '/sub/x.json']);
  assert.is(r.hits, 1);
});

elig('a filter for other methods does not matter', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root).filter(passThrough, { methods: ['POST'] });
  const r = await hitsFor(s, ['/a.txt']);
  assert.is(r.hits, 1);
});

elig('on-the-fly compression keeps the mount in JS', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root, { compress: true });
  const r = await hitsFor(s, ['/a.txt']);
  assert.is(r.hits, 0);
});

elig('an option the fast path does not know keeps the mount in JS', async () => {
  const options = { futureOption: true } as unknown as Parameters<Server['static']>[2];
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root, options);
  const r = await hitsFor(s, ['/a.txt']);
  assert.is(r.hits, 0);
});

elig('with the status page (observability) every request goes through JS', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1', status: true }).static('/', root);
  const r = await hitsFor(s, ['/sub/x.json']);
  assert.is(r.hits, 0);
  assert.is(r.bodies[0], '{"x":1}\n');
});

elig('routes that win over the mount keep their paths', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' })
    .static('/', root)
    .get('/a.txt', (_req, res) => res.end('exact route'))
    .get('/sub/:name', (_req, res) => res.end('param route'))
    .static('/big.bin', root, { nativeFastPath: false });
  const r = await hitsFor(s, ['/a.txt', '/sub/x.json', '/IMG.PNG']);
  assert.equal(r.bodies.slice(0, 2), ['exact route', 'param route']);
  assert.is(r.hits, 1); // only /IMG.PNG
});

elig('the longest eligible mount answers', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root).static('/deep', path.join(root, 'sub'));
  const r = await hitsFor(s, ['/deep/x.json', '/a.txt']);
  assert.is(r.bodies[0], '{"x":1}\n');
  assert.is(r.hits, 2);
});

elig('a route added while listening switches the fast path off', async () => {
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root);
  const { port } = await s.listen();
  try {
    await exchange(port, 'GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.is(s.stats().staticFastHits, 1);
    s.get('/a.txt', (_req, res) => res.end('late route'));
    const r = await exchange(port, 'GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok(r.bytes.toString('latin1').endsWith('late route'));
    assert.is(s.stats().staticFastHits, 1);
  } finally {
    destroyAllSockets();
    await s.close();
  }
});

elig('the open-file cache closes its descriptors when the server stops', async () => {
  const fds0 = fdCount();
  const s = createServer({ port: 0, host: '127.0.0.1' }).static('/', root);
  const { port } = await s.listen();
  for (const p of ['/a.txt', '/big.bin', '/sub/x.json', '/noext']) {
    await exchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  }
  assert.is(s.stats().staticFastHits, 4);
  destroyAllSockets();
  await s.close();
  if (fds0 >= 0) assert.ok(fdCount() <= fds0, `fds ${fdCount()} after close, ${fds0} before`);
});

elig.after(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

elig.run();
