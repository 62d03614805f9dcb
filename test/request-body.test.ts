// Request bodies over real sockets: inline and streamed Content-Length bodies,
// chunked bodies with extensions and trailers, a 5 MiB streamed upload, the
// body-size limit (413), and Expect: 100-continue.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAll } from './helpers/parse.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil, type Running } from './helpers/server.js';

const MAX_BODY = 8 << 20;
let srv: Running;
const events: string[] = [];
const test = suite('request bodies');

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test.before(async () => {
  srv = await start(
    (s) => {
      // Echo: length, sha256 and (short bodies) the text.
      s.post('/echo', async (q, r) => {
        const b = await q.bytes();
        r.json({ len: b.length, sha: sha(b), text: b.length <= 256 ? Buffer.from(b).toString('latin1') : null });
      });
      s.post('/stream', async (q, r) => {
        const h = createHash('sha256');
        let len = 0;
        let chunks = 0;
        for await (const c of q.stream()) {
          h.update(c);
          len += c.length;
          chunks++;
        }
        r.json({ len, sha: h.digest('hex'), chunks });
      });
      s.post('/ignore', (_q, r) => r.end('ignored'));
      s.post('/twice', async (q, r) => {
        await q.bytes();
        try {
          await q.bytes();
          r.end('read twice');
        } catch (e) {
          r.end(`second read: ${(e as Error).message}`);
        }
      });
      s.post('/watch', async (q, r) => {
        try {
          const b = await q.bytes();
          events.push(`ok ${b.length}`);
          r.end('ok');
        } catch (e) {
          events.push(`error ${(e as Error).constructor.name}`);
          throw e;
        }
      });
      s.get('/ok', (_q, r) => r.end('ok'));
    },
    { limits: { maxBodyBytes: MAX_BODY } },
  );
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

const post = (path: string, body: string | Buffer, extra = ''): Buffer =>
  Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n${extra}\r\n`, 'latin1'), Buffer.from(body)]);

test('small Content-Length body (inline with the head)', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(post('/echo', 'hello body'));
  const r = await c.response();
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.body.toString()), { len: 10, sha: sha(Buffer.from('hello body')), text: 'hello body' });
  c.destroy();
});

test('Content-Length body arriving in pieces', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 12\r\n\r\nabc');
  await sleep(20);
  await c.write('defghi');
  await sleep(20);
  await c.write('jkl');
  const r = await c.response();
  assert.is(JSON.parse(r.body.toString()).text, 'abcdefghijkl');
  c.destroy();
});

test('bodies around the 64 KiB inline boundary', async () => {
  const c = await RawClient.open(srv.port);
  for (const n of [64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1]) {
    const body = randomBytes(n);
    await c.write(post('/echo', body));
    const r = await c.response();
    assert.equal(JSON.parse(r.body.toString()), { len: n, sha: sha(body), text: null }, `n=${n}`);
  }
  c.destroy();
});

test('Content-Length body > 64 KiB is streamed to the handler', async () => {
  const body = randomBytes(300 * 1024);
  const c = await RawClient.open(srv.port);
  await c.write(post('/stream', body));
  const r = await c.response();
  const v = JSON.parse(r.body.toString());
  assert.is(v.len, body.length);
  assert.is(v.sha, sha(body));
  assert.ok(v.chunks > 1, 'delivered in several chunks');
  c.destroy();
});

test('chunked body with chunk extensions and trailers; the next pipelined request works', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(
    'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n' +
      '1; a = "quoted;\\"str" ; b\r\n \r\n' +
      'A\r\n0123456789\r\n' +
      '000\r\n' +
      'X-Trailer: yes\r\nX-Other: 1\r\n\r\n' +
      get('/ok'),
  );
  const [a, b] = await c.responses(2);
  assert.is(a!.status, 200);
  assert.equal(JSON.parse(a!.body.toString()).text, 'hello 0123456789');
  assert.is(b!.body.toString(), 'ok');
  c.destroy();
});

test('chunked body split at every byte boundary of the framing', async () => {
  const c = await RawClient.open(srv.port);
  const msg = 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n';
  for (let i = 0; i < msg.length; i += 3) {
    await c.write(msg.slice(i, i + 3));
    await sleep(1);
  }
  const r = await c.response();
  assert.is(JSON.parse(r.body.toString()).text, 'abcde');
  c.destroy();
});

test('large chunked body (many chunks) via Node http client', async () => {
  const parts = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 997));
  const whole = Buffer.concat(parts);
  const res = await new Promise<string>((resolve, reject) => {
    const rq = http.request({ host: '127.0.0.1', port: srv.port, path: '/stream', method: 'POST' }, (rs) => {
      let b = '';
      rs.on('data', (d: Buffer) => (b += d.toString()));
      rs.on('end', () => resolve(b));
    });
    rq.on('error', reject);
    for (const p of parts) rq.write(p);
    rq.end();
  });
  const v = JSON.parse(res);
  assert.is(v.len, whole.length);
  assert.is(v.sha, sha(whole));
});

test('req.stream() over a 5 MiB upload: sha256 matches (Content-Length and chunked)', async () => {
  const body = randomBytes(5 << 20);
  for (const chunked of [false, true]) {
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = chunked ? {} : { 'content-length': body.length };
      const rq = http.request({ host: '127.0.0.1', port: srv.port, path: '/stream', method: 'POST', headers }, (rs) => {
        let b = '';
        rs.on('data', (d: Buffer) => (b += d.toString()));
        rs.on('end', () => resolve({ status: rs.statusCode!, text: b }));
      });
      rq.on('error', reject);
      // Uneven writes so chunk boundaries do not line up with anything.
      for (let o = 0; o < body.length; o += 300_001) rq.write(body.subarray(o, Math.min(body.length, o + 300_001)));
      rq.end();
    });
    assert.is(res.status, 200, `chunked=${chunked}`);
    const v = JSON.parse(res.text);
    assert.is(v.len, body.length);
    assert.is(v.sha, sha(body), `chunked=${chunked}`);
  }
});

test('a handler that ignores a large body: the body is skipped, the connection goes on', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(Buffer.concat([post('/ignore', randomBytes(200 * 1024)), Buffer.from(get('/ok'))]));
  const [a, b] = await c.responses(2);
  assert.is(a!.body.toString(), 'ignored');
  assert.is(b!.body.toString(), 'ok');
  c.destroy();
});

test('reading a body twice fails the second time', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(post('/twice', 'abc'));
  assert.is((await c.response()).body.toString(), 'second read: request body already consumed');
  await c.write(post('/twice', randomBytes(100 * 1024)));
  assert.is((await c.response()).body.toString(), 'second read: request body already consumed');
  c.destroy();
});

test('Content-Length above limits.maxBodyBytes: 413 at once, then close', async () => {
  const c = await RawClient.open(srv.port);
  // Only the head: the answer must not wait for the body.
  await c.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`);
  const bytes = await c.readToEnd();
  const rs = parseAll(bytes);
  assert.equal(rs.map((r) => r.status), [413]);
  assert.is(rs[0]!.headers['connection'], 'close');
  c.destroy();
});

