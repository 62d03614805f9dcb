// The SSI filter end to end: real servers, raw sockets (exact framing and
// headers) and node:http where decompression is needed. Every directive,
// directives split across writes at every byte, include virtual of handlers
// and static files, include file confinement, depth and loop limits, HEAD,
// gzip after SSI, and a large .shtml streamed through SSI by a server whose
// V8 heap is smaller than the file.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Brigade, compress, DEFAULT_ERRMSG, EosBucket, HeapBucket, ssi, type Bucket, type Filter, type Request, type Server, type SsiOptions } from '../src/index.js';
import { FilterChain } from '../src/filters/chain.js';
import { parseCliArgs } from '../src/cli/args.js';
import { DirectiveScanner, type ScanEvent } from '../src/filters/ssi/scanner.js';
import { parseDirective, parseDirectiveCached } from '../src/filters/ssi/directive.js';
import { evaluate } from '../src/filters/ssi/expr.js';
import { strftime } from '../src/filters/ssi/strftime.js';
import { startBigFileServer, wordText, type Child } from './helpers/big-file.js';
import { underSanitizer } from './helpers/sanitizer.js';
import { baseline, settled } from './helpers/fds.js';
import { start, stopAll, within } from './helpers/server.js';
import { KeepAlive, request } from './support/http.js';

const ERR = DEFAULT_ERRMSG;

// ---- a docroot ----

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-ssi-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-ssi-outside-'));
function put(rel: string, text: string | Buffer): void {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}
put('frag.html', 'FRAG');
put('plain.txt', 'PLAIN');
put('dir/page.shtml', '[<!--#include file="part.html" -->|<!--#include file="sub/deep.html" -->|<!--#include virtual="part.html" -->]');
put('dir/part.html', 'PART');
put('dir/sub/deep.html', 'DEEP');
put('secret.txt', 'SECRET');
put('nested.shtml', '(<!--#include virtual="/frag.html" -->:<!--#echo var="DOCUMENT_NAME" -->)');
put('outer.shtml', '{<!--#include virtual="/nested.shtml" -->}');
put('loop-a.shtml', 'a<!--#include virtual="/loop-b.shtml" -->a');
put('loop-b.shtml', 'b<!--#include virtual="/loop-a.shtml" -->b');
put('self.shtml', 's<!--#include virtual="/self.shtml" -->s');
for (let i = 0; i < 6; ++i) put(`d${i}.shtml`, `${i}<!--#include virtual="/d${i + 1}.shtml" -->`);
put('d6.shtml', 'bottom');
fs.writeFileSync(path.join(outside, 'out.html'), 'OUTSIDE');
fs.symlinkSync(path.join(outside, 'out.html'), path.join(root, 'link.html'));

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
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

/** A server with an SSI handler route: GET /page?... answers `page` written in the given pieces. */
async function pageServer(opts: SsiOptions = {}, extra?: (s: Server) => void): Promise<{ port: number; server: Server; pages: Map<string, string[]> }> {
  const pages = new Map<string, string[]>();
  const { server, port } = await start((s) => {
    s.filter(ssi(opts), { contentTypes: ['text/html'] });
    s.get('/p/:name', (req, res) => {
      const pieces = pages.get(req.params['name']!) ?? ['no such page'];
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Length', String(pieces.reduce((n, x) => n + Buffer.byteLength(x), 0)));
      res.setHeader('Last-Modified', 'Tue, 03 Feb 2026 04:05:06 GMT');
      res.setHeader('ETag', '"v1"');
      for (const x of pieces.slice(0, -1)) res.write(x);
      res.end(pieces[pieces.length - 1]);
    });
    s.get('/handler', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.write('han');
      setTimeout(() => res.end('dler'), 5);
    });
    s.get('/q', (req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(`q=${req.query};ua=${req.header('user-agent') ?? ''};ae=${req.header('accept-encoding') ?? '-'};range=${req.header('range') ?? '-'}`);
    });
    s.get('/status/:code', (req, res) => {
      res.status(Number(req.params['code'])).setHeader('Content-Type', 'text/plain').end('ERRBODY');
    });
    s.fetch('/fetch', (req) => new Response(`fetched ${new URL(req.url).search}`, { headers: { 'Content-Type': 'text/plain' } }));
    s.get('/sendfile', async (_req, res) => {
      await res.sendFile(path.join(root, 'plain.txt'));
    });
    s.get('/flushy', async (_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.write('a<!--#echo var=');
      res.flush();
      await new Promise((r) => setTimeout(r, 5));
      res.write('"DOCUMENT_NAME" -->b<');
      res.flush();
      res.end('!--#echo var="DOCUMENT_URI" -->c');
    });
    s.get('/throws', () => {
      throw new Error('boom');
    });
    s.get('/rejects', async (_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.write('partial');
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('late boom');
    });
    s.static('/', root, { ssi: opts });
    extra?.(s);
  });
  return { port, server, pages };
}

