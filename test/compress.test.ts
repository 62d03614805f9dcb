// The compress filter end to end: real servers, real sockets, Node's http
// client (it does not decompress), bodies decompressed with node:zlib and
// compared byte for byte. Negotiation by q-value, the cases where the filter
// must stay out, FLUSH as a sync flush the client can decompress before the
// end, FILE buckets read in bounded parts, and a 256 MiB file gzipped by a
// server whose V8 heap is limited to 64 MiB.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Brigade, compress, FileBucket, type Server } from '../src/index.js';
import { readFileChunks } from '../src/filters/read-file-chunks.js';
import { negotiateEncoding } from '../src/filters/compress.js';
import { generateFile, startBigFileServer, wordText, type Child } from './helpers/big-file.js';
import { underSanitizer } from './helpers/sanitizer.js';
import { start, stopAll, within } from './helpers/server.js';

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return within(
    new Promise<Got>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    10000,
    `${method} ${p}`,
  );
}

function decode(coding: string | undefined, body: Buffer): Buffer {
  if (coding === 'gzip') return zlib.gunzipSync(body);
  if (coding === 'br') return zlib.brotliDecompressSync(body);
  if (coding === 'deflate') return zlib.inflateSync(body);
  return body;
}

const text = wordText;

const BIG = text(300 * 1024);
const MID = text(20 * 1024, 7);

let dir = '';
let port = 0;
let server: Server;
let release: (() => void) | null = null;

const c = suite('compress');

c.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-compress-'));
  fs.writeFileSync(path.join(dir, 'file.txt'), BIG);
  const r = await start((s) => {
    s.filter(compress(), { path: '/c' });
    s.get('/c/big', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(BIG);
    });
    s.get('/c/mid', (_q, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('ETag', '"v1"');
      res.end(MID);
    });
    s.get('/c/small', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('x'.repeat(1023));
    });
    s.get('/c/exact', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('x'.repeat(1024));
    });
    s.get('/c/json', (_q, res) => res.json({ items: text(5000).split(' ') }));
    s.get('/c/png', (_q, res) => {
      res.setHeader('Content-Type', 'image/png');
      res.end(randomBytes(4096));
    });
    s.get('/c/octet', (_q, res) => {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(MID);
    });
    s.get('/c/untyped', (_q, res) => res.end(MID));
    s.get('/c/notransform', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Cache-Control', 'public, no-transform');
      res.end(MID);
    });
    s.get('/c/encoded', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Content-Encoding', 'gzip');
      res.end(zlib.gzipSync(MID));
    });
    s.get('/c/vary', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Vary', 'Origin');
      res.end(MID);
    });
    s.get('/c/vary-ae', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Vary', 'origin, accept-encoding');
      res.end(MID);
    });
    s.get('/c/vary-star', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Vary', '*');
      res.end(MID);
    });
    s.get('/c/204', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.status(204).end();
    });
    s.get('/c/304', (_q, res) => {
      res.setHeader('ETag', '"x"');
      res.status(304).end();
    });
    s.get('/c/404', (_q, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.status(404).end(MID);
    });
    s.get('/c/file', async (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      await res.sendFile(path.join(dir, 'file.txt'));
    });
    s.get('/c/stream', async (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      // 24 MiB in 64 KiB writes, faster than it compresses: the writes queue up.
      const chunk = text(64 * 1024, 3);
      for (let i = 0; i < 384; ++i) res.write(chunk);
      res.end('the end');
    });
    s.get('/c/flush', async (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.write(`first part ${MID}`);
      res.flush();
      await new Promise<void>((r) => {
        release = r;
      });
      res.end('second part');
    });
    s.get('/other/big', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(BIG);
    });
  });
  server = r.server;
  port = r.port;
});

