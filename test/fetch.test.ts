// Fetch-style handlers over real sockets: the lazy WHATWG Request (method,
// url, headers, bodies of every shape, signal, native Request members), the
// Response conversion (status, headers with several Set-Cookie, null /
// string / bytes / stream / file bodies, framing), streaming and its pacing,
// client aborts, errors, and how fetch routes sit among brigade's own.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FastResponse, FetchRequest, fileResponse } from '../src/index.js';
import { parseResponse } from './helpers/parse.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil, type Running } from './helpers/server.js';

const test = suite('fetch handlers');
let srv: Running;
const seen: Record<string, unknown> = {};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-fetch-'));
const fileBytes = randomBytes(300_000);
fs.writeFileSync(path.join(dir, 'data.bin'), fileBytes);
fs.writeFileSync(path.join(dir, 'page.html'), '<h1>page</h1>');

// Test-controlled gates for streaming routes.
let releaseSecond: () => void = () => {};
let backpressure = { pulled: 0, total: 0 };

const enc = new TextEncoder();

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

test.before(async () => {
  srv = await start(
    (s) => {
      // brigade's own routes take precedence over the fetch fallback.
      s.get('/native', (_q, r) => r.end('native route'));
      s.fetch('/api/*', (request, info) => Response.json({ api: info.params['*'], url: request.url }));
      s.fetch('/sync', () => new Response('sync body', { headers: { 'x-sync': '1' } }));
    },
    {
      fetch: async (request, info) => {
        const url = new URL(request.url);
        switch (url.pathname) {
          case '/hello':
            seen['hello'] = {
              isRequest: request instanceof Request,
              isFetchRequest: request instanceof FetchRequest,
              method: request.method,
              url: request.url,
              q: url.searchParams.get('q'),
              remote: info.remoteAddress,
              body: request.body,
              tag: Object.prototype.toString.call(request),
            };
            return new Response('hello');
          case '/headers': {
            const h = request.headers;
            return Response.json({
              a: h.get('x-a'),
              multi: h.get('x-multi'),
              cookie: h.get('cookie'),
              host: h.get('host'),
              has: h.has('X-A'),
              ua: h.get('user-agent') !== null,
            });
          }
          case '/echo':
            return new Response(await request.text(), {
              headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream', 'x-method': request.method },
            });
          case '/json':
            return Response.json({ got: await request.json() }, { status: 201 });
          case '/sha':
            return new Response(sha(await request.bytes()));
          case '/sha-ab':
            return new Response(sha(new Uint8Array(await request.arrayBuffer())));
          case '/sha-stream': {
            const parts: Uint8Array[] = [];
            for await (const c of request.body as unknown as AsyncIterable<Uint8Array>) parts.push(c);
            const used = request.bodyUsed;
            return new Response(`${sha(Buffer.concat(parts))} ${parts.length > 0} ${used}`);
          }
          case '/twice': {
            await request.text();
            try {
              await request.text();
              return new Response('read twice');
            } catch (err) {
              return new Response(`second read: ${(err as Error).name}`);
            }
          }
          case '/form': {
            const f = await request.formData();
            return Response.json({ a: f.get('a'), b: f.getAll('b') });
          }
          case '/native-members': {
            const clone = request.clone();
            const cloneBody = await clone.text();
            const copy = new Request(request); // takes the body over, as with a native Request
            return Response.json({
              mode: request.mode,
              cache: request.cache,
              copyUrl: copy.url,
              copyMethod: copy.method,
              copyHeader: copy.headers.get('x-a'),
              cloneBody,
              copyBody: await copy.text(),
              usedAfterCopy: request.bodyUsed,
            });
          }
          case '/read-then-members': {
            const t = await request.text();
            let cloneError = 'none';
            try {
              request.clone();
            } catch (err) {
              cloneError = (err as Error).name;
            }
            const formError = await request.formData().then(
              () => 'none',
              (err: Error) => err.name,
            );
            return Response.json({ t, mode: request.mode, used: request.bodyUsed, cloneError, formError, url: request.url });
          }
          case '/fast':
            return new FastResponse('fast body', { headers: { 'x-f': '1' } });
          case '/fast-json':
            return FastResponse.json({ fast: true }, { status: 201 });
          case '/fast-bytes':
            return new FastResponse(new Uint8Array([9, 8, 7]));
          case '/fast-cloned': {
            const r = new FastResponse('cloned first');
            seen['fastClone'] = await r.clone().text();
            return r;
          }
          case '/fast-stream': {
            const r = new FastResponse('through the stream');
            seen['fastBody'] = r.body instanceof ReadableStream;
            return r;
          }
          case '/proxied':
            // The request's URL is absolute-form, naming the upstream: pass the Request on as it is.
            return fetch(request);
          case '/status':
            return new Response('created', { status: 201, statusText: 'Made', headers: { 'x-custom': 'v', 'content-type': 'text/x-custom' } });
          case '/cookies': {
            const h = new Headers({ 'x-one': '1' });
            h.append('set-cookie', 'a=1; Path=/');
            h.append('set-cookie', 'b=2; HttpOnly');
            h.append('x-list', 'p');
            h.append('x-list', 'q');
            return new Response('cookies', { headers: h });
          }
          case '/no-content':
            return new Response(null, { status: 204, headers: { 'x-n': '1' } });
          case '/redirect':
            return Response.redirect('http://example.com/elsewhere', 302);
          case '/empty':
            return new Response(null);
          case '/bytes':
            return new Response(new Uint8Array([0, 1, 2, 255]));
          case '/blob':
            return new Response(new Blob(['blob body'], { type: 'text/x-blob' }));
          case '/stream':
            return new Response(
              new ReadableStream<Uint8Array>({
                async start(c) {
                  for (const part of ['one,', 'two,', 'three']) {
                    c.enqueue(enc.encode(part));
                    await sleep(5);
                  }
                  c.close();
                },
              }),
              { headers: { 'content-type': 'text/plain' } },
            );
          case '/stream-one':
            return new Response(new ReadableStream({ start: (c) => (c.enqueue(enc.encode('single')), c.close()) }));
          case '/stream-length':
            return new Response(
              new ReadableStream<Uint8Array>({
                async start(c) {
                  c.enqueue(enc.encode('12345'));
                  await sleep(5);
                  c.enqueue(enc.encode('67890'));
                  c.close();
                },
              }),
              { headers: { 'content-length': '10' } },
            );
          case '/progress':
            return new Response(
              new ReadableStream<Uint8Array>({
                async start(c) {
                  c.enqueue(enc.encode('first;'));
                  await new Promise<void>((r) => (releaseSecond = r));
                  c.enqueue(enc.encode('second'));
                  c.close();
                },
              }),
            );
          case '/big-stream': {
            const chunk = new Uint8Array(64 * 1024).fill(0x61);
            backpressure = { pulled: 0, total: 160 * 1024 * 1024 };
            const state = backpressure;
            return new Response(
              new ReadableStream<Uint8Array>(
                {
                  pull(c) {
                    if (state.pulled >= state.total) {
                      c.close();
                      return;
                    }
                    state.pulled += chunk.length;
                    c.enqueue(chunk);
                  },
                },
                { highWaterMark: 0 },
              ),
            );
          }
          case '/abort-stream': {
            request.signal.addEventListener('abort', () => (seen['abortSignal'] = true));
            let n = 0;
            return new Response(
              new ReadableStream<Uint8Array>({
                async pull(c) {
                  await sleep(10);
                  c.enqueue(enc.encode(`tick ${n++}\n`));
                },
                cancel(reason) {
                  seen['abortCancel'] = reason instanceof Error ? reason.name : String(reason);
                },
              }),
            );
          }
          case '/abort-wait': {
            const signal = request.signal;
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            seen['abortWait'] = signal.aborted;
            return new Response('too late');
          }
          case '/throws':
            throw new Error('boom (expected by the test)');
          case '/not-a-response':
            return 'nope' as unknown as Response;
          case '/stream-fails-late':
            return new Response(
              new ReadableStream<Uint8Array>({
                async start(c) {
                  c.enqueue(enc.encode('partial'));
                  await sleep(20);
                  c.error(new Error('producer failed (expected by the test)'));
                },
              }),
            );
          case '/stream-fails-early':
            return new Response(
              new ReadableStream<Uint8Array>({
                pull(c) {
                  c.error(new Error('producer failed at once (expected by the test)'));
                },
              }),
              { headers: { 'set-cookie': 'never=1' } },
            );
          case '/error-response':
            return Response.error();
          case '/file':
            return fileResponse(path.join(dir, 'data.bin'), { headers: { 'cache-control': 'max-age=60' } });
          case '/file-html':
            return fileResponse(path.join(dir, 'page.html'));
          case '/file-range':
            return fileResponse(path.join(dir, 'data.bin'), { status: 206, offset: 1000, length: 500, contentType: 'application/x-part' });
          case '/file-missing':
            return fileResponse(path.join(dir, 'nope.bin'), { headers: { 'x-should-not': 'appear' } });
          case '/via-res':
            info.res.status(202).end('answered through info.res');
            return undefined as unknown as Response;
          default:
            return new Response(`fallback ${request.method} ${url.pathname}`, { status: 404 });
        }
      },
    },
  );
});

