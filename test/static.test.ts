// Static files end to end: a real brigade server on an ephemeral port, a temp
// docroot, and requests over real sockets (raw ones where a client library
// would normalise the hostile request-targets away).

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from '../src/index.js';

const SECRET = 'OUTSIDE-THE-ROOT-7f3a';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  raw: Buffer;
}

// One request on its own connection ('Connection: close'), whole response back.
// Bodies are taken as everything after the head: with Connection: close that
// is exactly what the server sent, which is what HEAD/304 checks need.
function raw(port: number, head: string, timeoutMs = 3000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout waiting for response to ${JSON.stringify(head.split('\r\n')[0])}`));
    }, timeoutMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        // Closed without a response: report it as status 0 so callers can judge.
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), raw: all });
        return;
      }
      const lines = all.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      resolve({ status, headers, body: all.subarray(end + 4), raw: all });
    });
    sock.write(head);
  });
}

function get(port: number, target: string, extra: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  let head = `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(extra)) head += `${k}: ${v}\r\n`;
  return raw(port, head + '\r\n');
}

// --- fixture -----------------------------------------------------------------

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-static-'));
const root = path.join(base, 'root');
const big = randomBytes(1024 * 1024 + 123);
const binary = Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0]);

function write(rel: string, data: string | Buffer): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

write('hello.txt', 'hello, world\n');
write('index.html', '<h1>root index</h1>');
write('big.bin', big);
write('binary.dat', binary);
write('empty.txt', '');
write('sub/index.html', '<h1>sub index</h1>');
write('sub/page.html', '<p>page</p>');
write('style.css', 'body{}');
write('app.js', 'export {}');
write('data.json', '{}');
write('noindex/file.txt', 'x');
write('.secret', 'dotfile');
write('.hidden/inside.txt', 'hidden dir');
write('café.txt', 'unicode');
write('with space.txt', 'space');
write('100%.txt', 'percent');
write('%2e%2e', 'literal name');
fs.writeFileSync(path.join(base, 'outside.txt'), SECRET);
// A sibling whose name starts with the root's name: string-prefix checks fail here.
fs.mkdirSync(path.join(base, 'root-sibling'));
fs.writeFileSync(path.join(base, 'root-sibling', 'passwd'), SECRET);
fs.symlinkSync(path.join(base, 'outside.txt'), path.join(root, 'link-out.txt'));
fs.symlinkSync(base, path.join(root, 'link-out-dir'));
fs.symlinkSync('hello.txt', path.join(root, 'link-in.txt'));

const server = createServer({ port: 0 });
server.static('/', root);
let port = 0;

function setup(s: ReturnType<typeof suite>): void {
  s.before(async () => {
    if (port === 0) {
      await server.listen();
      port = server.address.port;
    }
  });
}

// --- files ---------------------------------------------------------------------

const files = suite('static: files');
setup(files);

files('serves a text file with metadata headers', async () => {
  const r = await get(port, '/hello.txt');
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'hello, world\n');
  assert.is(r.headers['content-type'], 'text/plain; charset=utf-8');
  assert.is(r.headers['content-length'], '13');
  const st = fs.statSync(path.join(root, 'hello.txt'));
  assert.is(r.headers['etag'], `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`);
  assert.is(r.headers['last-modified'], new Date(Math.floor(st.mtimeMs)).toUTCString());
  assert.is(r.headers['cache-control'], 'public, max-age=0');
  assert.is(r.headers['accept-ranges'], 'bytes'); // ranges are on by default (byterange filter)
});

files('large and binary files arrive byte-exact', async () => {
  const r = await get(port, '/big.bin');
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], String(big.length));
  assert.is(r.headers['content-type'], 'application/octet-stream');
  assert.ok(r.body.equals(big), `big.bin: got ${r.body.length} bytes, want ${big.length}`);
  const b = await get(port, '/binary.dat');
  assert.ok(b.body.equals(binary));
});

files('empty file is 200 with Content-Length 0', async () => {
  const r = await get(port, '/empty.txt');
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], '0');
  assert.is(r.body.length, 0);
});

files('content types', async () => {
  assert.is((await get(port, '/style.css')).headers['content-type'], 'text/css; charset=utf-8');
  assert.match((await get(port, '/app.js')).headers['content-type'] ?? '', /^(text|application)\/javascript; charset=utf-8$/);
  assert.is((await get(port, '/data.json')).headers['content-type'], 'application/json; charset=utf-8');
  assert.is((await get(port, '/sub/page.html')).headers['content-type'], 'text/html; charset=utf-8');
});