c.after(async () => {
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

c('gzip, br and deflate round-trip; Content-Encoding, Vary, no stale Content-Length', async () => {
  for (const coding of ['gzip', 'br', 'deflate']) {
    for (const [p, want] of [['/c/big', BIG], ['/c/mid', MID]] as const) {
      const r = await request(port, p, { 'Accept-Encoding': coding });
      assert.is(r.status, 200);
      assert.is(r.headers['content-encoding'], coding, `${p} ${coding}`);
      assert.is(r.headers['vary'], 'Accept-Encoding');
      assert.ok(r.body.length < Buffer.byteLength(want) / 2, `${p} ${coding} compressed to ${r.body.length}`);
      if (r.headers['content-length'] !== undefined) assert.is(Number(r.headers['content-length']), r.body.length);
      assert.is(decode(coding, r.body).toString(), want, `${p} ${coding}`);
    }
  }
});

c('a complete body gets a Content-Length of the compressed bytes', async () => {
  const r = await request(port, '/c/mid', { 'Accept-Encoding': 'gzip' });
  assert.is(r.headers['transfer-encoding'], undefined);
  assert.is(Number(r.headers['content-length']), r.body.length);
  const j = await request(port, '/c/json', { 'Accept-Encoding': 'br' });
  assert.is(j.headers['content-encoding'], 'br');
  assert.ok(Array.isArray((JSON.parse(decode('br', j.body).toString()) as { items: unknown }).items));
});

c('strong ETag becomes weak; Accept-Ranges: none on compressed bodies', async () => {
  const gz = await request(port, '/c/mid', { 'Accept-Encoding': 'gzip' });
  assert.is(gz.headers['etag'], 'W/"v1"');
  assert.is(gz.headers['accept-ranges'], 'none');
  const plain = await request(port, '/c/mid', { 'Accept-Encoding': 'identity' });
  assert.is(plain.headers['etag'], '"v1"');
  assert.is(plain.headers['content-encoding'], undefined);
  assert.is(plain.headers['vary'], 'Accept-Encoding');
  assert.is(plain.body.toString(), MID);
});

c('q-value negotiation', async () => {
  const cases: [string | undefined, string | undefined][] = [
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['deflate', 'deflate'],
    ['gzip, deflate, br', 'br'], // equal q: the server's order (br, gzip, deflate)
    ['deflate, gzip', 'gzip'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['gzip;q=0.5, br;q=0.8, deflate;q=0.9', 'deflate'],
    ['GZIP', 'gzip'],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['br;q=0, gzip;q=0, *;q=0.1', 'deflate'],
    ['gzip;q=0', undefined],
    ['identity', undefined],
    ['identity;q=1, gzip;q=0.5', undefined],
    ['x-unknown', undefined],
    ['', undefined],
    [undefined, undefined],
    // Nothing acceptable, identity forbidden: sent uncompressed anyway (documented).
    ['identity;q=0', undefined],
    ['identity;q=0, *;q=0', undefined],
  ];
  for (const [ae, want] of cases) {
    const r = await request(port, '/c/mid', ae === undefined ? {} : { 'Accept-Encoding': ae });
    assert.is(r.status, 200, String(ae));
    assert.is(r.headers['content-encoding'], want, `Accept-Encoding: ${ae}`);
    assert.is(decode(want, r.body).toString(), MID, `Accept-Encoding: ${ae}`);
    assert.is(r.headers['vary'], 'Accept-Encoding');
  }
  // The negotiation helper on its own, with the server's preference.
  assert.is(negotiateEncoding('gzip;q=0.9, br;q=0.9', ['gzip', 'br', 'identity']), 'gzip');
  assert.is(negotiateEncoding('identity;q=0', ['gzip', 'identity']), undefined);
  // Answers are remembered per offer and header: asked again, and with another offer.
  assert.is(negotiateEncoding('identity;q=0', ['gzip', 'identity']), undefined);
  assert.is(negotiateEncoding('gzip;q=0.9, br;q=0.9', ['gzip', 'br', 'identity']), 'gzip');
  assert.is(negotiateEncoding('gzip;q=0.9, br;q=0.9', ['br', 'gzip', 'identity']), 'br');
  // More distinct headers than the memo holds still negotiate correctly.
  for (let i = 0; i < 600; i++) assert.is(negotiateEncoding(`x-${i}, gzip;q=0.${(i % 9) + 1}`, ['br', 'gzip', 'identity']), 'gzip');
  assert.is(negotiateEncoding('br', ['gzip', 'identity']), 'identity');
});

c('stays out: small complete body, non-compressible or missing type, no-transform, already encoded', async () => {
  const small = await request(port, '/c/small', { 'Accept-Encoding': 'gzip' });
  assert.is(small.headers['content-encoding'], undefined);
  assert.is(small.headers['content-length'], '1023');
  assert.is(small.headers['vary'], 'Accept-Encoding'); // another response of it could be compressed
  const exact = await request(port, '/c/exact', { 'Accept-Encoding': 'gzip' });
  assert.is(exact.headers['content-encoding'], 'gzip', 'the threshold itself compresses');
  assert.is(decode('gzip', exact.body).toString(), 'x'.repeat(1024));

  const png = await request(port, '/c/png', { 'Accept-Encoding': 'gzip' });
  assert.is(png.headers['content-encoding'], undefined);
  assert.is(png.headers['vary'], undefined);
  assert.is(png.body.length, 4096);

  // mime-db flags application/octet-stream compressible; it is the type of unknown (often binary) files.
  const octet = await request(port, '/c/octet', { 'Accept-Encoding': 'gzip' });
  assert.is(octet.headers['content-encoding'], undefined);
  assert.is(octet.headers['vary'], undefined);
  assert.is(octet.body.toString(), MID);

  const untyped = await request(port, '/c/untyped', { 'Accept-Encoding': 'gzip' });
  assert.is(untyped.headers['content-encoding'], undefined);
  assert.is(untyped.body.toString(), MID);

  const nt = await request(port, '/c/notransform', { 'Accept-Encoding': 'gzip' });
  assert.is(nt.headers['content-encoding'], undefined);
  assert.is(nt.headers['vary'], undefined);
  assert.is(nt.body.toString(), MID);

  const enc = await request(port, '/c/encoded', { 'Accept-Encoding': 'gzip, br' });
  assert.is(enc.headers['content-encoding'], 'gzip');
  assert.is(zlib.gunzipSync(enc.body).toString(), MID, 'compressed exactly once');

  const other = await request(port, '/other/big', { 'Accept-Encoding': 'gzip' });
  assert.is(other.headers['content-encoding'], undefined, 'outside the filter scope');
  assert.is(other.body.length, BIG.length);
});

c('Vary is merged with what the handler set', async () => {
  assert.is((await request(port, '/c/vary', { 'Accept-Encoding': 'gzip' })).headers['vary'], 'Origin, Accept-Encoding');
  assert.is((await request(port, '/c/vary-ae', { 'Accept-Encoding': 'gzip' })).headers['vary'], 'origin, accept-encoding');
  const star = await request(port, '/c/vary-star', { 'Accept-Encoding': 'gzip' });
  assert.is(star.headers['vary'], '*');
  assert.is(star.headers['content-encoding'], 'gzip');
});

c('204, 304 and HEAD carry no compressed body; error pages are compressed', async () => {
  const nc = await request(port, '/c/204', { 'Accept-Encoding': 'gzip' });
  assert.is(nc.status, 204);
  assert.is(nc.headers['content-encoding'], undefined);
  const nm = await request(port, '/c/304', { 'Accept-Encoding': 'gzip' });
  assert.is(nm.status, 304);
  assert.is(nm.headers['content-encoding'], undefined);
  assert.is(nm.headers['vary'], 'Accept-Encoding');
  const head = await request(port, '/c/mid', { 'Accept-Encoding': 'gzip' }, 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.headers['content-encoding'], undefined);
  assert.is(head.headers['vary'], 'Accept-Encoding');
  assert.is(head.headers['content-length'], String(Buffer.byteLength(MID)));
  assert.is(head.body.length, 0);
  const nf = await request(port, '/c/404', { 'Accept-Encoding': 'gzip' });
  assert.is(nf.status, 404);
  assert.is(nf.headers['content-encoding'], 'gzip');
  assert.is(decode('gzip', nf.body).toString(), MID);
});

c('sendFile: FILE buckets are compressed from bounded reads', async () => {
  for (const coding of ['gzip', 'br']) {
    const r = await request(port, '/c/file', { 'Accept-Encoding': coding });
    assert.is(r.headers['content-encoding'], coding);
    assert.is(decode(coding, r.body).toString(), BIG);
  }
});

c('readFileChunks reads a FILE bucket in parts of at most 64 KiB, in order', async () => {
  const fd = fs.openSync(path.join(dir, 'file.txt'), 'r');
  try {
    const bucket = new FileBucket(fd, 1000, 200 * 1024 + 17);
    const parts: Uint8Array[] = [];
    for await (const p of readFileChunks(bucket)) parts.push(p);
    assert.equal(parts.map((p) => p.length), [65536, 65536, 65536, 8209]);
    assert.is(Buffer.concat(parts).toString(), BIG.slice(1000, 1000 + 200 * 1024 + 17));
    const small: number[] = [];
    for await (const p of readFileChunks(new FileBucket(fd, 0, 10), 4)) small.push(p.length);
    assert.equal(small, [4, 4, 2]);
    assert.is(bucket.length, 200 * 1024 + 17, 'the bucket is left as it was');
    const b = new Brigade([bucket]);
    assert.is(b.length, 200 * 1024 + 17);
  } finally {
    fs.closeSync(fd);
  }
});

c('a streamed body written faster than it compresses arrives intact', async () => {
  const r = await request(port, '/c/stream', { 'Accept-Encoding': 'gzip' });
  assert.is(r.headers['transfer-encoding'], 'chunked');
  const out = decode('gzip', r.body);
  const chunk = Buffer.from(text(64 * 1024, 3));
  assert.is(out.length, chunk.length * 384 + 7);
  for (let i = 0; i < 384; ++i) {
    if (!out.subarray(i * chunk.length, (i + 1) * chunk.length).equals(chunk)) assert.unreachable(`chunk ${i} differs`);
  }
  assert.is(out.subarray(out.length - 7).toString(), 'the end');
});

c('FLUSH: the client decompresses the first part before the response ends', async () => {
  const got = await within(
    new Promise<{ early: string; all: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/c/flush', headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
        assert.is(res.headers['content-encoding'], 'gzip');
        const gunzip = zlib.createGunzip();
        let all = '';
        let early = '';
        gunzip.on('data', (d: Buffer) => {
          all += d.toString();
          if (release && all.includes('first part') && all.length >= MID.length + 11) {
            early = all;
            const r = release;
            release = null;
            r(); // only now may the handler end the response
          }
        });
        gunzip.on('end', () => resolve({ early, all }));
        gunzip.on('error', reject);
        res.pipe(gunzip);
      });
      req.on('error', reject);
    }),
    10000,
    'flushed response',
  );
  assert.is(got.early, `first part ${MID}`);
  assert.is(got.all, `first part ${MID}second part`);
});

