// IPv6 peers: the request record carries the full peer address (family + 16
// bytes), so req.remoteAddress, the access log and SSI's REMOTE_ADDR show an
// IPv6 client as Node's net would ('::1'), an IPv4 client of a dual-stack
// listener as its plain IPv4 address, and IPv4 listeners as before. Runs under
// whatever BRIGADE_MPM says (looper by default). The socket tests need an IPv6
// loopback: without one they print why and pass without running.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPeerAddress } from '../src/bridge/peer-address.js';
import { ssi, type Server } from '../src/index.js';
import { start, stopAll, waitUntil } from './helpers/server.js';

const test = suite('ipv6');
const mpm = process.env['BRIGADE_MPM'] ?? 'looper';

test.after.each(async () => {
  await stopAll();
});

let v6: Promise<boolean> | undefined;
/** Whether ::1 can be bound here (checked once; prints the reason to skip). */
function ipv6Loopback(): Promise<boolean> {
  v6 ??= new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      console.warn(`ipv6.test: skipping the socket tests: cannot bind ::1 (${e.code ?? e.message})`);
      resolve(false);
    });
    srv.listen(0, '::1', () => srv.close(() => resolve(true)));
  });
  return v6;
}

/** GET over Node's http client from the given local address family; the body as text. */
function get(host: string, port: number, p: string): Promise<{ status: number; body: string; local: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: p, agent: false, family: net.isIP(host) || undefined }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, local: req.socket?.localAddress ?? '' }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function routes(s: Server): void {
  s.get('/peer', (q, r) => r.end(q.remoteAddress));
  // Read after the handler went async: the record has been copied out of the ring by then.
  s.get('/later', async (q, r) => {
    await new Promise((res) => setTimeout(res, 5));
    r.end(`${q.remoteAddress} ${q.remoteAddress === q.remoteAddress}`);
  });
  s.filter(ssi(), { contentTypes: ['text/html'] });
  s.get('/ssi', (_q, r) => {
    r.setHeader('Content-Type', 'text/html');
    r.end('addr=<!--#echo var="REMOTE_ADDR" -->.');
  });
}

const bytes = (...w: number[]): Uint8Array => {
  const b = new Uint8Array(16);
  w.forEach((x, i) => {
    b[2 * i] = x >> 8;
    b[2 * i + 1] = x & 255;
  });
  return b;
};

test('formatting: dotted quad, RFC 5952 text as Node spells it, unknown family', () => {
  assert.is(formatPeerAddress(new Uint8Array([127, 0, 0, 1, 9, 9]), 0, 4), '127.0.0.1');
  assert.is(formatPeerAddress(new Uint8Array([7, 10, 1, 2, 3]), 1, 4), '10.1.2.3');
  assert.is(formatPeerAddress(new Uint8Array(16), 0, 0), '0.0.0.0');
  const cases: [number[], string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // equal runs: the first is compressed
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    [[0x2001, 0xdb8, 0, 0, 0, 1, 0, 0], '2001:db8::1:0:0'], // the longest run wins
    [[0x2001, 0xdb8, 0xabcd, 0x12, 0, 0, 0, 0], '2001:db8:abcd:12::'],
    [[0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a], 'fe80::1ff:fe23:4567:890a'],
    [[0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], '::ffff:127.0.0.1'], // never sent (unwrapped natively), spelled as Node would
    [[0, 0, 0, 0, 0, 0, 0x102, 0x304], '::1.2.3.4'], // IPv4-compatible, as inet_ntop writes it
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
  ];
  for (const [w, want] of cases) assert.is(formatPeerAddress(bytes(...w), 0, 6), want);
  // Random addresses with zero runs agree with the WHATWG URL serializer
  // (the same RFC 5952 rules, never mixed notation: the first word is nonzero).
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let n = 0; n < 2000; ++n) {
    const w = Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 + (rnd() % 0xfffe) : rnd() % 3 === 0 ? rnd() & 0xffff : 0));
    const full = w.map((x) => x.toString(16).padStart(4, '0')).join(':');
    const viaUrl = new URL(`http://[${full}]/`).hostname.slice(1, -1);
    assert.is(formatPeerAddress(bytes(...w), 0, 6), viaUrl, full);
  }
});

test(`[${mpm}] server on ::1: a Node http client over IPv6 is seen as ::1 (handler, async handler, SSI)`, async () => {
  if (!(await ipv6Loopback())) return;
  const { port } = await start(routes, { host: '::1' });
  const r = await get('::1', port, '/peer');
  assert.is(r.status, 200);
  assert.is(r.local, '::1');
  assert.is(r.body, '::1');
  assert.is((await get('::1', port, '/later')).body, '::1 true');
  assert.is((await get('::1', port, '/ssi')).body, 'addr=::1.');
});

test(`[${mpm}] server on :: (dual stack): an IPv4 client reads as its plain IPv4 address, an IPv6 one as IPv6`, async () => {
  if (!(await ipv6Loopback())) return;
  const { port } = await start(routes, { host: '::' });
  const v4 = await get('127.0.0.1', port, '/peer');
  assert.is(v4.local, '127.0.0.1');
  assert.is(v4.body, '127.0.0.1'); // the kernel reports ::ffff:127.0.0.1; brigade unwraps it
  assert.is((await get('127.0.0.1', port, '/ssi')).body, 'addr=127.0.0.1.');
  assert.is((await get('::1', port, '/peer')).body, '::1');
  assert.is((await get('::1', port, '/later')).body, '::1 true');
});

test(`[${mpm}] server on 127.0.0.1: unchanged`, async () => {
  const { port } = await start(routes, { host: '127.0.0.1' });
  assert.is((await get('127.0.0.1', port, '/peer')).body, '127.0.0.1');
  assert.is((await get('127.0.0.1', port, '/later')).body, '127.0.0.1 true');
  assert.is((await get('127.0.0.1', port, '/ssi')).body, 'addr=127.0.0.1.');
});

test(`[${mpm}] access log: IPv6 and dual-stack IPv4 peers`, async () => {
  if (!(await ipv6Loopback())) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-ipv6-'));
  try {
    const file = path.join(dir, 'access.log');
    const { server, port } = await start(routes, { host: '::', accessLog: { path: file, flushIntervalMs: 60000 } });
    await get('::1', port, '/peer');
    await get('127.0.0.1', port, '/peer');
    await server.close();
    await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'latin1').split('\n').length >= 3, 2000);
    const lines = fs.readFileSync(file, 'latin1').split('\n').filter((l) => l !== '');
    assert.equal(
      lines.map((l) => l.replace(/\[[^\]]*\]/, '[T]')),
      ['::1 - - [T] "GET /peer HTTP/1.1" 200 3', '127.0.0.1 - - [T] "GET /peer HTTP/1.1" 200 9'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