let port = 0;
let pages = new Map<string, string[]>();

/** Serves text as page `name` (in the given pieces) and returns the body the client got. */
async function render(name: string, pieces: string[], headers: Record<string, string> = {}, query = ''): Promise<string> {
  pages.set(name, pieces);
  const { res } = await request(port, `/p/${name}${query}`, { headers });
  assert.is(res.status, 200);
  return res.body.toString('utf8');
}

// ---- unit: the scanner ----

const scanner = suite('ssi: scanner');

function scanAll(pieces: Uint8Array[], max = 4096): string {
  const sc = new DirectiveScanner(max);
  let out = '';
  for (const p of pieces) {
    for (const ev of sc.feed(p) as ScanEvent[]) {
      if (ev.kind === 'text') out += Buffer.from(p.subarray(ev.start, ev.end)).toString('latin1');
      else if (ev.kind === 'literal') out += Buffer.from(ev.bytes).toString('latin1');
      else if (ev.kind === 'directive') out += `{${ev.text}}`;
      else out += '{TOO-LONG}';
    }
  }
  const held = sc.end();
  if (held) out += Buffer.from(held).toString('latin1');
  return out;
}

scanner('finds directives, keeps near misses as text, at every split point', () => {
  const page = 'a<b<!c<!-d<!--e<!--#echo var="x" -->f<!--<!--#set x -->g<!--#x--h-->i<!-';
  const want = 'a<b<!c<!-d<!--e{echo var="x" }f<!--{set x }g{x--h}i<!-';
  const bytes = Buffer.from(page, 'latin1');
  assert.is(scanAll([bytes]), want);
  for (let i = 0; i <= bytes.length; ++i) {
    for (let j = i; j <= bytes.length; j += 7) {
      assert.is(scanAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]), want, `split ${i}/${j}`);
    }
  }
});

scanner('an unterminated directive at the end is text; a too long one is dropped to its -->', () => {
  assert.is(scanAll([Buffer.from('x<!--#echo var="a"')]), 'x<!--#echo var="a"');
  const long = `<!--#echo var="${'v'.repeat(50)}" -->after`;
  assert.is(scanAll([Buffer.from(long)], 20), '{TOO-LONG}after');
  for (let i = 0; i <= long.length; ++i) {
    const b = Buffer.from(long);
    assert.is(scanAll([b.subarray(0, i), b.subarray(i)], 20), '{TOO-LONG}after', `split ${i}`);
  }
  // Exactly at the limit still works, with the terminator split anywhere.
  const exact = '<!--#' + 'e'.repeat(10) + '-->z';
  for (let i = 0; i <= exact.length; ++i) {
    const b = Buffer.from(exact);
    assert.is(scanAll([b.subarray(0, i), b.subarray(i)], 10), `{${'e'.repeat(10)}}z`, `split ${i}`);
  }
});

scanner('a piece without "<" is one text event covering all of it', () => {
  const sc = new DirectiveScanner(100);
  const ev = sc.feed(Buffer.from('plain text, no markup at all'));
  assert.equal(ev, [{ kind: 'text', start: 0, end: 28 }]);
});

scanner('through the filter: a bucket without a directive is passed as it is; text around one is a view', async () => {
  const passed: Bucket[] = [];
  const sink: Filter<unknown> = { name: 'sink', type: 'network', filter: (_ctx, b) => void passed.push(...b.buckets) };
  const headers = new Map<string, string>([['content-type', 'text/html']]);
  const response = {
    statusCode: 200,
    headersSent: false,
    getHeader: (n: string) => headers.get(n.toLowerCase()),
    setHeader: (n: string, v: string | number | readonly string[]) => headers.set(n.toLowerCase(), String(v)),
    removeHeader: (n: string) => headers.delete(n.toLowerCase()),
    hasHeader: (n: string) => headers.has(n.toLowerCase()),
  };
  const req = { method: 'GET', path: '/z.html', query: '', url: '/z.html', header: () => undefined, headers: {}, remoteAddress: '127.0.0.1' } as unknown as Request;
  const chain = new FilterChain([ssi() as Filter<unknown>, sink], req, response);
  const plain = new HeapBucket(Buffer.from('<p>no directive here, only <b>tags</b></p>'));
  // Its own ArrayBuffer (small Buffers share a pool, and so would the echoed value).
  const mixed = new HeapBucket(new Uint8Array(Buffer.from('before<!--#echo var="DOCUMENT_NAME" -->after')));
  await chain.pass(new Brigade([plain, mixed, new EosBucket()]));
  assert.is(passed[0], plain, 'the same bucket object, not a copy');
  const views = passed.filter((b): b is HeapBucket => b instanceof HeapBucket && b !== plain);
  const text = views.map((b) => Buffer.from(b.bytes).toString()).join('');
  assert.is(text, 'beforez.htmlafter');
  const around = views.filter((b) => b.bytes.buffer === mixed.bytes.buffer);
  assert.equal(around.map((b) => Buffer.from(b.bytes).toString()), ['before', 'after'], 'text around the directive views the original bytes');
  assert.ok(passed[passed.length - 1] instanceof EosBucket);
});