test('Content-Length exactly at the limit is accepted', async () => {
  const s = await start((x) => x.post('/n', async (q, r) => r.end(String((await q.bytes()).length))), { limits: { maxBodyBytes: 1000 } });
  const c = await RawClient.open(s.port);
  await c.write(post('/n', 'x'.repeat(1000)));
  assert.is((await c.response()).body.toString(), '1000');
  await c.write(post('/n', 'x'.repeat(1001)));
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.status), [413]);
  c.destroy();
});

test('chunked body exceeding limits.maxBodyBytes: exactly one 413, then close', async () => {
  const s = await start(
    (x) =>
      x.post('/watch', async (q, r) => {
        try {
          const b = await q.bytes();
          events.push(`ok ${b.length}`);
          r.end('ok');
        } catch (e) {
          events.push(`error ${(e as Error).constructor.name}`);
          throw e;
        }
      }),
    { limits: { maxBodyBytes: 10_000 } },
  );
  events.length = 0;
  const c = await RawClient.open(s.port);
  await c.write('POST /watch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
  await c.write(`1000\r\n${'a'.repeat(0x1000)}\r\n`);
  await c.write(`1000\r\n${'b'.repeat(0x1000)}\r\n`);
  await c.write(`1000\r\n${'c'.repeat(0x1000)}\r\n`); // 12288 > 10000
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.status), [413]);
  assert.is(rs[0]!.headers['connection'], 'close');
  await waitUntil(() => events.length > 0, 2000);
  assert.equal(events, ['error BodyTooLargeError']);
  c.destroy();
});

