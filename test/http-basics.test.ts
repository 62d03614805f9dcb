// HTTP basics end to end over real sockets: routing, statuses, headers, HEAD,
// streaming framing, HTTP/1.0, bodies, async and failing handlers, request
// accessors. Raw sockets where the exact bytes matter, fetch elsewhere.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Running } from './helpers/server.js';
import { sleep, start, stopAll } from './helpers/server.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { parseAll, type ParsedResponse } from './helpers/parse.js';

let srv: Running;
// What handlers observed, for the assertions that look at the request side.
const seen: Record<string, unknown> = {};

const test = suite('http basics');

test.before(async () => {
  srv = await start((s) => {
    s.get('/hello', (_q, r) => r.setHeader('Content-Type', 'text/plain').end('hello'));
    s.get('/users/:id/posts/:postId', (q, r) => r.json(q.params));
    s.get('/files/*', (q, r) => r.json(q.params));
    s.get('/only-get', (_q, r) => r.end('g'));
    s.get('/status/:code', (q, r) => r.status(Number(q.params['code'])).end('body'));
    s.get('/bad-status', (_q, r) => {
      r.status(42);
    });
    s.get('/headers', (_q, r) => {
      r.setHeader('X-One', '1');
      r.setHeader('x-one', 'replaced');
      r.appendHeader('Set-Cookie', 'a=1');
      r.appendHeader('Set-Cookie', 'b=2');
      r.setHeader('X-List', ['p', 'q']);
      r.setHeader('X-Num', 42);
      r.setHeader('X-Gone', 'soon');
      r.removeHeader('X-GONE');
      const view = {
        one: r.getHeader('X-ONE'),
        cookie: r.getHeader('set-cookie'),
        list: r.getHeader('x-list'),
        num: r.getHeader('x-num'),
        gone: r.getHeader('x-gone') ?? null,
        hasOne: r.hasHeader('X-One'),
        hasGone: r.hasHeader('x-gone'),
      };
      r.json(view);
    });
    s.get('/inject', (_q, r) => {
      const errors: string[] = [];
      const attempts: [string, string][] = [
        ['X-A', 'v\r\nInjected: yes'],
        ['X-B', 'v\nInjected: yes'],
        ['X-C', 'v\rInjected: yes'],
        ['X-D', 'nul\0byte'],
        ['Bad Name', 'v'],
        ['X-E:', 'v'],
        ['X-F\r\nInjected', 'v'],
        ['X-G', 'snowman \u2603'],
      ];
      for (const [n, v] of attempts) {
        try {
          r.setHeader(n, v);
          errors.push(`accepted ${n}`);
        } catch (e) {
          errors.push(e instanceof TypeError ? 'TypeError' : String(e));
        }
      }
      try {
        r.appendHeader('X-H', 'a\r\nInjected: yes');
        errors.push('accepted append');
      } catch (e) {
        errors.push(e instanceof TypeError ? 'TypeError' : String(e));
      }
      r.setHeader('X-Tab', 'a\tb');
      r.json(errors);
    });
    s.get('/stream', (_q, r) => {
      r.setHeader('Content-Type', 'text/plain');
      r.write('alpha-');
      r.write(Buffer.from('beta-'));
      r.write('');
      r.end('gamma');
    });
    s.get('/stream-async', async (_q, r) => {
      r.write('one,');
      await sleep(20);
      r.write('two,');
      await sleep(20);
      r.end('three');
    });
    s.get('/stream-cl', (_q, r) => {
      r.setHeader('Content-Length', '6');
      r.write('abc');
      r.end('def');
    });
    s.post('/echo-json', async (q, r) => {
      const v = await q.json<Record<string, unknown>>();
      r.json({ got: v, type: q.header('content-type') });
    });
    s.post('/echo-text', async (q, r) => {
      const t = await q.text();
      r.setHeader('Content-Type', 'text/plain; charset=utf-8').end(`len=${t.length}:${t}`);
    });
    s.put('/echo-bytes', async (q, r) => {
      const b = await q.bytes();
      r.end(b);
    });
    s.get('/async', async (_q, r) => {
      await sleep(30);
      r.end('later');
    });
    s.get('/throw', () => {
      throw new Error('boom (expected by the test)');
    });
    s.get('/reject', async () => {
      await sleep(5);
      throw new Error('async boom (expected by the test)');
    });
    s.get('/throw-status', () => {
      throw Object.assign(new Error('teapot'), { status: 418 });
    });
    s.get('/throw-after-write', (_q, r) => {
      r.write('partial');
      throw new Error('late boom (expected by the test)');
    });
    s.get('/query', (q, r) =>
      r.json({ query: q.query, path: q.path, url: q.url, a: q.searchParams.getAll('a'), b: q.searchParams.get('b') }),
    );
    s.get('/whoami', (q, r) => r.json({ addr: q.remoteAddress, version: q.httpVersion, method: q.method }));
    s.get('/reqheaders', (q, r) => {
      seen['headers'] = { ...q.headers };
      r.json({ multi: q.header('X-MULTI'), cookie: q.header('cookie'), names: Object.keys(q.headers) });
    });
    s.get('/utf8', (_q, r) => r.end('h\u00e9llo \u2603 \u{1F600}'));
    s.get('/date', (_q, r) => r.end('d'));
    s.get('/own-date', (_q, r) => r.setHeader('Date', 'Thu, 01 Jan 1970 00:00:00 GMT').end('d'));
    s.get('/empty', (_q, r) => r.end());
    s.route('BREW', '/coffee', (_q, r) => r.end('brewed'));
    s.get('/many-headers', (_q, r) => {
      for (let i = 0; i < 200; i++) r.setHeader(`X-H${i}`, 'v'.repeat(100) + i);
      r.end('many');
    });
    s.get('/misuse', (_q, r) => {
      const out: string[] = [];
      r.end('first');
      r.end('second'); // a no-op
      try {
        r.write('more');
        out.push('write accepted');
      } catch (e) {
        out.push(`write: ${(e as Error).message}`);
      }
      try {
        r.setHeader('X-Late', '1');
        out.push('setHeader accepted');
      } catch (e) {
        out.push(`setHeader: ${(e as Error).message}`);
      }
      seen['misuse'] = { out, finished: r.finished, headersSent: r.headersSent };
    });
  });
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

/** One request on a fresh keep-alive connection; returns the parsed response. */
async function one(head: string, opts: { noBody?: boolean } = {}): Promise<ParsedResponse> {
  const c = await RawClient.open(srv.port);
  try {
    await c.write(head);
    return await c.response({ noBody: opts.noBody });
  } finally {
    c.destroy();
  }
}

const text = (r: ParsedResponse): string => r.body.toString('utf8');

test('exact route: 200, body, Content-Length, Content-Type', async () => {
  const r = await one(get('/hello'));
  assert.is(r.version, '1.1');
  assert.is(r.status, 200);
  assert.is(r.reason, 'OK');
  assert.is(text(r), 'hello');
  assert.is(r.headers['content-length'], '5');
  assert.is(r.headers['content-type'], 'text/plain');
  assert.is(r.headers['transfer-encoding'], undefined);
  assert.is(r.headers['connection'], undefined, 'HTTP/1.1 keep-alive needs no Connection header');
});

test(':param route extracts raw segments', async () => {
  const r = await one(get('/users/42/posts/a%20b'));
  assert.is(r.status, 200);
  assert.equal(JSON.parse(text(r)), { id: '42', postId: 'a%20b' });
  assert.is(r.headers['content-type'], 'application/json; charset=utf-8');
});

test('prefix route gets the remainder as *', async () => {
  assert.equal(JSON.parse(text(await one(get('/files/a/b/c.txt')))), { '*': 'a/b/c.txt' });
  assert.equal(JSON.parse(text(await one(get('/files/')))), { '*': '' });
  assert.equal(JSON.parse(text(await one(get('/files')))), { '*': '' });
});

test('unknown path: 404 with a body', async () => {
  const r = await one(get('/nope'));
  assert.is(r.status, 404);
  assert.is(r.reason, 'Not Found');
  assert.is(text(r), 'Not Found\n');
  assert.is(r.headers['content-length'], String(r.body.length));
  // Param routes need every segment.
  assert.is((await one(get('/users/42/posts'))).status, 404);
  assert.is((await one(get('/users//posts/1'))).status, 404);
});

test('wrong method: 405 with Allow', async () => {
  const r = await one('POST /only-get HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n');
  assert.is(r.status, 405);
  assert.is(r.headers['allow'], 'GET, HEAD');
  assert.is(text(r), 'Method Not Allowed\n');
  const d = await one('DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(d.status, 405);
  assert.is(d.headers['allow'], 'GET, HEAD');
});

test('unknown method token: 501; a registered custom method works', async () => {
  const r = await one('BREW /nowhere HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(r.status, 501);
  assert.is(text(r), 'Not Implemented\n');
  const ok = await one('BREW /coffee HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(ok.status, 200);
  assert.is(text(ok), 'brewed');
});

test('status codes and reason phrases', async () => {
  for (const [code, reason] of [
    [201, 'Created'],
    [202, 'Accepted'],
    [400, 'Bad Request'],
    [418, "I'm a Teapot"],
    [503, 'Service Unavailable'],
  ] as const) {
    const r = await one(get(`/status/${code}`));
    assert.is(r.status, code);
    assert.is(r.reason, reason);
    assert.is(text(r), 'body');
    assert.is(r.headers['content-length'], '4');
  }
});

test('204 and 304 carry no body and no Content-Length', async () => {
  const c = await RawClient.open(srv.port);
  // Both on one connection: a stray body would corrupt the next response.
  await c.write(get('/status/204') + get('/status/304') + get('/hello'));
  const [a, b, h] = await c.responses(3);
  assert.is(a!.status, 204);
  assert.is(a!.headers['content-length'], undefined);
  assert.is(a!.headers['transfer-encoding'], undefined);
  assert.is(b!.status, 304);
  assert.is(b!.headers['content-length'], undefined);
  assert.is(h!.status, 200);
  assert.is(text(h!), 'hello');
  c.destroy();
});

test('an invalid status code is a handler error: 500', async () => {
  const r = await one(get('/bad-status'));
  assert.is(r.status, 500);
  assert.is(text(r), 'Internal Server Error\n');
});

test('headers: set replaces, append adds, remove, get joins, names case-insensitive', async () => {
  const r = await one(get('/headers'));
  assert.is(r.status, 200);
  assert.equal(JSON.parse(text(r)), {
    one: 'replaced',
    cookie: 'a=1, b=2',
    list: 'p, q',
    num: '42',
    gone: null,
    hasOne: true,
    hasGone: false,
  });
  const names = r.rawHeaders.map(([n]) => n.toLowerCase());
  assert.is(names.filter((n) => n === 'set-cookie').length, 2, 'each Set-Cookie on its own line');
  assert.is(names.filter((n) => n === 'x-list').length, 2);
  assert.is(names.filter((n) => n === 'x-one').length, 1);
  assert.not.ok(names.includes('x-gone'));
  assert.equal(
    r.rawHeaders.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v),
    ['a=1', 'b=2'],
  );
  assert.is(r.rawHeaders.find(([n]) => n.toLowerCase() === 'x-one')![0], 'x-one', 'name as last set');
});

test('header injection: CR/LF/NUL in values and bad names throw; nothing leaks', async () => {
  const r = await one(get('/inject'));
  assert.is(r.status, 200);
  assert.equal(JSON.parse(text(r)), [
    'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError',
  ]);
  assert.is(r.headers['injected'], undefined);
  for (const n of ['x-a', 'x-b', 'x-c', 'x-d', 'x-g', 'x-h']) assert.is(r.headers[n], undefined, n);
  assert.is(r.headers['x-tab'], 'a\tb', 'HTAB is a valid field-value character');
});

test('HEAD: same headers and Content-Length as GET, no body bytes', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n' + get('/hello') + 'HEAD /utf8 HTTP/1.1\r\nHost: t\r\n\r\n' + get('/utf8'));
  const [h, g, h2, g2] = await c.responses(4, { noBody: [true, false, true, false] });
  assert.is(h!.status, 200);
  assert.is(h!.headers['content-length'], '5');
  assert.is(h!.headers['content-type'], 'text/plain');
  assert.is(g!.status, 200);
  assert.is(text(g!), 'hello', 'the GET after HEAD parses: HEAD sent no body');
  assert.is(h2!.headers['content-length'], g2!.headers['content-length']);
  assert.is(Number(g2!.headers['content-length']), Buffer.byteLength('h\u00e9llo \u2603 \u{1F600}'));
  c.destroy();
});

test('HEAD on a streamed response: framing headers, no chunk bytes', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n' + get('/hello'));
  const [h, g] = await c.responses(2, { noBody: [true, false] });
  assert.is(h!.status, 200);
  assert.is(g!.status, 200);
  assert.is(text(g!), 'hello', 'no chunk data or last-chunk after a HEAD response');
  c.destroy();
});

test('HEAD on a 404: no body', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n' + get('/hello'));
  const [h, g] = await c.responses(2, { noBody: [true, false] });
  assert.is(h!.status, 404);
  assert.is(h!.headers['content-length'], '10');
  assert.is(text(g!), 'hello');
  c.destroy();
});

test('res.write on HTTP/1.1: chunked framing, connection stays open', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/stream') + get('/hello'));
  const [s, h] = await c.responses(2);
  assert.is(s!.status, 200);
  assert.ok(s!.chunked);
  assert.is(s!.headers['transfer-encoding'], 'chunked');
  assert.is(s!.headers['content-length'], undefined);
  assert.is(text(s!), 'alpha-beta-gamma');
  assert.is(text(h!), 'hello');
  assert.not.ok(c.peerEnded);
  // Exact bytes: an empty write must not produce a (terminating) zero-size chunk.
  const raw = await RawClient.open(srv.port);
  await raw.write(get('/stream', 'Connection: close\r\n'));
  const all = (await raw.readToEnd()).toString('latin1');
  assert.ok(all.endsWith('\r\n\r\n6\r\nalpha-\r\n5\r\nbeta-\r\n5\r\ngamma\r\n0\r\n\r\n'), JSON.stringify(all));
  c.destroy();
  raw.destroy();
});