scanner.run();

// ---- unit: expressions and time formats ----

scanner('parsed directives are remembered by text: the same answer, malformed ones included', () => {
  const texts = [' include virtual="/a.html" ', ' echo var="x" encoding="url" ', ' include virtual="/a.html', ' 9bad ', ' set var="v" value=\'q\' '];
  for (const t of texts) {
    const first = parseDirectiveCached(t);
    assert.equal(first, parseDirective(t), t);
    assert.is(parseDirectiveCached(t), first, `${t}: one parse`);
  }
  assert.is(parseDirectiveCached(' include virtual="/a.html'), null);
  // More distinct texts than it keeps: still right.
  for (let i = 0; i < 3000; i++) assert.equal(parseDirectiveCached(` echo var="v${i}" `), { name: 'echo', attrs: [['var', `v${i}`]] });
});

const expr = suite('ssi: expressions');

expr('comparisons, regex, boolean operators, precedence as in httpd', () => {
  const vars: Record<string, string> = { a: 'abc', b: 'abd', e: '', n: '10' };
  const cap = new Map<string, string>();
  const ev = (s: string): boolean => evaluate(s, (k) => vars[k], cap);
  assert.ok(ev('$a'));
  assert.not.ok(ev('$e'));
  assert.not.ok(ev('$missing'));
  assert.ok(ev('$a = abc'));
  assert.ok(ev("$a == 'abc'"));
  assert.ok(ev('$a != abd'));
  assert.ok(ev('$a < $b'));
  assert.ok(ev('$b > $a'));
  assert.ok(ev('$a <= abc && $a >= abc'));
  assert.ok(ev('${a}x = abcx'));
  assert.ok(ev("'a b' = a  b")); // bare words join with one space
  assert.ok(ev('$a = /^a(b)c$/'));
  assert.is(cap.get('1'), 'b');
  assert.is(cap.get('0'), 'abc');
  assert.ok(ev('$a != /^x/'));
  assert.ok(ev('!($a = x)'));
  assert.ok(ev('$a = x || $a = abc'));
  assert.not.ok(ev('$a = x && $a = abc'));
  // && and || share one precedence, grouped from the left: (true || x) && false.
  assert.not.ok(ev('$a = abc || $a = x && $a = y'));
  assert.ok(ev('$a = abc || ($a = x && $a = y)'));
  // A variable's value is never a pattern: /$a/ is the literal pattern "$a".
  vars['p'] = '.*';
  assert.not.ok(ev('xyz = /$p/'));
});

expr('malformed expressions throw', () => {
  const ev = (s: string): boolean => evaluate(s, () => undefined, new Map());
  for (const bad of ['', '(a', 'a = ', "'open", 'a = /x', '/(/ = a', 'a < /x/', 'a b )', '('.repeat(100) + 'a' + ')'.repeat(100)]) {
    assert.throws(() => ev(bad), undefined, bad);
  }
});

expr('strftime: the common conversions, GMT and local', () => {
  const d = new Date(Date.UTC(2026, 1, 3, 4, 5, 6));
  assert.is(strftime('%A, %d-%b-%Y %H:%M:%S %Z', d, true), 'Tuesday, 03-Feb-2026 04:05:06 GMT');
  assert.is(strftime('%a %B %e %j %I%p %y %F %T %s %%', d, true), `Tue February  3 034 04AM 26 2026-02-03 04:05:06 ${d.getTime() / 1000} %`);
  assert.is(strftime('%Y', d, false), String(d.getFullYear()));
  assert.is(strftime('%H', d, false), String(d.getHours()).padStart(2, '0'));
});

expr.run();

// ---- directives through a server ----

const directives = suite('ssi: directives');
let server: Server | undefined;
directives.before(async () => {
  const s = await pageServer();
  port = s.port;
  pages = s.pages;
  server = s.server;
});
directives.after(async () => {
  await stopAll();
  server = undefined;
});