c('option validation', () => {
  assert.throws(() => compress({ level: 10 }), /level/);
  assert.throws(() => compress({ brotliQuality: -1 }), /brotliQuality/);
  assert.throws(() => compress({ threshold: -5 }), /threshold/);
  assert.throws(() => compress({ encodings: [] }), /encodings/);
  assert.throws(() => compress({ encodings: ['zstd' as 'gzip'] }), /unknown coding/);
});

c('options: encodings and threshold', async () => {
  const r = await start((s) => {
    s.filter(compress({ encodings: ['gzip'], threshold: 10 }));
    s.get('/t', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello hello hello');
    });
  });
  const br = await request(r.port, '/t', { 'Accept-Encoding': 'br, gzip;q=0.1' });
  assert.is(br.headers['content-encoding'], 'gzip');
  assert.is(decode('gzip', br.body).toString(), 'hello hello hello');
  const onlyBr = await request(r.port, '/t', { 'Accept-Encoding': 'br' });
  assert.is(onlyBr.headers['content-encoding'], undefined);
});

void server;
c.run();

// ---- static mounts: compress option and precompressed siblings ----

const st = suite('compress: static mount');
let sdir = '';
let sport = 0;
const JS = text(30 * 1024, 5);
const CSS = text(8 * 1024, 9);