test('res.write across async turns', async () => {
  const r = await one(get('/stream-async'));
  assert.ok(r.chunked);
  assert.is(text(r), 'one,two,three');
});

test('res.write with a declared Content-Length keeps it (no chunking)', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/stream-cl') + get('/hello'));
  const [s, h] = await c.responses(2);
  assert.is(s!.headers['content-length'], '6');
  assert.not.ok(s!.chunked);
  assert.is(text(s!), 'abcdef');
  assert.is(text(h!), 'hello');
  c.destroy();
});

test('res.write on HTTP/1.0: close-delimited body', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const bytes = await c.readToEnd();
  const [r] = parseAll(bytes);
  assert.is(r!.status, 200);
  assert.is(r!.version, '1.1');
  assert.is(r!.headers['transfer-encoding'], undefined, 'no chunked coding for an HTTP/1.0 client');
  assert.is(r!.headers['content-length'], undefined);
  assert.is(r!.headers['connection'], 'close');
  assert.is(text(r!), 'alpha-beta-gamma');
  c.destroy();
});

test('HTTP/1.0 with keep-alive: Connection: keep-alive, same connection reused', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const a = await c.response();
  assert.is(a.status, 200);
  assert.is(a.headers['connection'], 'keep-alive');
  assert.is(a.headers['content-length'], '5');
  await c.write('GET /whoami HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
  const b = await c.response();
  assert.equal(JSON.parse(text(b)), { addr: '127.0.0.1', version: '1.0', method: 'GET' });
  assert.not.ok(c.peerEnded);
  // The last one without keep-alive: answered, then closed.
  await c.write('GET /hello HTTP/1.0\r\n\r\n');
  const z = await c.response();
  assert.is(z.headers['connection'], 'close');
  await c.waitEnd();
  c.destroy();
});

