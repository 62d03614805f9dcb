// Malformed requests over raw sockets: each gets exactly the expected error
// status, a Connection: close error page, and the server closes the
// connection. Meanwhile well-behaved keep-alive clients are unaffected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAll } from './helpers/parse.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { start, stopAll, type Running } from './helpers/server.js';

let srv: Running;
const test = suite('malformed requests');

test.before(async () => {
  srv = await start((s) => {
    s.get('/', (_q, r) => r.end('root'));
    s.get('/ok', (_q, r) => r.end('ok'));
    s.all('/any', (q, r) => r.end(`any:${q.method}`));
  });
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

const H = 'Host: t\r\n';

// [name, bytes, expected status]
const cases: [string, string, number][] = [
  ['garbage request line', 'GARBAGE\r\n\r\n', 400],
  ['request line without version', `GET /\r\n${H}\r\n`, 400],
  ['request line with only a method and version', `GET HTTP/1.1\r\n${H}\r\n`, 400],
  ['bad method characters', `GE(T / HTTP/1.1\r\n${H}\r\n`, 400],
  ['method with a slash', `G/ET / HTTP/1.1\r\n${H}\r\n`, 400],
  ['leading space before the method', ` GET / HTTP/1.1\r\n${H}\r\n`, 400],
  ['two spaces after the method', `GET  / HTTP/1.1\r\n${H}\r\n`, 400],
  ['two spaces before the version', `GET /  HTTP/1.1\r\n${H}\r\n`, 400],
  ['tab as separator', `GET\t/ HTTP/1.1\r\n${H}\r\n`, 400],
  ['trailing space after the version', `GET / HTTP/1.1 \r\n${H}\r\n`, 400],
  ['bare LF line endings everywhere', 'GET / HTTP/1.1\nHost: t\n\n', 400],
  ['bare LF after a header', `GET / HTTP/1.1\r\nHost: t\nX: y\r\n\r\n`, 400],
  ['bare LF as the final line', `GET / HTTP/1.1\r\n${H}\n`, 400],
  ['bare CR in a header value', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, 400],
  ['obs-fold (space continuation)', `GET / HTTP/1.1\r\n${H}X: a\r\n  b\r\n\r\n`, 400],
  ['obs-fold (tab continuation)', `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 400],
  ['whitespace before the first header', `GET / HTTP/1.1\r\n ${H}\r\n`, 400],
  ['space before colon', `GET / HTTP/1.1\r\nHost : t\r\n\r\n`, 400],
  ['tab before colon', `GET / HTTP/1.1\r\n${H}X-A\t: 1\r\n\r\n`, 400],
  ['header line without colon', `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, 400],
  ['empty header name', `GET / HTTP/1.1\r\n${H}: v\r\n\r\n`, 400],
  ['NUL in a header value', `GET / HTTP/1.1\r\n${H}X: a\0b\r\n\r\n`, 400],
  ['NUL in a header name', `GET / HTTP/1.1\r\n${H}X\0Y: a\r\n\r\n`, 400],
  ['DEL in a header value', `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`, 400],
  ['control character in the target', `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, 400],
  ['non-ASCII byte in the target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 400],
  ['relative target', `GET foo HTTP/1.1\r\n${H}\r\n`, 400],
  ['absolute-form with userinfo', `GET http://user@t/ HTTP/1.1\r\n${H}\r\n`, 400],
  ['absolute-form with an unknown scheme', `GET ftp://t/ HTTP/1.1\r\n${H}\r\n`, 400],
  ['CONNECT with an origin-form target', `CONNECT / HTTP/1.1\r\n${H}\r\n`, 400],
  ['asterisk-form for GET', `GET * HTTP/1.1\r\n${H}\r\n`, 400],
  ['too many empty lines before the request', `\r\n\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, 400],
  ['Transfer-Encoding + Content-Length', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`, 400],
  ['Content-Length + Transfer-Encoding (other order)', `POST /any HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`, 400],
  // RFC 9112 §6.3: chunked not the final coding -> length unknown -> MUST 400.
  ['Transfer-Encoding: gzip alone (chunked not final)', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, 400],
  // A framing brigade can read but a coding it does not implement: 501.
  ['Transfer-Encoding: gzip, chunked', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501],
  ['Transfer-Encoding: gzip then chunked fields', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 501],
  ['Transfer-Encoding: chunked, gzip', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, 400],
  ['Transfer-Encoding: chunked twice', `POST /any HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, 400],
  ['Transfer-Encoding in HTTP/1.0', `POST /any HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['duplicate differing Content-Length fields', `POST /any HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, 400],
  ['differing Content-Length list', `POST /any HTTP/1.1\r\n${H}Content-Length: 3, 4\r\n\r\nabcd`, 400],
  ['negative Content-Length', `POST /any HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400],
  ['hex Content-Length', `POST /any HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, 400],
  ['signed Content-Length', `POST /any HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nabcde`, 400],
  ['empty Content-Length', `POST /any HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400],
  ['Content-Length with inner space', `POST /any HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\n`, 400],
  ['overflowing Content-Length', `POST /any HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`, 400],
  ['Content-Length just above 2^53', `POST /any HTTP/1.1\r\n${H}Content-Length: 9007199254740993\r\n\r\n`, 400],
  ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 505],
  ['HTTP/0.9 style version', `GET / HTTP/0.9\r\n${H}\r\n`, 505],
  ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400],
  ['malformed version', `GET / HTTP/1.x\r\n${H}\r\n`, 400],
  ['version with extra digits', `GET / HTTP/1.10\r\n${H}\r\n`, 400],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 400],
  ['two Host fields', `GET / HTTP/1.1\r\n${H}Host: u\r\n\r\n`, 400],
  ['two Host fields, same value', `GET / HTTP/1.1\r\n${H}${H}\r\n`, 400],
  ['invalid Host', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
  ['Host with userinfo', 'GET / HTTP/1.1\r\nHost: u@t\r\n\r\n', 400],
  ['request line > 8 KiB', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, 414],
  ['method > 8 KiB', `${'G'.repeat(8300)} / HTTP/1.1\r\n${H}\r\n`, 414],
  ['> 100 header fields', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 431],
  ['header block > 64 KiB', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 50 }, (_, i) => `X-${i}: ${'v'.repeat(1400)}\r\n`).join('')}\r\n`, 431],
  ['one header value > 64 KiB', `GET / HTTP/1.1\r\n${H}X-Big: ${'v'.repeat(70 * 1024)}\r\n\r\n`, 431],
  // One field line over limits.maxHeaderLine (8 KiB, as nginx and Apache): 431 (conformance:framing long-header-name-16k).
  ['header field line > 8 KiB', `GET / HTTP/1.1\r\n${H}X-Big: ${'v'.repeat(8200)}\r\n\r\n`, 431],
  ['header name > 8 KiB', `GET / HTTP/1.1\r\n${H}${'N'.repeat(16 * 1024)}: v\r\n\r\n`, 431],
  // Repeated Content-Length, even with equal values: 400 (conformance:framing cl-dup-same, cl-list-same).
  ['duplicate Content-Length fields, same value', `POST /any HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde`, 400],
  ['Content-Length list of equal values', `POST /any HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nabcde`, 400],
];

const reasons: Record<number, string> = {
  400: 'Bad Request',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** Sends bytes on a fresh connection and returns everything until the server closes. */
async function reject(bytes: string, port = srv.port): Promise<{ status: number; all: Buffer; count: number; connection?: string }> {
  const c = await RawClient.open(port);
  try {
    await c.write(bytes);
    const all = await c.readToEnd(5000);
    const rs = parseAll(all);
    assert.ok(rs.length >= 1, `no response, got ${JSON.stringify(all.toString('latin1'))}`);
    const r = rs[rs.length - 1]!;
    return { status: r.status, all, count: rs.length, connection: r.headers['connection'] };
  } finally {
    c.destroy();
  }
}

for (const [name, bytes, status] of cases) {
  test(`${name} -> ${status}, then close`, async () => {
    const r = await reject(bytes);
    assert.is(r.count, 1, 'exactly one response');
    assert.is(r.status, status);
    assert.is(r.connection, 'close');
    const text = r.all.toString('latin1');
    assert.ok(text.startsWith(`HTTP/1.1 ${status} ${reasons[status]}\r\n`), text.slice(0, 80));
    assert.ok(text.endsWith(`\r\n\r\n${reasons[status]}\n`), 'error page body');
  });
}

test('controls: the same requests made valid are answered 200', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(
    get('/ok') +
      // HTTP/1.2 is read as HTTP/1.1 (RFC 9112 §2.3); a field line of exactly 8 KiB is fine.
      `GET /ok HTTP/1.2\r\n${H}\r\n` +
      `POST /any HTTP/1.1\r\n${H}X-Big: ${'v'.repeat(8192 - 7)}\r\nContent-Length: 3\r\n\r\nabc` +
      `POST /any HTTP/1.1\r\n${H}Content-Length: 000\r\n\r\n` +
      `\r\n\r\nGET /ok HTTP/1.1\r\n${H}\r\n` +
      `GET /ok HTTP/1.1\r\nhOsT: t\r\nX-Tab:\tv\t\r\n\r\n` +
      `GET /${'a'.repeat(8000)} HTTP/1.1\r\n${H}\r\n` +
      `GET / HTTP/1.1\r\n${H}${Array.from({ length: 99 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n` +
      `GET http://t HTTP/1.1\r\n${H}\r\n` +
      `X-CUSTOM /any HTTP/1.1\r\n${H}\r\n`,
  );
  const rs = await c.responses(10);
  assert.equal(
    rs.map((r) => r.status),
    [200, 200, 200, 200, 200, 200, 404, 200, 200, 200],
  );
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['ok', 'ok', 'any:POST', 'any:POST', 'ok', 'ok', 'Not Found\n', 'root', 'root', 'any:X-CUSTOM'],
  );
  assert.not.ok(c.peerEnded);
  // The answer to HTTP/1.2 is an HTTP/1.1 response.
  assert.is(rs[1]!.version, '1.1');
  c.destroy();
});