test.after(async () => {
  destroyAllSockets();
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Waits until no fetch request is pending, no pool is live and no file fd is open (nothing leaked). */
async function quiet(): Promise<void> {
  await waitUntil(
    () => {
      const s = srv.server.stats();
      return s.requestsPending === 0 && s.poolsLive === 0 && s.fileFdsOpen === 0;
    },
    5000,
    () => JSON.stringify(srv.server.stats()),
  );
}

async function raw(req: string, opts: { noBody?: boolean } = {}) {
  const c = await RawClient.open(srv.port);
  await c.write(req);
  const r = await c.response(opts);
  c.destroy();
  return r;
}

// ---- requests ----

test('GET: lazy Request is a Request, with method, absolute url, query', async () => {
  const res = await fetch(`${srv.base}/hello?q=42`);
  assert.is(res.status, 200);
  assert.is(await res.text(), 'hello');
  assert.is(res.headers.get('content-length'), '5');
  assert.is(res.headers.get('content-type'), 'text/plain;charset=UTF-8');
  const h = seen['hello'] as Record<string, unknown>;
  assert.is(h['isRequest'], true);
  assert.is(h['isFetchRequest'], true);
  assert.is(h['method'], 'GET');
  assert.is(h['url'], `http://127.0.0.1:${srv.port}/hello?q=42`);
  assert.is(h['q'], '42');
  assert.is(h['remote'], '127.0.0.1');
  assert.is(h['body'], null);
  assert.is(h['tag'], '[object Request]');
});

test('url: without Host (HTTP/1.0) falls back to the listening address; absolute-form kept', async () => {
  const r1 = await raw('GET /hello?x HTTP/1.0\r\n\r\n');
  assert.is(r1.status, 200);
  assert.is((seen['hello'] as Record<string, unknown>)['url'], `http://127.0.0.1:${srv.port}/hello?x`);
  const r2 = await raw('GET http://example.org/hello?y HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n');
  assert.is(r2.status, 200);
  assert.is((seen['hello'] as Record<string, unknown>)['url'], 'http://example.org/hello?y');
});

test('request headers: case-insensitive, repeated fields joined, cookies', async () => {
  const r = await raw(
    'GET /headers HTTP/1.1\r\nHost: h.test\r\nX-A: one\r\nX-Multi: a\r\nX-Multi: b\r\nCookie: c=1\r\nCookie: d=2\r\nUser-Agent: t\r\nConnection: close\r\n\r\n',
  );
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.body.toString()), { a: 'one', multi: 'a, b', cookie: 'c=1; d=2', host: 'h.test', has: true, ua: true });
});