test('HTTP/1.0 without keep-alive: Connection: close, server closes', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /hello HTTP/1.0\r\n\r\n');
  const bytes = await c.readToEnd();
  const rs = parseAll(bytes);
  assert.is(rs.length, 1);
  assert.is(rs[0]!.headers['connection'], 'close');
  assert.is(text(rs[0]!), 'hello');
  c.destroy();
});

test('Date header: present once, IMF-fixdate, close to now', async () => {
  const r = await one(get('/date'));
  const dates = r.rawHeaders.filter(([n]) => n.toLowerCase() === 'date');
  assert.is(dates.length, 1);
  const d = dates[0]![1];
  assert.match(d, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.ok(Math.abs(Date.parse(d) - Date.now()) < 5000, `date ${d} far from now`);
  // Native error pages carry one too.
  const e = await one('GET / HTTP/1.1\r\n\r\n');
  assert.is(e.status, 400);
  assert.match(e.headers['date'] ?? '', / GMT$/);
  // A handler's own Date replaces the default.
  const own = await one(get('/own-date'));
  assert.equal(own.rawHeaders.filter(([n]) => n.toLowerCase() === 'date').map(([, v]) => v), ['Thu, 01 Jan 1970 00:00:00 GMT']);
});

test('POST JSON body echoed (fetch)', async () => {
  const payload = { a: 1, s: 'x\u00e9\u2603', list: [1, 2, 3], nested: { ok: true } };
  const res = await fetch(`${srv.base}/echo-json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await res.json(), { got: payload, type: 'application/json' });
});

test('POST invalid JSON: handler rejects, 500', async () => {
  const res = await fetch(`${srv.base}/echo-json`, { method: 'POST', body: '{not json' });
  assert.is(res.status, 500);
  await res.arrayBuffer();
});

test('POST text body, UTF-8, and an empty body', async () => {
  const t = 'grüße \u2603 \u{1F600}';
  const res = await fetch(`${srv.base}/echo-text`, { method: 'POST', body: t });
  assert.is(await res.text(), `len=${t.length}:${t}`);
  const r = await one('POST /echo-text HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n');
  assert.is(text(r), 'len=0:');
  const r2 = await one('POST /echo-text HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(text(r2), 'len=0:', 'no framing headers: no body');
});

test('PUT binary body comes back byte for byte', async () => {
  const body = Buffer.alloc(3000);
  for (let i = 0; i < body.length; i++) body[i] = i & 255;
  const res = await fetch(`${srv.base}/echo-bytes`, { method: 'PUT', body });
  assert.is(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
});

test('async handler ends after a timer', async () => {
  const r = await one(get('/async'));
  assert.is(r.status, 200);
  assert.is(text(r), 'later');
});

test('handler throws: 500, and the same connection keeps working', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/throw'));
  const a = await c.response();
  assert.is(a.status, 500);
  assert.is(text(a), 'Internal Server Error\n');
  assert.is(a.headers['connection'], undefined, 'a handler error does not close the connection');
  await c.write(get('/hello'));
  const b = await c.response();
  assert.is(b.status, 200);
  assert.is(text(b), 'hello');
  // Pipelined after a throwing handler, too.
  await c.write(get('/throw') + get('/hello') + get('/reject') + get('/hello'));
  const rs = await c.responses(4);
  assert.equal(rs.map((r) => r.status), [500, 200, 500, 200]);
  assert.not.ok(c.peerEnded);
  c.destroy();
});

test('async handler rejects: 500', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/reject'));
  const a = await c.response();
  assert.is(a.status, 500);
  assert.is(text(a), 'Internal Server Error\n');
  await c.write(get('/hello'));
  assert.is((await c.response()).status, 200);
  c.destroy();
});

test('an error carrying a status is answered with it', async () => {
  const r = await one(get('/throw-status'));
  assert.is(r.status, 418);
  assert.is(text(r), 'Error 418\n');
});

test('handler throws after the head left: the response is cut off and the connection closed', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/throw-after-write'));
  const bytes = (await c.readToEnd()).toString('latin1');
  assert.match(bytes, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(bytes.includes('7\r\npartial\r\n'));
  assert.not.ok(bytes.endsWith('0\r\n\r\n'), 'no last-chunk: the client must see an incomplete body');
  c.destroy();
});

test('query string, searchParams, path and url', async () => {
  const r = await one(get('/query?a=1&b=two%20words&a=3'));
  assert.equal(JSON.parse(text(r)), {
    query: 'a=1&b=two%20words&a=3',
    path: '/query',
    url: '/query?a=1&b=two%20words&a=3',
    a: ['1', '3'],
    b: 'two words',
  });
  const e = await one(get('/query'));
  assert.equal(JSON.parse(text(e)), { query: '', path: '/query', url: '/query', a: [], b: null });
  const q = await one(get('/query?'));
  assert.is(JSON.parse(text(q)).query, '');
});

test('absolute-form request-target routes by its path', async () => {
  const r = await one('GET http://example.com/query?a=9 HTTP/1.1\r\nHost: example.com\r\n\r\n');
  assert.is(r.status, 200);
  const v = JSON.parse(text(r));
  assert.is(v.path, '/query');
  assert.is(v.query, 'a=9');
  assert.equal(v.a, ['9']);
});

test('remoteAddress, httpVersion, method', async () => {
  const res = await fetch(`${srv.base}/whoami`);
  assert.equal(await res.json(), { addr: '127.0.0.1', version: '1.1', method: 'GET' });
});

test('req.headers: lower-case names, repeated fields joined, Cookie with "; "', async () => {
  const r = await one(
    'GET /reqheaders HTTP/1.1\r\nHost: t\r\nX-Multi: a\r\nX-MULTI: b\r\nx-multi:c  \r\nCookie: k=1\r\nCOOKIE: j=2\r\nX-Empty:\r\nMixed-Case-Name: v\r\n\r\n',
  );
  assert.is(r.status, 200);
  const v = JSON.parse(text(r));
  assert.is(v.multi, 'a, b, c');
  assert.is(v.cookie, 'k=1; j=2');
  assert.equal(v.names, ['host', 'x-multi', 'cookie', 'x-empty', 'mixed-case-name']);
  assert.equal(seen['headers'], {
    host: 't',
    'x-multi': 'a, b, c',
    cookie: 'k=1; j=2',
    'x-empty': '',
    'mixed-case-name': 'v',
  });
});

test('UTF-8 body: Content-Length counts bytes', async () => {
  const r = await one(get('/utf8'));
  assert.is(text(r), 'h\u00e9llo \u2603 \u{1F600}');
  assert.is(Number(r.headers['content-length']), r.body.length);
});

test('end() without a body: Content-Length 0', async () => {
  const r = await one(get('/empty'));
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], '0');
  assert.is(r.body.length, 0);
});

test('a large response head (200 fields of ~100 bytes)', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/many-headers') + get('/hello'));
  const [m, h] = await c.responses(2);
  assert.is(m!.status, 200);
  for (let i = 0; i < 200; i++) assert.is(m!.headers[`x-h${i}`], 'v'.repeat(100) + i);
  assert.is(text(m!), 'many');
  assert.is(text(h!), 'hello');
  c.destroy();
});

test('after end(): end() again is a no-op, write() and setHeader() throw', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/misuse') + get('/hello'));
  const [m, h] = await c.responses(2);
  assert.is(text(m!), 'first');
  assert.is(text(h!), 'hello', 'nothing extra was written after the first response');
  assert.equal(seen['misuse'], {
    out: ['write: write after end', 'setHeader: headers already sent'],
    finished: true,
    headersSent: true,
  });
  c.destroy();
});

test('OPTIONS *: 204 with Allow; asterisk-form for other methods is rejected', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n' + get('/hello'));
  const [o, h] = await c.responses(2);
  assert.is(o!.status, 204);
  assert.is(o!.headers['allow'], 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  assert.is(o!.headers['content-length'], undefined);
  assert.is(text(h!), 'hello');
  c.destroy();
  const g = await one('GET * HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.is(g.status, 400);
});

test.run();