test('a valid request pipelined before a malformed one is answered first', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/ok') + get('/ok') + `GET / HTTP/1.1\r\nHost : t\r\n\r\n` + get('/ok'));
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.status), [200, 200, 400]);
  assert.equal(rs.map((r) => r.headers['connection']), [undefined, undefined, 'close']);
  c.destroy();
});

test('a malformed request after an async response waits for it', async () => {
  const s = await start((x) =>
    x.get('/slow', async (_q, r) => {
      await new Promise((res) => setTimeout(res, 50));
      r.end('slow');
    }),
  );
  const c = await RawClient.open(s.port);
  await c.write(`GET /slow HTTP/1.1\r\n${H}\r\nGET / HTTP/2.0\r\n${H}\r\n`);
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => [r.status, r.body.toString()]), [
    [200, 'slow'],
    [505, 'HTTP Version Not Supported\n'],
  ]);
  c.destroy();
});

test('malformed bytes split across writes still get the same answer', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET / HTTP/1.1\r\nHo');
  await new Promise((r) => setTimeout(r, 20));
  await c.write('st: t\r\nBad Header: x\r\n\r\n');
  const rs = parseAll(await c.readToEnd());
  assert.equal(rs.map((r) => r.status), [400]);
  c.destroy();
});

test('the error counters move', async () => {
  const before = srv.server.stats().errorsTotal;
  await reject('BAD\r\n\r\n');
  await reject(`GET / HTTP/2.0\r\n${H}\r\n`);
  assert.is(srv.server.stats().errorsTotal - before, 2);
});