test('a chunked body within the limit, chunk by chunk, is accepted', async () => {
  const s = await start((x) => x.post('/n', async (q, r) => r.end(String((await q.bytes()).length))), { limits: { maxBodyBytes: 10_000 } });
  const c = await RawClient.open(s.port);
  await c.write('POST /n HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let i = 0; i < 10; i++) await c.write(`3e8\r\n${'z'.repeat(1000)}\r\n`);
  await c.write('0\r\n\r\n');
  assert.is((await c.response()).body.toString(), '10000');
  c.destroy();
});

test('malformed chunked framing: 400 and close', async () => {
  for (const body of ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcX\r\n0\r\n\r\n', '3\nabc\r\n0\r\n\r\n', '-1\r\n', '3 x\r\nabc\r\n']) {
    const c = await RawClient.open(srv.port);
    await c.write(`POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
    const rs = parseAll(await c.readToEnd());
    assert.equal(rs.map((r) => r.status), [400], JSON.stringify(body));
    c.destroy();
  }
});

test('Expect: 100-continue: the interim response comes before the body is sent', async () => {
  const c = await RawClient.open(srv.port);
  const body = randomBytes(100 * 1024);
  await c.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  const interim = await c.response({ timeout: 3000 });
  assert.is(interim.status, 100);
  assert.is(interim.reason, 'Continue');
  assert.is(c.pending.length, 0, 'nothing but the 100 before the body');
  await c.write(body);
  const r = await c.response();
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.body.toString()), { len: body.length, sha: sha(body), text: null });
  // And the connection goes on normally.
  await c.write(get('/ok'));
  assert.is((await c.response()).body.toString(), 'ok');
  c.destroy();
});

test('Expect: 100-continue with a chunked body', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nExpect: 100-Continue\r\n\r\n');
  const interim = await c.response({ timeout: 3000 });
  assert.is(interim.status, 100);
  await c.write('4\r\nabcd\r\n0\r\n\r\n');
  assert.is(JSON.parse((await c.response()).body.toString()).text, 'abcd');
  c.destroy();
});

test('Expect: 100-continue via Node http client', async () => {
  const body = randomBytes(70 * 1024);
  let gotContinue = false;
  const text = await new Promise<string>((resolve, reject) => {
    const rq = http.request({
      host: '127.0.0.1',
      port: srv.port,
      path: '/echo',
      method: 'POST',
      headers: { expect: '100-continue', 'content-length': body.length },
    });
    rq.on('continue', () => {
      gotContinue = true;
      rq.end(body);
    });
    rq.on('response', (rs) => {
      let b = '';
      rs.on('data', (d: Buffer) => (b += d.toString()));
      rs.on('end', () => resolve(b));
    });
    rq.on('error', reject);
  });
  assert.ok(gotContinue);
  assert.is(JSON.parse(text).sha, sha(body));
});

test('Expect with a too-large Content-Length: 413 and no 100', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${MAX_BODY * 2}\r\nExpect: 100-continue\r\n\r\n`);
  const all = await c.readToEnd();
  assert.not.ok(all.toString('latin1').includes('100 Continue'));
  const rs = parseAll(all);
  assert.equal(rs.map((r) => r.status), [413]);
  c.destroy();
});

test('Expect from an HTTP/1.0 client is ignored (no 100)', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('POST /echo HTTP/1.0\r\nContent-Length: 70000\r\nExpect: 100-continue\r\n\r\n');
  await sleep(100);
  assert.is(c.pending.length, 0, 'no interim response for HTTP/1.0');
  await c.write(Buffer.alloc(70000, 0x61));
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.status), [200]);
  assert.is(JSON.parse(rs[0]!.body.toString()).len, 70000);
  c.destroy();
});

test('client closes in the middle of a body: the handler sees an abort, nothing leaks', async () => {
  events.length = 0;
  const c = await RawClient.open(srv.port);
  await c.write('POST /watch HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n');
  await c.write(Buffer.alloc(100000, 1));
  await sleep(30);
  c.destroy();
  await waitUntil(() => events.length > 0, 3000, () => JSON.stringify(events));
  assert.equal(events, ['error RequestAbortedError']);
  await waitUntil(() => srv.server.stats().requestsPending === 0, 3000);
});

test.run();