test('POST bodies: text, json, bytes, arrayBuffer, large, chunked', async () => {
  let res = await fetch(`${srv.base}/echo`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/x-test' } });
  assert.is(await res.text(), 'payload');
  assert.is(res.headers.get('x-method'), 'POST');
  assert.is(res.headers.get('content-type'), 'text/x-test');

  res = await fetch(`${srv.base}/json`, { method: 'PUT', body: JSON.stringify({ a: [1, 2] }) });
  assert.is(res.status, 201);
  assert.equal(await res.json(), { got: { a: [1, 2] } });

  const big = randomBytes(700_000); // beyond the inline body: BODY messages
  res = await fetch(`${srv.base}/sha`, { method: 'POST', body: big });
  assert.is(await res.text(), sha(big));
  res = await fetch(`${srv.base}/sha-ab`, { method: 'POST', body: big });
  assert.is(await res.text(), sha(big));

  // Chunked request body (a stream with duplex: 'half').
  const parts = [randomBytes(10_000), randomBytes(90_000), randomBytes(5)];
  let i = 0;
  res = await fetch(`${srv.base}/sha`, {
    method: 'POST',
    body: new ReadableStream({ pull: (c) => (i < parts.length ? c.enqueue(parts[i++]!) : c.close()) }),
    duplex: 'half',
  } as RequestInit);
  assert.is(await res.text(), sha(Buffer.concat(parts)));
});

test('POST body as a ReadableStream; bodyUsed; a second read fails', async () => {
  const big = randomBytes(200_000);
  let res = await fetch(`${srv.base}/sha-stream`, { method: 'POST', body: big });
  assert.is(await res.text(), `${sha(big)} true true`);
  res = await fetch(`${srv.base}/twice`, { method: 'POST', body: 'x' });
  assert.is(await res.text(), 'second read: TypeError');
});

test('formData() and other members go through a native Request', async () => {
  let res = await fetch(`${srv.base}/form`, {
    method: 'POST',
    body: 'a=1&b=x&b=y',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(await res.json(), { a: '1', b: ['x', 'y'] });
  res = await fetch(`${srv.base}/native-members?z=1`, { method: 'POST', body: 'cloned body', headers: { 'x-a': 'A' } });
  assert.equal(await res.json(), {
    mode: 'cors',
    cache: 'default',
    copyUrl: `http://127.0.0.1:${srv.port}/native-members?z=1`,
    copyMethod: 'POST',
    copyHeader: 'A',
    cloneBody: 'cloned body',
    copyBody: 'cloned body',
    usedAfterCopy: true,
  });
});

test('members that need a native Request still work after the body was read', async () => {
  const res = await fetch(`${srv.base}/read-then-members`, { method: 'POST', body: 'abc' });
  assert.equal(await res.json(), {
    t: 'abc',
    mode: 'cors',
    used: true,
    cloneError: 'TypeError',
    formError: 'TypeError',
    url: `${srv.base}/read-then-members`,
  });
});

test('fetch(request) passes the lazy Request to undici unchanged (a forward proxy)', async () => {
  const up = await start((s) =>
    s.post('/proxied', async (q, r) => r.json({ method: q.method, body: await q.text(), a: q.header('x-a'), path: q.url })),
  );
  const r = await raw(`POST http://127.0.0.1:${up.port}/proxied?k=v HTTP/1.1\r\nHost: 127.0.0.1:${up.port}\r\nX-A: fwd\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody`);
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.body.toString()), { method: 'POST', body: 'body', a: 'fwd', path: '/proxied?k=v' });
});

test('a body over limits.maxBodyBytes: 413 from brigade, the handler read rejects', async () => {
  const r = await raw(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
  assert.is(r.status, 413);
});

// ---- responses ----

test('status, headers, statusText ignored (standard reason)', async () => {
  const r = await raw('GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 201);
  assert.is(r.reason, 'Created');
  assert.is(r.headers['x-custom'], 'v');
  assert.is(r.headers['content-type'], 'text/x-custom');
  assert.is(r.headers['content-length'], '7');
  assert.is(r.body.toString(), 'created');
});

test('several Set-Cookie stay separate header lines; other repeated headers are joined', async () => {
  const r = await raw('GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const cookies = r.rawHeaders.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v);
  assert.equal(cookies, ['a=1; Path=/', 'b=2; HttpOnly']);
  assert.is(r.headers['x-list'], 'p, q');
  assert.is(r.headers['x-one'], '1');
});

test('null bodies: 204, redirect, empty 200', async () => {
  let r = await raw('GET /no-content HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 204);
  assert.is(r.headers['x-n'], '1');
  assert.is(r.headers['content-length'], undefined);
  assert.is(r.body.length, 0);
  r = await raw('GET /redirect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 302);
  assert.is(r.headers['location'], 'http://example.com/elsewhere');
  r = await raw('GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], '0');
});

test('bytes and Blob bodies get a Content-Length', async () => {
  let r = await raw('GET /bytes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal([...r.body], [0, 1, 2, 255]);
  assert.is(r.headers['content-length'], '4');
  r = await raw('GET /blob HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.body.toString(), 'blob body');
  assert.is(r.headers['content-length'], '9');
  assert.is(r.headers['content-type'], 'text/x-blob');
});

test('stream bodies: chunked; one chunk gets Content-Length; a given Content-Length is used', async () => {
  let r = await raw('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.ok(r.chunked);
  assert.is(r.body.toString(), 'one,two,three');
  assert.is(r.headers['content-type'], 'text/plain');
  r = await raw('GET /stream-one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.not.ok(r.chunked);
  assert.is(r.headers['content-length'], '6');
  assert.is(r.body.toString(), 'single');
  r = await raw('GET /stream-length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.not.ok(r.chunked);
  assert.is(r.headers['content-length'], '10');
  assert.is(r.body.toString(), '1234567890');
  // HTTP/1.0: close-delimited.
  r = await raw('GET /stream HTTP/1.0\r\n\r\n');
  assert.is(r.body.toString(), 'one,two,three');
});

test('streaming: the first chunk is on the wire before the stream ends', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /progress HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitUntil(() => c.pending.includes('first;'), 3000, () => JSON.stringify(c.pending.toString()));
  assert.not.ok(c.pending.includes('second'));
  assert.ok(c.pending.toString().toLowerCase().includes('transfer-encoding: chunked'));
  releaseSecond();
  const r = await c.response();
  assert.is(r.body.toString(), 'first;second');
  c.destroy();
});

test('streaming pace: a client that does not read stops the producer; all bytes arrive in order', async () => {
  const sock = net.connect({ port: srv.port, host: '127.0.0.1' });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.pause();
  sock.write('GET /big-stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await sleep(1000);
  const pulledWhilePaused = backpressure.pulled;
  assert.ok(backpressure.total > 0, 'route ran');
  assert.ok(
    pulledWhilePaused < backpressure.total * 0.75,
    `pulled ${pulledWhilePaused} of ${backpressure.total} bytes while the client read nothing`,
  );
  // Count the bytes after the head; check the body's bytes are all 'a' (and chunk framing).
  let bytes = 0;
  let head: Buffer | null = Buffer.alloc(0);
  let bad = 0;
  const done = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => {
      if (head) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        c = head.subarray(end + 4);
        head = null;
      }
      bytes += c.length;
      for (let i = 0; i < c.length; i += 4093) {
        const b = c[i]!;
        if (b !== 0x61 && b !== 0x0d && b !== 0x0a && !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) bad++;
      }
    });
    sock.on('end', () => resolve());
    sock.on('error', reject);
  });
  sock.resume();
  await done;
  assert.ok(bytes >= backpressure.total, `received ${bytes} body bytes (chunked framing included) of ${backpressure.total}`);
  assert.is(bad, 0);
  assert.is(backpressure.pulled, backpressure.total);
  sock.destroy();
});

test('client abort while streaming: the stream is cancelled, request.signal fires, nothing leaks', async () => {
  seen['abortSignal'] = false;
  seen['abortCancel'] = undefined;
  const c = await RawClient.open(srv.port);
  await c.write('GET /abort-stream HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitUntil(() => c.pending.includes('tick 2'), 3000);
  c.destroy();
  await waitUntil(() => seen['abortSignal'] === true && seen['abortCancel'] !== undefined, 3000, () => JSON.stringify(seen));
  assert.is(seen['abortCancel'], 'AbortError');
  await quiet();
});

test('client abort before the handler answers: request.signal fires; the late Response is dropped', async () => {
  seen['abortWait'] = undefined;
  const c = await RawClient.open(srv.port);
  await c.write('GET /abort-wait HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(50);
  // A reset: a FIN alone after a complete request is a half-close, which
  // brigade answers (the abort is then noticed when the response is written).
  c.reset();
  await waitUntil(() => seen['abortWait'] === true, 3000);
  await quiet();
});

test('errors: a throwing handler and a non-Response are 500s', async () => {
  const warn = process.emitWarning;
  const warnings: string[] = [];
  process.emitWarning = ((w: string | Error) => void warnings.push(String(w))) as typeof process.emitWarning;
  try {
    let r = await raw('GET /throws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.is(r.status, 500);
    r = await raw('GET /not-a-response HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.is(r.status, 500);
    r = await raw('GET /stream-fails-early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.is(r.status, 500);
    assert.is(r.headers['set-cookie'], undefined, 'the failed Response left no headers');
  } finally {
    process.emitWarning = warn;
  }
  assert.ok(warnings.some((w) => w.includes('must return a Response')), warnings.join('\n'));
});

test('errors: a stream failing after the head cuts the response off (no terminating chunk)', async () => {
  const warn = process.emitWarning;
  process.emitWarning = (() => {}) as typeof process.emitWarning;
  try {
    const c = await RawClient.open(srv.port);
    await c.write('GET /stream-fails-late HTTP/1.1\r\nHost: x\r\n\r\n');
    const bytes = await c.readToEnd();
    const text = bytes.toString('latin1');
    assert.ok(text.startsWith('HTTP/1.1 200'));
    assert.ok(text.includes('partial'));
    assert.not.ok(text.endsWith('0\r\n\r\n'), 'no last-chunk');
    assert.is(parseResponse(bytes, 0, {}), null, 'incomplete message');
    c.destroy();
  } finally {
    process.emitWarning = warn;
  }
});

test('Response.error(): the connection closes without a response', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /error-response HTTP/1.1\r\nHost: x\r\n\r\n');
  const bytes = await c.readToEnd();
  assert.is(bytes.length, 0);
  c.destroy();
});

test('HEAD: head only, Content-Length of the body that was not sent', async () => {
  const r = await raw('HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { noBody: true });
  assert.is(r.status, 201);
  assert.is(r.headers['content-length'], '7');
  const c = await RawClient.open(srv.port);
  await c.write('HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const bytes = await c.readToEnd();
  assert.ok(bytes.toString('latin1').endsWith('\r\n\r\n'), 'nothing after the head');
  c.destroy();
});

test('FastResponse: string, JSON and bytes bodies written directly', async () => {
  let r = await raw('GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.body.toString(), 'fast body');
  assert.is(r.headers['content-length'], '9');
  assert.is(r.headers['content-type'], 'text/plain;charset=UTF-8');
  assert.is(r.headers['x-f'], '1');
  r = await raw('GET /fast-json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 201);
  assert.is(r.headers['content-type'], 'application/json');
  assert.equal(JSON.parse(r.body.toString()), { fast: true });
  r = await raw('GET /fast-bytes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal([...r.body], [9, 8, 7]);
  r = await raw('GET /fast-cloned HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.body.toString(), 'cloned first');
  assert.is(seen['fastClone'], 'cloned first');
  r = await raw('GET /fast-stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.body.toString(), 'through the stream');
  assert.is(r.headers['content-length'], '18');
  assert.is(seen['fastBody'], true);
});

test('FastResponse behaves as a Response for other consumers', async () => {
  const r = new FastResponse('abc', { status: 202, headers: { 'x-a': '1' } });
  assert.ok(r instanceof Response);
  assert.is(r.status, 202);
  assert.is(r.headers.get('x-a'), '1');
  assert.not.ok(r.bodyUsed);
  const c = r.clone();
  assert.is(await r.text(), 'abc');
  assert.ok(r.bodyUsed);
  await r.text().then(
    () => assert.unreachable('second read'),
    (err: Error) => assert.instance(err, TypeError),
  );
  assert.equal(new Uint8Array(await c.arrayBuffer()), new Uint8Array([97, 98, 99]));
  const s = new FastResponse(new Uint8Array([1, 2]));
  const chunks: number[] = [];
  for await (const part of s.body as unknown as AsyncIterable<Uint8Array>) chunks.push(...part);
  assert.equal(chunks, [1, 2]);
  assert.ok(s.bodyUsed);
  assert.equal(await FastResponse.json({ a: [1] }).json(), { a: [1] });
  assert.throws(() => new FastResponse('x', { status: 204 }), TypeError);
  // Other bodies are plain Response bodies.
  assert.is(await new FastResponse(new Blob(['blob'])).text(), 'blob');
  assert.is(new FastResponse(null).body, null);
});

// ---- files ----

test('fileResponse: sendfile with the extension type, Response headers and status kept', async () => {
  const res = await fetch(`${srv.base}/file`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/octet-stream');
  assert.is(res.headers.get('cache-control'), 'max-age=60');
  assert.is(res.headers.get('content-length'), String(fileBytes.length));
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(fileBytes));
  const html = await fetch(`${srv.base}/file-html`);
  assert.is(html.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.is(await html.text(), '<h1>page</h1>');
});

test('fileResponse: a range, a content type, a missing file (404 without its headers), HEAD', async () => {
  let r = await raw('GET /file-range HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 206);
  assert.is(r.headers['content-type'], 'application/x-part');
  assert.ok(r.body.equals(fileBytes.subarray(1000, 1500)));
  r = await raw('GET /file-missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.is(r.status, 404);
  assert.is(r.headers['x-should-not'], undefined);
  r = await raw('HEAD /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { noBody: true });
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], String(fileBytes.length));
  await quiet();
});

// ---- routing ----

test('routes: brigade routes first, server.fetch(pattern) with params, fallback for the rest', async () => {
  let res = await fetch(`${srv.base}/native`);
  assert.is(await res.text(), 'native route');
  res = await fetch(`${srv.base}/api/v1/things?x=1`);
  assert.equal(await res.json(), { api: 'v1/things', url: `${srv.base}/api/v1/things?x=1` });
  res = await fetch(`${srv.base}/sync`);
  assert.is(await res.text(), 'sync body');
  assert.is(res.headers.get('x-sync'), '1');
  res = await fetch(`${srv.base}/unknown/path`, { method: 'DELETE' });
  assert.is(res.status, 404);
  assert.is(await res.text(), 'fallback DELETE /unknown/path');
  // The fallback also gets methods a route exists for with another method (no 405).
  res = await fetch(`${srv.base}/native`, { method: 'POST', body: 'x' });
  assert.is(await res.text(), 'fallback POST /native');
});

test('a fetch handler may answer through info.res and return nothing', async () => {
  const res = await fetch(`${srv.base}/via-res`);
  assert.is(res.status, 202);
  assert.is(await res.text(), 'answered through info.res');
});

test('keep-alive: several fetch responses of every kind on one connection', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(
    'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /file-html HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /cookies HTTP/1.1\r\nHost: x\r\n\r\n',
  );
  const rs = await c.responses(4);
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['hello', 'one,two,three', '<h1>page</h1>', 'cookies'],
  );
  c.destroy();
});

test.run();