directives('echo: variables, encodings, unset, echomsg', async () => {
  const body = await render(
    'echo',
    [
      '<!--#echo var="DOCUMENT_URI" -->|<!--#echo var="DOCUMENT_NAME" -->|<!--#echo var="QUERY_STRING" -->|' +
        '<!--#echo var="QUERY_STRING_UNESCAPED" -->|<!--#echo var="HTTP_X_TEST" -->|<!--#echo encoding="none" var="HTTP_X_TEST" -->|' +
        '<!--#echo encoding="url" var="HTTP_X_TEST" -->|<!--#echo var="NOPE" -->|<!--#config echomsg="[unset]" --><!--#echo var="NOPE" -->|' +
        '<!--#echo var="REQUEST_METHOD" -->|<!--#echo var="LAST_MODIFIED" -->',
    ],
    // The header's bytes are UTF-8 (é = C3 A9); the raw client sends each char as one byte.
    { 'X-Test': `a <b> & "c"/${Buffer.from('é').toString('latin1')}` },
    '?x=1&y=a%20b',
  );
  const parts = body.split('|');
  assert.is(parts[0], '/p/echo');
  assert.is(parts[1], 'echo');
  assert.is(parts[2], 'x=1&amp;y=a%20b');
  assert.is(parts[3], 'x=1&amp;y=a b');
  // The bytes come back as they were: é, with each of its two bytes escaped by the url encoding.
  assert.is(parts[4], 'a &lt;b&gt; &amp; &quot;c&quot;/é');
  assert.is(parts[5], 'a <b> & "c"/é');
  assert.is(parts[6], 'a%20%3Cb%3E%20&%20%22c%22/%C3%A9');
  assert.is(parts[7], '(none)');
  assert.is(parts[8], '[unset]');
  assert.is(parts[9], 'GET');
  assert.is(parts[10], strftime('%A, %d-%b-%Y %H:%M:%S %Z', new Date('Tue, 03 Feb 2026 04:05:06 GMT'), false));
});

directives('dates follow #config timefmt', async () => {
  const before = Math.floor(Date.now() / 1000);
  const body = await render('dates', ['<!--#config timefmt="%s" --><!--#echo var="DATE_GMT" -->|<!--#echo var="DATE_LOCAL" -->|<!--#config timefmt="%Y" --><!--#echo var="DATE_GMT" -->']);
  const after = Math.ceil(Date.now() / 1000);
  const [gmt, local, year] = body.split('|').map(Number);
  assert.ok(gmt! >= before && gmt! <= after, body);
  assert.ok(local! >= before && local! <= after, body);
  assert.is(year, new Date().getUTCFullYear());
});

directives('set: substitution, escapes, overriding built-ins', async () => {
  const body = await render('set', [
    '<!--#set var="a" value="one" --><!--#set var="b" value="${a}-$a-\\$a-$none." --><!--#echo var="b" -->|' +
      '<!--#set var="QUERY_STRING" value="mine" --><!--#echo var="QUERY_STRING" -->|' +
      "<!--#set var='q' value='it\\'s' --><!--#echo var=\"q\" -->",
  ]);
  assert.is(body, 'one-one-$a-.|mine|it&#39;s');
});

directives('errors: errmsg, #config errmsg, unknown and malformed directives', async () => {
  const body = await render('errors', [
    '<!--#exec cmd="id" -->|<!--#echo -->|<!--#echo var="a" bogus="1" -->|<!--#set var="a" -->|<!--#echo var="unterminated -->|' +
      '<!--#config errmsg="E!" --><!--#fsize file="x" -->|<!--#echo encoding="rot13" var="a" -->|<!--# -->|<!--#endif -->|<!--#else -->',
  ]);
  assert.is(body, [ERR, ERR, ERR, ERR, ERR, 'E!', 'E!', 'E!', 'E!', 'E!'].join('|'));
});