test('while malformed clients are rejected, a keep-alive client keeps getting 200s', async () => {
  const before = srv.server.stats().connectionsTotal;
  const good = await RawClient.open(srv.port);
  const rounds = 3;
  let served = 0;
  for (let round = 0; round < rounds; round++) {
    // Every malformed request of the table, concurrently, interleaved with good requests.
    const bad = cases.map(([, bytes, status]) => reject(bytes).then((r) => assert.is(r.status, status)));
    for (let i = 0; i < 10; i++) {
      await good.write(get(`/ok`));
      const r = await good.response();
      assert.is(r.status, 200);
      assert.is(r.body.toString(), 'ok');
      served++;
    }
    await Promise.all(bad);
  }
  // Pipelined good requests still work on the same connection afterwards.
  await good.write(get('/ok') + get('/ok') + get('/ok'));
  assert.equal((await good.responses(3)).map((r) => r.status), [200, 200, 200]);
  assert.is(served, rounds * 10);
  assert.not.ok(good.peerEnded, 'the good connection was never closed');
  assert.is(srv.server.stats().connectionsTotal - before, rounds * cases.length + 1);
  good.destroy();
});

test('a client sending garbage forever is cut off after the error; others unaffected', async () => {
  const good = await RawClient.open(srv.port);
  const bad = await RawClient.open(srv.port);
  await bad.write('BOGUS LINE WITHOUT VERSION');
  await bad.write(' more\r\n');
  // Keep writing garbage after the error: lingering close must drain it and still close.
  const junk = Buffer.alloc(64 * 1024, 0x41);
  for (let i = 0; i < 8 && !bad.peerEnded; i++) {
    bad.socket.write(junk);
    await good.write(get('/ok'));
    assert.is((await good.response()).status, 200);
  }
  const all = await bad.readToEnd(5000);
  assert.equal(parseAll(all).map((r) => r.status), [400]);
  good.destroy();
  bad.destroy();
});

test.run();