files('percent-encoded names are decoded once', async () => {
  assert.is((await get(port, '/caf%C3%A9.txt')).body.toString(), 'unicode');
  assert.is((await get(port, '/with%20space.txt')).body.toString(), 'space');
  assert.is((await get(port, '/100%25.txt')).body.toString(), 'percent');
  // '%252e%252e' decodes once to the literal name '%2e%2e', not to '..'
  assert.is((await get(port, '/%252e%252e')).body.toString(), 'literal name');
});

files('symlink inside the root is followed', async () => {
  const r = await get(port, '/link-in.txt');
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'hello, world\n');
});

files('many requests in parallel all succeed (no fd leaks in the happy path)', async () => {
  const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => get(port, i % 2 ? '/hello.txt' : '/binary.dat')));
  for (const r of rs) assert.is(r.status, 200);
});

files.run();

// --- directories -----------------------------------------------------------------

const dirs = suite('static: directories');
setup(dirs);

dirs('index.html at the root and in a subdirectory', async () => {
  const r = await get(port, '/');
  assert.is(r.status, 200);
  assert.is(r.body.toString(), '<h1>root index</h1>');
  assert.is(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.is((await get(port, '/sub/')).body.toString(), '<h1>sub index</h1>');
});

dirs('directory without slash is 301 to the slash form, query kept', async () => {
  const r = await get(port, '/sub');
  assert.is(r.status, 301);
  assert.is(r.headers['location'], '/sub/');
  const q = await get(port, '/sub?a=1&b=two');
  assert.is(q.status, 301);
  assert.is(q.headers['location'], '/sub/?a=1&b=two');
});

dirs('a leading // cannot turn the redirect into an off-site one', async () => {
  const r = await get(port, '//sub');
  if (r.status === 301) assert.is(r.headers['location'], '/sub/');
  else assert.ok([400, 404].includes(r.status), String(r.status));
});

dirs('directory without an index is 404 (no listing)', async () => {
  const r = await get(port, '/noindex/');
  assert.is(r.status, 404);
  assert.is(r.body.toString(), 'Not Found');
});

dirs('file with a trailing slash is 404', async () => {
  assert.is((await get(port, '/hello.txt/')).status, 404);
});

dirs.run();

// --- errors --------------------------------------------------------------------

const errors = suite('static: errors and methods');
setup(errors);

errors('missing file is 404 text/plain', async () => {
  const r = await get(port, '/does-not-exist.txt');
  assert.is(r.status, 404);
  assert.is(r.body.toString(), 'Not Found');
  assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
});

errors('POST/PUT/DELETE are 405 with Allow: GET, HEAD', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const r = await raw(port, `${method} /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    assert.is(r.status, 405, method);
    const allow = (r.headers['allow'] ?? '').split(',').map((s) => s.trim());
    assert.ok(allow.includes('GET') && allow.includes('HEAD'), `Allow: ${r.headers['allow']}`);
  }
});

errors('HEAD: same headers as GET, no body', async () => {
  const g = await get(port, '/big.bin');
  const h = await get(port, '/big.bin', {}, 'HEAD');
  assert.is(h.status, 200);
  assert.is(h.body.length, 0);
  for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control']) {
    assert.is(h.headers[name], g.headers[name], name);
  }
  const hi = await get(port, '/', {}, 'HEAD');
  assert.is(hi.status, 200);
  assert.is(hi.body.length, 0);
  assert.is(hi.headers['content-length'], String('<h1>root index</h1>'.length));
});

errors('HEAD then GET on one keep-alive connection stays in sync', async () => {
  const head =
    'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const r = await raw(port, head);
  const text = r.raw.toString('latin1');
  assert.is(text.split('HTTP/1.1 200').length - 1, 2, text);
  assert.ok(text.endsWith('hello, world\n'), text);
  assert.is(text.split('hello, world\n').length - 1, 1, 'HEAD must not carry a body');
});

errors.run();

// --- conditional ------------------------------------------------------------------

const cond = suite('static: conditional GET');
setup(cond);

cond('If-None-Match with the ETag (weak or strong form, in a list, or *) is 304', async () => {
  const first = await get(port, '/hello.txt');
  const etag = first.headers['etag']!;
  for (const inm of [etag, etag.slice(2), `"other", ${etag}`, '*']) {
    const r = await get(port, '/hello.txt', { 'If-None-Match': inm });
    assert.is(r.status, 304, inm);
    assert.is(r.headers['etag'], etag);
    assert.is(r.body.length, 0);
  }
  assert.is((await get(port, '/hello.txt', { 'If-None-Match': '"nope"' })).status, 200);
});

cond('If-Modified-Since: 304 when not newer, 200 when older; ignored beside If-None-Match', async () => {
  const first = await get(port, '/hello.txt');
  const lm = first.headers['last-modified']!;
  assert.is((await get(port, '/hello.txt', { 'If-Modified-Since': lm })).status, 304);
  assert.is((await get(port, '/hello.txt', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
  assert.is((await get(port, '/hello.txt', { 'If-Modified-Since': 'not a date' })).status, 200);
  assert.is((await get(port, '/hello.txt', { 'If-Modified-Since': lm, 'If-None-Match': '"nope"' })).status, 200);
});

cond.run();

// --- hostile -------------------------------------------------------------------------

const hostile = suite('static: hostile paths');
setup(hostile);

const TRAVERSALS = [
  '/../outside.txt',
  '/../../../../../../etc/passwd',
  '/%2e%2e/outside.txt',
  '/%2E%2E/%2E%2E/etc/passwd',
  '/a/%2e%2e/%2e%2e/etc/passwd',
  '/sub/%2e%2e/%2e%2e/outside.txt',
  '/.%2e/outside.txt',
  '/..%2foutside.txt',
  '/%2e%2e%2foutside.txt',
  '/sub/..%2f..%2foutside.txt',
  '//../outside.txt',
  '/./../outside.txt',
  '/../root-sibling/passwd',
  '/%2e%2e/root-sibling/passwd',
  '/..\\outside.txt',
  '/\\..\\outside.txt',
  '/..%5coutside.txt',
  '/%5c..%5c..%5coutside.txt',
  '/%c0%ae%c0%ae/outside.txt',
  '/%252e%252e/outside.txt',
  '/hello.txt%00',
  '/%00',
  '/hello.txt%00.png',
  '/link-out.txt',
  '/link-out-dir/outside.txt',
  '/link-out-dir/root-sibling/passwd',
];

hostile('traversal attempts never leak a byte from outside the root', async () => {
  for (const target of TRAVERSALS) {
    const r = await get(port, target);
    assert.ok([400, 403, 404].includes(r.status), `${target} → ${r.status}`);
    assert.not.ok(r.raw.includes(SECRET), `${target} leaked the secret`);
    assert.not.ok(r.raw.includes('root:x:0:0'), `${target} leaked /etc/passwd`);
  }
});

hostile('specific answers: climb 403, NUL 400, backslash 400, symlink out 404', async () => {
  assert.is((await get(port, '/%2e%2e/outside.txt')).status, 403);
  assert.is((await get(port, '/hello.txt%00')).status, 400);
  assert.is((await get(port, '/%5c..%5coutside.txt')).status, 400);
  assert.is((await get(port, '/link-out.txt')).status, 404);
  assert.is((await get(port, '/link-out-dir/outside.txt')).status, 404);
});

hostile('malformed percent-encoding is 400', async () => {
  for (const target of ['/%', '/%zz', '/hello%2', '/%ff']) {
    assert.is((await get(port, target)).status, 400, target);
  }
});

hostile('dotfiles are hidden by default (404), encoded or not', async () => {
  for (const target of ['/.secret', '/%2esecret', '/.hidden/inside.txt', '/.hidden/', '/sub/../.secret']) {
    const r = await get(port, target);
    assert.is(r.status, 404, target);
    assert.not.ok(r.raw.includes('dotfile'), target);
  }
});

hostile('no file descriptors leak across 304s, 404s, redirects, errors and sends', async () => {
  if (!fs.existsSync('/proc/self/fd')) return; // Linux-only probe
  const count = (): number => fs.readdirSync('/proc/self/fd').length;
  const targets = ['/hello.txt', '/big.bin', '/', '/sub', '/sub/', '/noindex/', '/nope', '/link-out.txt', '/.secret', '/%2e%2e/x'];
  const etag = (await get(port, '/hello.txt')).headers['etag']!;
  const before = count();
  for (let round = 0; round < 10; round++) {
    await Promise.all([
      ...targets.map((t) => get(port, t)),
      ...targets.map((t) => get(port, t, {}, 'HEAD')),
      get(port, '/hello.txt', { 'If-None-Match': etag }),
    ]);
  }
  // Sent fds are closed by the native side just after the last byte; give it a moment.
  let after = count();
  for (let i = 0; i < 50 && after > before; i++) {
    await new Promise((r) => setTimeout(r, 20));
    after = count();
  }
  assert.ok(after <= before, `fds before=${before} after=${after}`);
});

hostile('the server keeps serving after all of the above', async () => {
  assert.is((await get(port, '/hello.txt')).status, 200);
});

hostile.after(async () => {
  await server.close();
  fs.rmSync(base, { recursive: true, force: true });
});

hostile.run();