st.before(async () => {
  sdir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-static-gz-'));
  fs.writeFileSync(path.join(sdir, 'app.js'), JS);
  // Precompressed siblings, made at a different level so they are recognisable.
  const gz = zlib.gzipSync(JS, { level: 9 });
  const br = zlib.brotliCompressSync(JS);
  fs.writeFileSync(path.join(sdir, 'app.js.gz'), gz);
  fs.writeFileSync(path.join(sdir, 'app.js.br'), br);
  fs.writeFileSync(path.join(sdir, 'only-gz.css'), CSS);
  fs.writeFileSync(path.join(sdir, 'only-gz.css.gz'), zlib.gzipSync(CSS, { level: 9 }));
  fs.writeFileSync(path.join(sdir, 'stale.txt'), MID);
  fs.writeFileSync(path.join(sdir, 'stale.txt.gz'), zlib.gzipSync('stale content'));
  const past = new Date(Date.now() - 3600 * 1000);
  fs.utimesSync(path.join(sdir, 'stale.txt.gz'), past, past);
  fs.writeFileSync(path.join(sdir, 'image.png'), randomBytes(5000));
  const r = await start((s) => {
    s.static('/s', sdir, { compress: true });
    s.static('/plain', sdir); // ranges only: no compression, no sibling lookup
    s.get('/s-api', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(MID);
    });
    s.get('/s/api/dynamic', (_q, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(MID);
    });
  });
  sport = r.port;
});