directives('if / elif / else / endif with nesting, and errors in conditions', async () => {
  const page =
    '<!--#set var="x" value="2" -->' +
    '<!--#if expr="$x = 1" -->one<!--#elif expr="$x = 2" -->two' +
    '<!--#if expr="$QUERY_STRING = /^v=(.*)$/" -->[q:<!--#echo var="1" -->]<!--#else -->[no q]<!--#endif -->' +
    '<!--#elif expr="$x = 2" -->second-two<!--#else -->other<!--#endif -->|' +
    '<!--#if expr="$x = 9" --><!--#if expr="1" -->inner<!--#else -->inner-else<!--#endif --><!--#echo var="x" --><!--#bogus --><!--#else -->outer-else<!--#endif -->|' +
    '<!--#if expr="(" -->broken<!--#else -->else-of-broken<!--#endif -->|' +
    '<!--#if expr="" -->empty<!--#else -->E<!--#endif -->';
  assert.is(await render('if', [page], {}, '?v=abc'), `two[q:abc]|outer-else|${ERR}|${ERR}`);
  assert.is(await render('if', [page]), `two[no q]|outer-else|${ERR}|${ERR}`);
  // A branch not taken runs nothing: no #set, no include.
  const quiet = '<!--#if expr="0 = 1" --><!--#set var="y" value="set" --><!--#include virtual="/throws" --><!--#endif --><!--#echo var="y" -->';
  assert.is(await render('quiet', [quiet]), '(none)');
  // An #elif after #else is an error; an #if never closed ends with the body.
  assert.is(await render('elif-after-else', ['<!--#if expr="$nope" -->a<!--#else -->b<!--#elif expr="1" -->c<!--#else -->d<!--#endif -->']), `b${ERR}c${ERR}d`);
  assert.is(await render('unclosed', ['<!--#if expr="1" -->open']), 'open');
});

directives('nested #if deeper than maxIfDepth is an error', async () => {
  const s = await pageServer({ maxIfDepth: 3 });
  const open = '<!--#if expr="1" -->'.repeat(4);
  s.pages.set('deep-if', [`${open}x<!--#endif --><!--#endif --><!--#endif -->`]);
  assert.is((await request(s.port, '/p/deep-if')).res.body.toString(), `${ERR}x`);
});

directives('Content-Length, Last-Modified and ETag are removed; framing follows the new body', async () => {
  pages.set('hdr', ['<p><!--#echo var="DOCUMENT_NAME" --></p>']);
  const { res } = await request(port, '/p/hdr');
  assert.is(res.body.toString(), '<p>hdr</p>');
  assert.is(res.headers['content-length'], '10'); // the new length: the whole body arrived at once
  assert.is(res.headers['last-modified'], undefined);
  assert.is(res.headers['etag'], undefined);
  pages.set('hdr2', ['<p><!--#echo var=', '"DOCUMENT_NAME" --></p>']);
  const two = await request(port, '/p/hdr2');
  assert.is(two.res.body.toString(), '<p>hdr2</p>');
  assert.ok(two.res.chunked, 'a streamed body is chunked');
  assert.is(two.res.headers['content-length'], undefined);
});

directives('HEAD: no body, no Content-Length, no directive runs', async () => {
  pages.set('head', ['<!--#include virtual="/throws" -->x']);
  const c = await KeepAlive.open(port);
  try {
    const h = await c.get('/p/head', { method: 'HEAD' });
    assert.is(h.status, 200);
    assert.is(h.headers['content-length'], undefined);
    assert.is(h.body.length, 0);
    const g = await c.get('/p/head'); // the connection is still in sync
    assert.is(g.body.toString(), `${ERR}x`);
  } finally {
    c.close();
  }
});

directives('a response that is not text/html, or has no body, is left alone', async () => {
  const { res } = await request(port, '/plain.txt');
  assert.is(res.body.toString(), 'PLAIN');
  assert.ok(res.headers['last-modified']);
  put('raw.txt', '<!--#echo var="DOCUMENT_NAME" -->');
  const raw = await request(port, '/raw.txt');
  assert.is(raw.res.body.toString(), '<!--#echo var="DOCUMENT_NAME" -->');
});

// ---- straddling ----

directives('a page split into two writes at every byte renders the same', async () => {
  const page =
    '<html><!--a comment--><!-- #no --><!--#set var="who" value="w<1>" -->' +
    '<b><!--#echo var="who" --></b><!--#if expr="$who = /w/" -->[<!--#include virtual="/handler" -->]<!--#else -->no<!--#endif -->' +
    '<!--#include virtual="/frag.html" --> <!-<!--#echo var="DOCUMENT_NAME" encoding="none" --> <!--</html>';
  const want = '<html><!--a comment--><!-- #no --><b>w&lt;1&gt;</b>[handler]FRAG <!-split <!--</html>';
  const bytes = Buffer.from(page);
  const c = await KeepAlive.open(port);
  try {
    pages.set('split', [page]);
    assert.is((await c.get('/p/split')).body.toString(), want);
    for (let i = 1; i < bytes.length; ++i) {
      pages.set('split', [bytes.subarray(0, i).toString('latin1'), bytes.subarray(i).toString('latin1')]);
      const r = await c.get('/p/split');
      assert.is(r.body.toString(), want, `split at ${i}`);
    }
  } finally {
    c.close();
  }
});

