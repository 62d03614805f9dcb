// Static mount options end to end: directory listings (with hostile names),
// the SPA fallback, the custom 404 page, the dotfiles policy and .well-known,
// charsets, index lists and symlink following. One server, one mount per
// option set, temp docroots, raw sockets.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createStaticMount } from '../src/static/static-handler.js';
import { contentTypeFor } from '../src/static/mime.js';
import { escapeHtml, formatSize } from '../src/static/listing.js';
import { isSpaRoute } from '../src/static/fallback.js';
import { start, stopAll, type Running } from './helpers/server.js';
import { destroyAllSockets } from './helpers/raw.js';
import { request, type RequestOptions } from './support/http.js';
import type { ParsedResponse } from './helpers/parse.js';

const SECRET = 'OUTSIDE-SECRET-91c2';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-static-opts-'));

function write(rel: string, data: string | Buffer): void {
  const p = path.join(base, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

// Listing fixture: no index.html at its root.
const HOSTILE = ['<script>alert(1).txt', '<img src=x onerror=alert(1)>.txt', 'a"b.txt', 'a&b.txt', '100%.txt', 'café ☕.txt', "it's.txt", 'sp ace.txt', '#frag?.txt', 'javascript:x.txt'];
HOSTILE.forEach((name, i) => write(`list/hostile/${name}`, `content ${i}`));
write('list/hostile/zdir/inner.txt', 'inner');
write('list/hostile/Adir/inner.txt', 'inner');
write('list/hostile/.hidden-file', 'hidden');
write('list/hostile/.hidden-dir/x.txt', 'hidden');
write('list/hostile/sized.bin', Buffer.alloc(2048, 1));
write('list/withindex/index.html', '<p>the index</p>');
write('list/withindex/other.txt', 'other');
write('list/.env', 'SECRET=1');
write('list/.well-known/security.txt', 'Contact: mailto:x@example.com');
write('list/.well-known/.private', 'private');
write('list/top.txt', 'top');
write('outside/secret.txt', SECRET);
fs.symlinkSync(path.join(base, 'outside', 'secret.txt'), path.join(base, 'list/hostile/link-out.txt'));
fs.symlinkSync(path.join(base, 'outside'), path.join(base, 'list/hostile/link-out-dir'));
fs.symlinkSync('sized.bin', path.join(base, 'list/hostile/link-in.bin'));
fs.symlinkSync('no-such-target', path.join(base, 'list/hostile/dangling'));
const haveFifo = spawnSync('mkfifo', [path.join(base, 'list/hostile/a-fifo')]).status === 0;

// App fixture: SPA entry, custom 404 pages.
write('app/index.html', '<p>spa shell</p>');
write('app/shell.html', '<p>other shell</p>');
write('app/app.js', 'console.log(1)');
write('app/404.html', '<h1>custom not found</h1>');
write('app/errors/404.json', '{"error":"not found"}');
write('app/empty404.html', '');
write('app/docs/guide.html', '<p>guide</p>');
write('app/.env', 'SECRET=2');
write('app/sub/.well-known/x.txt', 'not at the root');
write('app/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
write('app/readme.txt', 'plain');
write('app/alt/default.htm', '<p>default.htm</p>');
write('app/alt/index.html', '<p>index.html</p>');
fs.symlinkSync('app.js', path.join(base, 'app/linked.js'));

const listRoot = path.join(base, 'list');
const appRoot = path.join(base, 'app');

let srv: Running;
const get = (p: string, o: RequestOptions = {}): Promise<ParsedResponse> => request(srv.port, p, o).then((x) => x.res);
const head = (p: string, o: RequestOptions = {}): Promise<ParsedResponse> => get(p, { ...o, method: 'HEAD' });

async function startServer(): Promise<void> {
  srv = await start((s) => {
    s.static('/plain', listRoot);
    s.static('/l', listRoot, { listing: true });
    s.static('/lz', listRoot, { listing: true, compress: { threshold: 0 } });
    s.static('/la', listRoot, { listing: true, dotfiles: 'allow' });
    s.static('/lnofollow', listRoot, { listing: true, followSymlinks: false });
    s.static('/s', appRoot, { spa: true });
    s.static('/s2', appRoot, { spa: 'shell.html' });
    s.static('/s3', appRoot, { spa: 'no-such-shell.html' });
    s.static('/n', appRoot, { notFound: '404.html' });
    s.static('/nj', appRoot, { notFound: 'errors/404.json' });
    s.static('/n0', appRoot, { notFound: 'empty404.html' });
    s.static('/nmissing', appRoot, { notFound: 'errors/none.html' });
    s.static('/both', appRoot, { spa: true, notFound: '404.html' });
    s.static('/a', appRoot);
    s.static('/deny', appRoot, { dotfiles: 'deny' });
    s.static('/allow', appRoot, { dotfiles: 'allow' });
    s.static('/nowk', listRoot, { wellKnown: false });
    s.static('/idx', appRoot, { index: ['default.htm', 'index.html'] });
    s.static('/nofollow', appRoot, { followSymlinks: false });
  });
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
}

/** Link texts, unescaped; the parent link left out. */
function linkTexts(html: string): string[] {
  return [...html.matchAll(/<a href="[^"]*">([^<]*)<\/a>/g)].map((m) => unescapeHtml(m[1]!)).filter((t) => t !== '../');
}

// --- listing -------------------------------------------------------------------

const listing = suite('static options: listing');
listing.before(startServer);

listing('off by default: a directory without an index is a plain 404 that names nothing', async () => {
  const r = await get('/plain/hostile/');
  assert.is(r.status, 404);
  assert.is(r.headers['content-type'], 'text/plain; charset=utf-8');
  assert.not.ok(r.body.toString().includes('sized.bin'));
});

listing('on: an HTML page, every hostile name escaped, no raw markup from names', async () => {
  const r = await get('/l/hostile/');
  assert.is(r.status, 200);
  assert.is(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.is(r.headers['x-content-type-options'], 'nosniff');
  const html = r.body.toString('utf8');
  assert.not.ok(html.includes('<script>'), 'a name became markup');
  assert.not.ok(html.includes('a"b'), 'a raw quote from a name');
  assert.not.ok(/&(?!amp;|lt;|gt;|quot;|#39;)/.test(html), 'an unescaped ampersand');
  const texts = linkTexts(html);
  for (const name of HOSTILE) {
    assert.ok(texts.includes(name), `${name} not listed`);
    assert.ok(html.includes(`>${escapeHtml(name)}</a>`), `${name} not escaped as ${escapeHtml(name)}`);
  }
  assert.match(html, /<title>Index of \/l\/hostile\/<\/title>/);
});

listing('every href, followed, fetches the entry it names', async () => {
  const html = (await get('/l/hostile/')).body.toString('utf8');
  const links = hrefs(html).filter((h) => h !== '../');
  assert.ok(links.length >= HOSTILE.length);
  for (const href of links) {
    assert.ok(href.startsWith('./'), href);
    assert.not.ok(/[\s"<>#?]/.test(href), href);
    const r = await get(new URL(href, 'http://x/l/hostile/').pathname);
    assert.is(r.status, 200, `${href} → ${r.status}`);
  }
  for (const [i, name] of HOSTILE.entries()) {
    const r = await get('/l/hostile/' + encodeURIComponent(name));
    assert.is(r.body.toString(), `content ${i}`, name);
  }
});

listing('sorted: directories first, then files, each in code-unit order', async () => {
  const texts = linkTexts((await get('/l/hostile/')).body.toString('utf8'));
  const dirs = texts.filter((t) => t.endsWith('/'));
  assert.equal(texts.slice(0, dirs.length), dirs, 'directories come first');
  assert.equal(dirs, ['Adir/', 'zdir/']);
  const files = texts.slice(dirs.length);
  assert.equal(files, [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

listing('size and modification time are shown', async () => {
  const html = (await get('/l/hostile/')).body.toString('utf8');
  const mtime = new Date(fs.statSync(path.join(listRoot, 'hostile/sized.bin')).mtimeMs).toISOString().replace('T', ' ').slice(0, 19);
  const row = html.split('\n').find((l) => l.includes('>sized.bin<'));
  assert.ok(row, 'sized.bin row');
  assert.ok(row.includes('title="2048 bytes"'), row);
  assert.ok(row.includes(formatSize(2048)), row);
  assert.ok(row.includes(mtime), row);
});

listing('a parent link below the mount root, none at it', async () => {
  assert.ok(hrefs((await get('/l/hostile/')).body.toString()).includes('../'));
  assert.ok(hrefs((await get('/l/hostile/zdir/')).body.toString()).includes('../'));
  const top = await get('/l/');
  assert.is(top.status, 200);
  assert.not.ok(hrefs(top.body.toString()).includes('../'));
});

listing('hidden entries are not listed (dotfiles ignore), .well-known at the root is', async () => {
  const hostile = linkTexts((await get('/l/hostile/')).body.toString());
  assert.not.ok(hostile.some((t) => t.startsWith('.')), hostile.join(' '));
  const top = linkTexts((await get('/l/')).body.toString());
  assert.ok(top.includes('.well-known/'), top.join(' '));
  assert.not.ok(top.includes('.env'));
  const wk = linkTexts((await get('/l/.well-known/')).body.toString());
  assert.equal(wk, ['security.txt']);
});

listing('dotfiles: allow lists hidden entries', async () => {
  const texts = linkTexts((await get('/la/hostile/')).body.toString());
  assert.ok(texts.includes('.hidden-file'));
  assert.ok(texts.includes('.hidden-dir/'));
});

listing('never beyond the root: symlinks out, dangling links and special files are not listed', async () => {
  const texts = linkTexts((await get('/l/hostile/')).body.toString());
  assert.not.ok(texts.includes('link-out.txt'));
  assert.not.ok(texts.includes('link-out-dir/'));
  assert.not.ok(texts.includes('dangling'));
  if (haveFifo) assert.not.ok(texts.includes('a-fifo'));
  assert.ok(texts.includes('link-in.bin'), 'a link inside the root is listed');
  const out = await get('/l/hostile/link-out-dir/');
  assert.is(out.status, 404);
  assert.not.ok(out.body.toString().includes('secret.txt'));
  assert.is((await get('/l/%2e%2e/')).status, 403);
  assert.is((await get('/l/../')).status, 403);
});

listing('followSymlinks: false leaves every link out', async () => {
  const texts = linkTexts((await get('/lnofollow/hostile/')).body.toString());
  assert.not.ok(texts.includes('link-in.bin'));
  assert.ok(texts.includes('sized.bin'));
});

listing('an index file still wins; without the slash it is still a 301', async () => {
  const r = await get('/l/withindex/');
  assert.is(r.body.toString(), '<p>the index</p>');
  const redirect = await get('/l/hostile');
  assert.is(redirect.status, 301);
  assert.is(redirect.headers['location'], '/l/hostile/');
});

listing('HEAD: the same head as GET, no body', async () => {
  const g = await get('/l/hostile/');
  const h = await head('/l/hostile/');
  assert.is(h.status, 200);
  assert.is(h.headers['content-type'], g.headers['content-type']);
  assert.is(h.headers['content-length'], g.headers['content-length']);
  assert.is(h.body.length, 0);
});

listing('the listing goes through the mount filters: compressed when asked', async () => {
  const plain = await get('/lz/hostile/');
  const gz = await get('/lz/hostile/', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.is(gz.status, 200);
  assert.is(gz.headers['content-encoding'], 'gzip');
  assert.is(zlib.gunzipSync(gz.body).toString(), plain.body.toString());
});

listing('not a directory: POST is 405, a file with a slash 404', async () => {
  assert.is((await get('/l/hostile/', { method: 'POST', body: '' })).status, 405);
  assert.is((await get('/l/top.txt/')).status, 404);
});

listing.after(async () => {
  destroyAllSockets();
});
listing.run();

// --- SPA -----------------------------------------------------------------------

const spa = suite('static options: spa');

spa('the rule: GET/HEAD, last segment without a dot', () => {
  for (const p of ['users/42', 'users/', '', 'a/b/c', 'v1.2/users', 'caf%C3%A9']) assert.ok(isSpaRoute('GET', p), p);
  for (const p of ['app.js', 'img/logo.png', 'users/john.doe', 'x%2Ejs', '%zz']) assert.not.ok(isSpaRoute('GET', p), p);
  assert.not.ok(isSpaRoute('POST', 'users/42'));
  assert.ok(isSpaRoute('HEAD', 'users/42'));
});

spa('a missing route gets the entry file with 200 and its validators', async () => {
  for (const p of ['/s/users/42', '/s/users/', '/s/deep/a/b/c', '/s/v1.2/users']) {
    const r = await get(p);
    assert.is(r.status, 200, p);
    assert.is(r.body.toString(), '<p>spa shell</p>', p);
    assert.is(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.ok(r.headers['etag'], 'ETag on the fallback');
  }
  const etag = (await get('/s/users/42')).headers['etag']!;
  assert.is((await get('/s/other/route', { headers: { 'If-None-Match': etag } })).status, 304);
});

spa('missing assets still 404; existing files and directories are not rewritten', async () => {
  for (const p of ['/s/missing.js', '/s/img/logo.png', '/s/users/john.doe']) {
    const r = await get(p);
    assert.is(r.status, 404, p);
    assert.not.ok(r.body.toString().includes('spa shell'), p);
  }
  assert.is((await get('/s/app.js')).body.toString(), 'console.log(1)');
  assert.is((await get('/s/docs/')).status, 404, 'an existing directory without an index is not a route');
  assert.is((await get('/s/docs')).status, 301);
});

spa('refused paths are never rewritten', async () => {
  assert.is((await get('/s/.env')).status, 404);
  assert.is((await get('/s/.hidden/route')).status, 404);
  assert.is((await get('/s/%2e%2e/x')).status, 403);
  assert.is((await get('/s/%zz')).status, 400);
});

spa('HEAD gets the head of the entry file; POST is 405', async () => {
  const h = await head('/s/users/42');
  assert.is(h.status, 200);
  assert.is(h.headers['content-length'], String('<p>spa shell</p>'.length));
  assert.is(h.body.length, 0);
  assert.is((await get('/s/users/42', { method: 'POST', body: '' })).status, 405);
});

spa('spa: a file name picks the entry; a missing entry is a plain 404', async () => {
  assert.is((await get('/s2/route')).body.toString(), '<p>other shell</p>');
  const r = await get('/s3/route');
  assert.is(r.status, 404);
  assert.is(r.headers['content-type'], 'text/plain; charset=utf-8');
});

spa('options are checked', () => {
  for (const bad of ['../x.html', '/', '', 'a/../../b', 'a\\b', 'dir/']) {
    assert.throws(() => createStaticMount(appRoot, { spa: bad }), /spa must name a file/, bad);
    assert.throws(() => createStaticMount(appRoot, { notFound: bad }), /notFound must name a file/, bad);
  }
  assert.not.throws(() => createStaticMount(appRoot, { spa: '/index.html', notFound: './errors/404.json' }));
});

spa.after(() => destroyAllSockets());
spa.run();

// --- custom 404 --------------------------------------------------------------------

const nf = suite('static options: notFound');

nf('a missing file gets the page with status 404 and the page type', async () => {
  const r = await get('/n/nope.html');
  assert.is(r.status, 404);
  assert.is(r.body.toString(), '<h1>custom not found</h1>');
  assert.is(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.not.ok(r.headers['etag'], 'no validators on a 404');
  const j = await get('/nj/nope');
  assert.is(j.status, 404);
  assert.is(j.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(j.body.toString(), '{"error":"not found"}');
});

nf('every 404 of the mount uses it: dotfiles, directories without index, links out', async () => {
  for (const p of ['/n/.env', '/n/docs/', '/n/sub/.well-known/x.txt']) {
    const r = await get(p);
    assert.is(r.status, 404, p);
    assert.is(r.body.toString(), '<h1>custom not found</h1>', p);
  }
});

nf('other refusals stay plain: 403, 400, 405', async () => {
  const climb = await get('/n/%2e%2e/x');
  assert.is(climb.status, 403);
  assert.is(climb.body.toString(), 'Forbidden');
  assert.is((await get('/n/%zz')).status, 400);
  assert.is((await get('/n/x', { method: 'DELETE' })).status, 405);
});

nf('preconditions do not turn the 404 into a 304', async () => {
  const r = await get('/n/nope', { headers: { 'If-None-Match': '*', 'If-Modified-Since': new Date(Date.now() + 86400e3).toUTCString() } });
  assert.is(r.status, 404);
  assert.is(r.body.toString(), '<h1>custom not found</h1>');
});

nf('HEAD: 404 with the page length, no body; an empty page is an empty 404', async () => {
  const h = await head('/n/nope');
  assert.is(h.status, 404);
  assert.is(h.headers['content-length'], String('<h1>custom not found</h1>'.length));
  assert.is(h.body.length, 0);
  const e = await get('/n0/nope');
  assert.is(e.status, 404);
  assert.is(e.headers['content-length'], '0');
});

nf('a missing page falls back to the plain 404', async () => {
  const r = await get('/nmissing/nope');
  assert.is(r.status, 404);
  assert.is(r.body.toString(), 'Not Found');
});

nf('with spa: routes get the entry, assets the 404 page', async () => {
  assert.is((await get('/both/route/x')).body.toString(), '<p>spa shell</p>');
  const r = await get('/both/missing.js');
  assert.is(r.status, 404);
  assert.is(r.body.toString(), '<h1>custom not found</h1>');
});

nf('the page itself is served normally at its own URL', async () => {
  const r = await get('/n/404.html');
  assert.is(r.status, 200);
});

nf.after(() => destroyAllSockets());
nf.run();

// --- dotfiles -------------------------------------------------------------------

const dot = suite('static options: dotfiles and .well-known');

dot('default: hidden paths are refused with 404 and never served', async () => {
  for (const p of ['/a/.env', '/a/%2eenv', '/a/sub/.well-known/x.txt', '/plain/.well-known/.private', '/plain/hostile/.hidden-dir/x.txt']) {
    const r = await get(p);
    assert.is(r.status, 404, p);
    assert.not.ok(r.body.toString().includes('SECRET'), p);
  }
});

dot('default: /.well-known/ at the mount root is served', async () => {
  const r = await get('/plain/.well-known/security.txt');
  assert.is(r.status, 200);
  assert.is(r.body.toString(), 'Contact: mailto:x@example.com');
});

dot('wellKnown: false hides it too', async () => {
  assert.is((await get('/nowk/.well-known/security.txt')).status, 404);
});

dot("'deny' answers 403, 'allow' serves", async () => {
  const d = await get('/deny/.env');
  assert.is(d.status, 403);
  assert.not.ok(d.body.toString().includes('SECRET'));
  assert.is((await get('/allow/.env')).body.toString(), 'SECRET=2');
});

dot('a bad policy is refused at mount time', () => {
  assert.throws(() => createStaticMount(appRoot, { dotfiles: 'hide' as 'deny' }), /dotfiles must be/);
});

dot.after(() => destroyAllSockets());
dot.run();

// --- charset, index, symlinks -----------------------------------------------------------

const misc = suite('static options: charset, index, symlinks');

misc('text types carry charset=utf-8, binary types do not', () => {
  const utf8 = ['a.txt', 'a.html', 'a.css', 'a.csv', 'a.js', 'a.mjs', 'a.json', 'a.svg', 'a.md'];
  for (const f of utf8) assert.match(contentTypeFor(f), /; charset=utf-8$/, f);
  assert.match(contentTypeFor('a.js'), /^(text|application)\/javascript; /);
  assert.is(contentTypeFor('a.svg'), 'image/svg+xml; charset=utf-8');
  assert.is(contentTypeFor('a.JSON'), 'application/json; charset=utf-8');
  for (const f of ['a.png', 'a.woff2', 'a.gz', 'a.mp4', 'a.wasm']) assert.not.match(contentTypeFor(f), /charset/, f);
  assert.is(contentTypeFor('Makefile'), 'application/octet-stream');
  assert.is(contentTypeFor('a.unknown-ext'), 'application/octet-stream');
});

misc('over HTTP: svg and plain text', async () => {
  assert.is((await get('/a/logo.svg')).headers['content-type'], 'image/svg+xml; charset=utf-8');
  assert.is((await get('/a/readme.txt')).headers['content-type'], 'text/plain; charset=utf-8');
});

misc('index: the list is tried in order', async () => {
  assert.is((await get('/idx/alt/')).body.toString(), '<p>default.htm</p>');
  assert.is((await get('/a/alt/')).body.toString(), '<p>index.html</p>');
  assert.throws(() => createStaticMount(appRoot, { index: ['../x'] }), /plain file names/);
});

misc('followSymlinks: false refuses even a link inside the root', async () => {
  assert.is((await get('/a/linked.js')).body.toString(), 'console.log(1)');
  assert.is((await get('/nofollow/linked.js')).status, 404);
  assert.is((await get('/nofollow/app.js')).status, 200);
});

misc('formatSize', () => {
  assert.is(formatSize(0), '0 B');
  assert.is(formatSize(1023), '1023 B');
  assert.is(formatSize(1536), '1.5 KiB');
  assert.is(formatSize(5 * 1024 * 1024), '5.0 MiB');
});

misc.after(async () => {
  destroyAllSockets();
  await stopAll();
  fs.rmSync(base, { recursive: true, force: true });
});
misc.run();