st.after(async () => {
  await stopAll();
  fs.rmSync(sdir, { recursive: true, force: true });
});

st('precompressed siblings: br or gz by negotiation, sent as they are, with Vary', async () => {
  const gzBytes = fs.readFileSync(path.join(sdir, 'app.js.gz'));
  const brBytes = fs.readFileSync(path.join(sdir, 'app.js.br'));
  const both = await request(sport, '/s/app.js', { 'Accept-Encoding': 'gzip, br' });
  assert.is(both.headers['content-encoding'], 'br');
  assert.is(both.headers['vary'], 'Accept-Encoding');
  assert.is(both.headers['content-type'], 'text/javascript; charset=utf-8', 'the type of app.js');
  assert.ok(both.body.equals(brBytes), 'the .br file itself, not compressed again');
  assert.is(both.headers['content-length'], String(brBytes.length));
  const gz = await request(sport, '/s/app.js', { 'Accept-Encoding': 'gzip' });
  assert.is(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.equals(gzBytes));
  assert.is(zlib.gunzipSync(gz.body).toString(), JS);
  assert.is.not(gz.headers['etag'], both.headers['etag'], 'each variant has its own ETag');
  const pref = await request(sport, '/s/app.js', { 'Accept-Encoding': 'br;q=0.5, gzip' });
  assert.is(pref.headers['content-encoding'], 'gzip');
  const none = await request(sport, '/s/app.js');
  assert.is(none.headers['content-encoding'], undefined);
  assert.is(none.body.toString(), JS);
  const onlyGz = await request(sport, '/s/only-gz.css', { 'Accept-Encoding': 'br, gzip' });
  assert.is(onlyGz.headers['content-encoding'], 'gzip', 'no .br sibling: the .gz one');
  assert.ok(onlyGz.body.equals(fs.readFileSync(path.join(sdir, 'only-gz.css.gz'))));
  // A variant revalidates against its own ETag.
  const nm = await request(sport, '/s/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers['etag']! });
  assert.is(nm.status, 304);
  assert.is(nm.headers['vary'], 'Accept-Encoding');
  assert.is(nm.headers['content-encoding'], undefined);
});

st('a stale sibling is ignored; the file is compressed on the fly instead', async () => {
  const r = await request(sport, '/s/stale.txt', { 'Accept-Encoding': 'gzip' });
  assert.is(r.headers['content-encoding'], 'gzip');
  assert.is(zlib.gunzipSync(r.body).toString(), MID);
  assert.match(r.headers['etag'] ?? '', /^W\//);
});

st('on-the-fly compression of static files, not of images nor of other routes', async () => {
  const css = await request(sport, '/s/only-gz.css', { 'Accept-Encoding': 'deflate' });
  assert.is(css.headers['content-encoding'], 'deflate');
  assert.is(zlib.inflateSync(css.body).toString(), CSS);
  const png = await request(sport, '/s/image.png', { 'Accept-Encoding': 'gzip' });
  assert.is(png.headers['content-encoding'], undefined);
  assert.is(png.body.length, 5000);
  const head = await request(sport, '/s/stale.txt', { 'Accept-Encoding': 'gzip' }, 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.headers['vary'], 'Accept-Encoding');
  assert.is(head.body.length, 0);
  // A handler under the mount's prefix is not the mount's: its filters stay out.
  const dyn = await request(sport, '/s/api/dynamic', { 'Accept-Encoding': 'gzip' });
  assert.is(dyn.headers['content-encoding'], undefined);
  assert.is(dyn.body.toString(), MID);
  const api = await request(sport, '/s-api', { 'Accept-Encoding': 'gzip' });
  assert.is(api.headers['content-encoding'], undefined);
  // Without the compress option: siblings are not looked at, nothing is compressed.
  const plain = await request(sport, '/plain/app.js', { 'Accept-Encoding': 'gzip, br' });
  assert.is(plain.headers['content-encoding'], undefined);
  assert.is(plain.headers['vary'], undefined);
  assert.is(plain.body.toString(), JS);
});

st.run();

// ---- bounded memory: 256 MiB through gzip in a server with a 64 MiB heap ----

const m = suite('compress: bounded memory');
const BIG_FILE_SIZE = 256 * 1024 * 1024;
let bigDir = '';
let bigFile = '';
let child: Child | null = null;

let expected = '';
m.before(async () => {
  bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-big-'));
  bigFile = path.join(bigDir, 'big.txt');
  expected = await generateFile(bigFile, BIG_FILE_SIZE);
});

m.after(() => {
  if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
  fs.rmSync(bigDir, { recursive: true, force: true });
});

m('256 MiB sendFile → gzip with --max-old-space-size=64: the decompressed stream hashes like the file', async () => {
  const started = await startBigFileServer(bigFile, 'compress');
  child = started;
  const result = await within(
    new Promise<{ hash: string; wire: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: started.port, path: '/big', headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
          const hash = createHash('sha256');
          let wire = 0;
          res.on('data', (d: Buffer) => {
            wire += d.length;
          });
          pipeline(res, zlib.createGunzip(), hash)
            .then(() => resolve({ hash: hash.digest('hex'), wire, headers: res.headers }))
            .catch(reject);
        })
        .on('error', reject);
    }),
    50000,
    'the 256 MiB gzip stream',
  );
  assert.is(result.headers['content-encoding'], 'gzip');
  assert.is(result.headers['transfer-encoding'], 'chunked');
  assert.ok(result.wire < BIG_FILE_SIZE / 2, `compressed to ${result.wire}`);
  assert.is(result.hash, expected);
  const stats = JSON.parse((await request(started.port, '/stats')).body.toString()) as { peakHeap: number; peakRss: number };
  assert.ok(stats.peakHeap < 64 * 1024 * 1024, `peak heap ${stats.peakHeap}`);
  // The file never was in memory: the whole process stayed far below its size.
  // AddressSanitizer's shadow memory and quarantine inflate RSS on their own:
  // under the sanitizer run the hash checks stay, the RSS bound does not apply.
  if (!underSanitizer) assert.ok(stats.peakRss < 200 * 1024 * 1024, `peak rss ${stats.peakRss}`);
  started.proc.stdin!.end();
  assert.is(await within(started.exited, 5000, 'child exit'), 0);
});

m.run();