directives('three-way splits through a directive and one-byte writes', async () => {
  const page = 'x<!--#echo var="DOCUMENT_NAME" -->y<!--#set var="v" value="1" --><!--#echo var="v" -->z';
  const c = await KeepAlive.open(port);
  try {
    for (let i = 1; i < 40; ++i) {
      for (let j = i + 1; j < page.length; j += 5) {
        pages.set('three', [page.slice(0, i), page.slice(i, j), page.slice(j)]);
        assert.is((await c.get('/p/three')).body.toString(), 'xthreey1z', `split ${i}/${j}`);
      }
    }
    pages.set('bytes', [...page]);
    assert.is((await c.get('/p/bytes')).body.toString(), 'xbytesy1z');
  } finally {
    c.close();
  }
});

directives('FLUSH between the pieces of a directive: the directive still works', async () => {
  const { res } = await request(port, '/flushy');
  assert.is(res.body.toString(), 'aflushyb/flushyc');
});

directives('a Range request on an SSI page ranges the SSI output (never the file)', async () => {
  put('ranged.shtml', '0123<!--#echo var="DOCUMENT_NAME" -->89');
  const { res } = await request(port, '/ranged.shtml', { headers: { Range: 'bytes=4-9' } });
  // The page is small: SSI passes it whole, with EOS, so byterange can serve the range.
  assert.is(res.status, 206);
  assert.is(res.headers['content-range'], 'bytes 4-9/18');
  assert.is(res.body.toString(), '0123ranged.shtml89'.slice(4, 10));
});

directives('a page of thousands of directives goes out in bounded brigades', async () => {
  pages.set('many-echo', ['<!--#set var="v" value="x" -->' + '<!--#echo var="v" -->-'.repeat(3000)]);
  const { res } = await request(port, '/p/many-echo');
  assert.is(res.body.toString(), 'x-'.repeat(3000));
  // 6000 buckets are not held until the end: the output left in several brigades (chunked).
  assert.ok(res.chunked);
});

// ---- includes ----

directives('include virtual: handlers (streamed), static files, queries, relative paths', async () => {
  const body = await render(
    'inc',
    [
      '<!--#include virtual="/handler" -->|<!--#include virtual="/frag.html" -->|<!--#include virtual="/q?a=$QUERY_STRING" -->|' +
        '<!--#include virtual="../frag.html" -->|<!--#include virtual="/fetch?f=1" -->|<!--#include virtual="/sendfile" -->',
    ],
    { 'User-Agent': 'ua1', 'Accept-Encoding': 'gzip', Range: 'bytes=0-1' },
    '?z=9',
  );
  // The subrequest carries the client's headers, except Accept-Encoding and Range.
  assert.is(body, 'handler|FRAG|q=a=z=9;ua=ua1;ae=-;range=-|FRAG|fetched ?f=1|PLAIN');
});

directives('include virtual: failures insert errmsg (404, non-2xx, throw, reject midway)', async () => {
  const body = await render('incfail', [
    '<!--#include virtual="/missing.html" -->|<!--#include virtual="/status/500" -->|<!--#include virtual="/status/301" -->|' +
      '<!--#include virtual="/throws" -->|<!--#include virtual="/rejects" -->|<!--#include virtual="http://elsewhere.example/x" -->|' +
      '<!--#include virtual="" -->|<!--#include bogus="/frag.html" -->|ok',
  ]);
  assert.is(body, `${ERR}|${ERR}|${ERR}|${ERR}|partial${ERR}|${ERR}|${ERR}|${ERR}|ok`);
});

directives('include file: relative to the document, never above it', async () => {
  const { res } = await request(port, '/dir/page.shtml');
  assert.is(res.body.toString(), '[PART|DEEP|PART]');
  const body = await render('files', [
    '<!--#include file="../secret.txt" -->|<!--#include file="/secret.txt" -->|<!--#include file="%2e%2e/secret.txt" -->|' +
      '<!--#include file="a/../../secret.txt" -->|<!--#include file="other" -->|<!--#include file="http://x/y" -->|<!--#include file="a\\b" -->',
  ]);
  // /p/files' directory is /p/: "other" is the page route's /p/other; the rest is refused outright.
  assert.is(body, [ERR, ERR, ERR, ERR, 'no such page', ERR, ERR].join('|'));
});

directives('include virtual cannot leave the root: dot segments, encoded dots, symlinks', async () => {
  const body = await render('escape', [
    '<!--#include virtual="/../../../../etc/passwd" -->|<!--#include virtual="/%2e%2e/%2e%2e/etc/passwd" -->|' +
      '<!--#include virtual="/link.html" -->|<!--#include virtual="/dir/../secret.txt" -->',
  ]);
  // The last one is inside the root: allowed, as a URL the client could ask for itself.
  assert.is(body, `${ERR}|${ERR}|${ERR}|SECRET`);
  assert.not.match(body, /root:|OUTSIDE/);
});

directives('nested includes run their own SSI; loops and self-includes are refused', async () => {
  assert.is((await request(port, '/outer.shtml')).res.body.toString(), '{(FRAG:nested.shtml)}');
  assert.is((await request(port, '/self.shtml')).res.body.toString(), `s${ERR}s`);
  assert.is((await request(port, '/loop-a.shtml')).res.body.toString(), `ab${ERR}ba`);
  assert.is((await request(port, '/d0.shtml')).res.body.toString(), '012345bottom');
});

directives('the include depth is limited (maxDepth)', async () => {
  const s = await pageServer({ maxDepth: 3 });
  assert.is((await request(s.port, '/d0.shtml')).res.body.toString(), `0123${ERR}`);
  assert.is((await request(s.port, '/d4.shtml')).res.body.toString(), '45bottom');
});

directives("the server's handler timeout bounds a subrequest that never finishes", async () => {
  const t = await start(
    (srv) => {
      srv.filter(ssi(), { contentTypes: ['text/html'] });
      srv.get('/never', () => new Promise<void>(() => {}));
      srv.get('/stalls', (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.write('started');
      });
      srv.get('/page', (_req, res) => {
        res.setHeader('Content-Type', 'text/html');
        res.end('[<!--#include virtual="/never" -->|<!--#include virtual="/stalls" -->]');
      });
    },
    { timeouts: { handler: 200 } },
  );
  const { res } = await request(t.port, '/page', { timeout: 5000 });
  assert.is(res.body.toString(), `[${ERR}|started${ERR}]`);
});

directives('maxIncludes bounds the includes of one document', async () => {
  const s = await pageServer({ maxIncludes: 2 });
  s.pages.set('many', ['<!--#include virtual="/frag.html" -->'.repeat(3)]);
  assert.is((await request(s.port, '/p/many')).res.body.toString(), `FRAGFRAG${ERR}`);
});

directives('a static .shtml: no 304 from the file validators, no precompressed sibling', async () => {
  put('cond.shtml', 'c<!--#echo var="DOCUMENT_NAME" -->');
  put('cond.shtml.gz', zlib.gzipSync('stale'));
  const stat = fs.statSync(path.join(root, 'cond.shtml'));
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const r = await request(port, '/cond.shtml', { headers: { 'If-None-Match': etag, 'If-Modified-Since': new Date(Date.now() + 60000).toUTCString() } });
  assert.is(r.res.status, 200);
  assert.is(r.res.body.toString(), 'ccond.shtml');
  assert.is(r.res.headers['etag'], undefined);
});

directives('no fd or pool outlives the pages: includes of files, 404s, failures, clients that leave', async () => {
  const s = await pageServer();
  s.pages.set('fds', ['<!--#include virtual="/frag.html" --><!--#include virtual="/dir/page.shtml" --><!--#include virtual="/missing" --><!--#include virtual="/rejects" -->']);
  const b = await baseline(s.server);
  for (let i = 0; i < 20; ++i) {
    const { res } = await request(s.port, i % 2 ? '/p/fds' : '/outer.shtml');
    assert.is(res.status, 200);
  }
  // A client that goes away before the page is sent.
  for (let i = 0; i < 5; ++i) {
    const c = await KeepAlive.open(s.port);
    await c.client.write('GET /p/fds HTTP/1.1\r\nHost: t\r\n\r\n');
    c.close();
  }
  await settled(s.server, b);
});

directives.run();

// ---- with compress ----

const gzip = suite('ssi: with compress');
gzip('SSI output is compressed after SSI ran (mount option and global filters)', async () => {
  const big = 'x'.repeat(3000);
  put('gz.shtml', `<p>${big}<!--#include virtual="/frag.html" --><!--#echo var="DOCUMENT_NAME" --></p>`);
  const want = `<p>${big}FRAGgz.shtml</p>`;
  const mount = await start((s) => s.static('/', root, { ssi: true, compress: true }));
  const global = await start((s) => {
    s.filter(ssi(), { contentTypes: ['text/html'] });
    s.filter(compress(), { contentTypes: ['text/html'] });
    s.static('/', root);
  });
  for (const p of [mount.port, global.port]) {
    const r = await get(p, '/gz.shtml', { 'Accept-Encoding': 'gzip' });
    assert.is(r.status, 200);
    assert.is(r.headers['content-encoding'], 'gzip');
    assert.is(r.headers['content-length'] === undefined || Number(r.headers['content-length']) === r.body.length, true);
    assert.is(zlib.gunzipSync(r.body).toString(), want);
    const id = await get(p, '/gz.shtml');
    assert.is(id.body.toString(), want);
  }
  await stopAll();
});
gzip.run();

// ---- the CLI flag ----

const cli = suite('ssi: brigade serve --ssi');
cli('--ssi is parsed into the serve config and listed in the usage', async () => {
  const r = parseCliArgs(['serve', 'site', '--ssi']);
  assert.ok(r.ok && r.command.kind === 'serve' && r.command.ssi === true);
  const plain = parseCliArgs(['serve']);
  assert.ok(plain.ok && plain.command.kind === 'serve' && !('ssi' in plain.command));
  assert.not.ok(parseCliArgs(['--ssi']).ok);
  const { USAGE } = await import('../src/cli/args.js');
  assert.match(USAGE, /--ssi/);
});

cli('the config file has an ssi key (boolean), like --ssi', async () => {
  const { validateConfig } = await import('../src/cli/config-file.js');
  assert.equal(validateConfig({ ssi: true }, '/site/brigade.config.json').settings, { ssi: true });
  assert.throws(() => validateConfig({ ssi: 'yes' }, '/site/brigade.config.json'), /"ssi" must be true or false/);
});

cli('brigade serve --ssi processes .shtml pages', async () => {
  const main = path.join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', root, '--ssi', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await within(
      new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /(http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      }),
      15000,
      'cli start',
    );
    const u = new URL(url);
    const r = await get(Number(u.port), '/outer.shtml');
    assert.is(r.body.toString(), '{(FRAG:nested.shtml)}');
  } finally {
    child.kill('SIGKILL');
  }
});
cli.run();

// ---- bounded memory ----

const memory = suite('ssi: a large body through SSI in bounded memory');
let child: Child | null = null;
let bigFile = '';
memory.after(() => {
  child?.proc.stdin?.end();
  child?.proc.kill('SIGKILL');
  if (bigFile) fs.rmSync(bigFile, { force: true });
  // The last suite of the file: the docroots go too.
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

memory('a 256 MiB page with a directive in every 64 KiB streams through a 64 MiB heap', async () => {
  // Blocks of text with a directive straddling every 64 KiB read boundary (and one in the middle).
  const BLOCK = 1 << 20;
  const directive = '<!--#echo var="DOCUMENT_NAME" -->';
  const base = Buffer.from(wordText(BLOCK, 5), 'latin1');
  const srcBlock = Buffer.from(base);
  for (let off = 65536 - 10; off + directive.length < BLOCK; off += 65536) srcBlock.write(directive, off, 'latin1');
  srcBlock.write(directive, 1000, 'latin1');
  // What SSI makes of one block: each directive replaced by "big".
  const outBlock = Buffer.from(srcBlock.toString('latin1').split(directive).join('big'), 'latin1');
  const blocks = 256;
  bigFile = path.join(os.tmpdir(), `brigade-ssi-big-${process.pid}`);
  const fd = fs.openSync(bigFile, 'w');
  for (let i = 0; i < blocks; ++i) fs.writeSync(fd, srcBlock);
  fs.closeSync(fd);
  const want = createHash('sha256');
  for (let i = 0; i < blocks; ++i) want.update(outBlock);

  child = await startBigFileServer(bigFile, 'ssi', 64);
  const got = await within(
    new Promise<{ hash: string; size: number; cl: string | undefined }>((resolve, reject) => {
      const h = createHash('sha256');
      let size = 0;
      // The served document is /big: DOCUMENT_NAME is "big".
      http.get({ host: '127.0.0.1', port: child!.port, path: '/big', agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          h.update(c);
          size += c.length;
        });
        res.on('end', () => resolve({ hash: h.digest('hex'), size, cl: res.headers['content-length'] }));
        res.on('error', reject);
      }).on('error', reject);
    }),
    120000,
    'big SSI body',
  );
  assert.is(got.size, outBlock.length * blocks);
  assert.is(got.hash, want.digest('hex'));
  assert.is(got.cl, undefined);
  const stats = await get(child.port, '/stats');
  const s = JSON.parse(stats.body.toString()) as { peakHeap: number; peakRss: number };
  const size = srcBlock.length * blocks;
  assert.ok(s.peakHeap < 64 * 1024 * 1024, `peak heap ${s.peakHeap}`);
  if (!underSanitizer) assert.ok(s.peakRss < size, `peak RSS ${s.peakRss} below the body size ${size}`);
});
memory.run();
