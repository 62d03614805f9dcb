// Differential test: brigade's parser and connection handling against Node's
// own (llhttp, via node:http with insecureHTTPParser: false). A few thousand
// generated requests — valid ones and subtly invalid ones — go over raw
// sockets to both servers, each running the same echo handler, followed by a
// canary request on the same connection (so disagreements about where a
// message ends show up too), and the client half-closes. The verdicts are
// compared: the sequence of final responses (status, and for 200 the echoed
// method / target / version / fields / body) and what happened to the canary.
//
// Every disagreement must fall into a class explained in docs/conformance.md
// ("Differential test against llhttp"); the classifier below names the class
// from the request and both outcomes. A difference no class explains fails the
// test and is printed, so it can be examined and then fixed or documented.
import * as http from 'node:http';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, stopAll, type Running } from './helpers/server.js';

const test = suite('differential: brigade vs node:http (llhttp)');

// ------------------------------------------------------------ echo handlers ---

interface Echo {
  m: string;
  u: string;
  v: string;
  h: [string, string][];
  b: string; // base64
}

/** Fields merged as brigade's req.headers does: lower-case names, ', ' (cookie '; '). */
function mergeFields(pairs: [string, string][]): [string, string][] {
  const out = new Map<string, string>();
  for (const [n0, v] of pairs) {
    const n = n0.toLowerCase();
    const prev = out.get(n);
    out.set(n, prev === undefined ? v : n === 'cookie' ? `${prev}; ${v}` : `${prev}, ${v}`);
  }
  return [...out];
}

let brigade: Running;
let nodeServer: http.Server;
let nodePort = 0;
// Node: responses still being produced per socket, and what to do once none is left.
const pending = new WeakMap<net.Socket, { n: number; then?: () => void }>();

test.before(async () => {
  brigade = await start(
    (s) => {
      s.all('/*', async (q, r) => {
        let body: Uint8Array;
        try {
          body = await q.bytes();
        } catch {
          return; // aborted / failed body: the server answers or closes
        }
        const echo: Echo = {
          m: q.method,
          u: q.url,
          v: q.httpVersion,
          h: Object.entries(q.headers),
          b: Buffer.from(body).toString('base64'),
        };
        const json = Buffer.from(JSON.stringify(echo));
        r.setHeader('Content-Type', 'application/json').setHeader('Content-Length', json.length).end(json);
      });
    },
    { limits: { maxHeaderBytes: 16384 } },
  );
  nodeServer = http.createServer({ insecureHTTPParser: false, maxHeaderSize: 16384 }, (q, r) => {
    const sock = q.socket;
    const p = pending.get(sock) ?? { n: 0 };
    pending.set(sock, p);
    p.n++;
    r.on('finish', () => {
      if (--p.n === 0 && p.then) setImmediate(p.then);
    });
    const parts: Buffer[] = [];
    q.on('data', (c: Buffer) => parts.push(c));
    q.on('error', () => {});
    q.on('end', () => {
      const raw: [string, string][] = [];
      for (let i = 0; i < q.rawHeaders.length; i += 2) raw.push([q.rawHeaders[i]!, q.rawHeaders[i + 1]!]);
      const echo: Echo = {
        m: q.method ?? '',
        u: q.url ?? '',
        v: q.httpVersion,
        h: mergeFields(raw),
        b: Buffer.concat(parts).toString('base64'),
      };
      const json = Buffer.from(JSON.stringify(echo));
      r.setHeader('Content-Type', 'application/json').setHeader('Content-Length', json.length).end(json);
    });
  });
  // Node's default clientError handler writes its 400 and destroys the socket
  // at once, losing the responses to earlier pipelined requests whose handlers
  // have not answered yet. This one sends the same status as the default
  // (lib/_http_server.js: 431 header overflow, 413 chunk extensions overflow,
  // else 400), right away when nothing is pending, else once the pending
  // responses are out — so the comparison is about verdicts, not that race.
  nodeServer.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
    const answer = (): void => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    };
    const p = pending.get(socket);
    if (p && p.n > 0) {
      // The pending request may be the one whose body failed: then it never finishes.
      let done = false;
      const once = (): void => {
        if (!done) answer();
        done = true;
      };
      p.then = once;
      setTimeout(once, 100);
    } else {
      answer();
    }
  });
  // Answer what arrived before the client's FIN, as brigade does (Node's
  // default aborts in-flight requests when the client half-closes).
  (nodeServer as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  await new Promise<void>((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
  nodePort = (nodeServer.address() as net.AddressInfo).port;
});

test.after(async () => {
  await stopAll();
  nodeServer.closeAllConnections();
  await new Promise<void>((resolve) => nodeServer.close(() => resolve()));
});

// --------------------------------------------------------------- exchanges ---

interface Reply {
  status: number;
  echo?: Echo; // 200 with a JSON echo
}
interface Outcome {
  replies: Reply[]; // final responses (1xx dropped), in order
  end: 'closed' | 'timeout';
}

/** Sends bytes, half-closes, collects everything until the server closes. */
function exchange(port: number, data: Buffer, timeoutMs: number): Promise<{ bytes: Buffer; end: Outcome['end'] }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let done = false;
    const finish = (end: Outcome['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ bytes: Buffer.concat(chunks), end });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => finish('closed'));
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('closed'));
    s.on('connect', () => {
      s.write(data);
      s.end();
    });
  });
}

/** Splits a byte stream into responses; HEAD responses have no body. */
function parseReplies(buf: Buffer, heads: boolean[]): Reply[] {
  const out: Reply[] = [];
  let p = 0;
  let finals = 0;
  while (p < buf.length) {
    const e = buf.indexOf('\r\n\r\n', p, 'latin1');
    if (e < 0) break;
    const head = buf.subarray(p, e).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) break;
    const status = Number(m[1]);
    let len = 0;
    let chunked = false;
    let close = false;
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const n = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      if (n === 'content-length') len = Number(v);
      if (n === 'transfer-encoding' && /chunked/i.test(v)) chunked = true;
      if (n === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(v)) close = true;
    }
    p = e + 4;
    if (status < 200) continue; // 100 Continue
    const noBody = heads[finals] === true || status === 204 || status === 304;
    let body: Buffer = Buffer.alloc(0);
    if (!noBody && chunked) {
      const parts: Buffer[] = [];
      for (;;) {
        const le = buf.indexOf('\r\n', p, 'latin1');
        if (le < 0) break;
        const size = parseInt(buf.subarray(p, le).toString('latin1'), 16);
        p = le + 2;
        if (!size) {
          p = buf.indexOf('\r\n\r\n', p - 2, 'latin1') + 4;
          break;
        }
        parts.push(buf.subarray(p, p + size));
        p += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (!noBody) {
      body = buf.subarray(p, p + len);
      p += len;
    }
    const r: Reply = { status };
    if (status === 200 && !noBody) {
      try {
        r.echo = JSON.parse(body.toString('utf8')) as Echo;
      } catch {
        /* not an echo */
      }
    }
    out.push(r);
    finals++;
    if (close) break; // a client reads nothing after "Connection: close"
  }
  return out;
}

// -------------------------------------------------------------- generator ---

interface Case {
  name: string; // generator family and variant
  bytes: Buffer; // the request under test (the canary is appended)
  head: boolean; // HEAD request (no response body)
}

const CANARY = 'GET /__canary HTTP/1.1\r\nHost: canary\r\n\r\n';

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)]!;
  }
}

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex2 = (c: number): string => c.toString(16).padStart(2, '0');

function request(line: string, fields: string[], body = ''): string {
  return `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n${body}`;
}

function generate(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, s: string | Buffer, head = false): void => {
    cases.push({ name, bytes: typeof s === 'string' ? B(s) : s, head });
  };
  const rng = new Rng(0x9e3779b9);
  const H = 'Host: example.com';

  // Methods.
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'MKCOL', 'M-SEARCH',
    'PURGE', 'QUERY', 'LINK', 'get', 'Get', 'GETX', 'FOO', 'G!T', 'X_Y', 'G(T', 'G:T', 'G/T', 'G,T'];
  for (const m of methods) add(`method ${m}`, request(`${m} /m HTTP/1.1`, [H, 'Content-Length: 0']));
  add('method HEAD', request('HEAD /m HTTP/1.1', [H]), true);
  for (let c = 0; c < 256; c++) {
    if (c === 0x20 || c === 0x0d || c === 0x0a) continue;
    add(`method byte ${hex2(c)}`, request(`PO${String.fromCharCode(c)}ST /m HTTP/1.1`, [H, 'Content-Length: 0']));
  }

  // Request-targets.
  const targets = ['/', '/a/b/c', '/a?b=c&d', '/a?', '/?', '/%7e%41', '/%zz', '/a#frag', '/a/../b', '//double',
    '/~user/!$&\'()*+,;=:@', '/a|b^`{}', '/a"b', '/a<b>', '/a\\b', '*', 'http://example.com/p?q=1',
    'http://example.com', 'https://example.com:8443/x', 'HTTP://EXAMPLE.COM/up', 'http://u:p@example.com/',
    'ftp://example.com/', 'http:/example.com/', 'http:///p', 'example.com:80', 'example.com', 'a', '',
    '/' + 'x'.repeat(2000), '/sp ace'];
  for (const t of targets) {
    add(`target ${JSON.stringify(t.slice(0, 40))}`, request(`GET ${t} HTTP/1.1`, [H]));
    add(`target-options ${JSON.stringify(t.slice(0, 40))}`, request(`OPTIONS ${t} HTTP/1.1`, [H]));
  }
  for (const t of ['example.com:443', '[::1]:8080', 'example.com', '/', '*', 'http://example.com/'])
    add(`connect ${t}`, request(`CONNECT ${t} HTTP/1.1`, [H]));
  for (let c = 0; c < 256; c++) {
    if (c === 0x20 || c === 0x0d || c === 0x0a) continue;
    add(`target byte ${hex2(c)}`, request(`GET /a${String.fromCharCode(c)}b HTTP/1.1`, [H]));
  }

  // Versions and request-line shape.
  const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/1.9', 'HTTP/2.0', 'HTTP/2', 'HTTP/3.0', 'HTTP/0.9',
    'HTTP/9.9', 'HTTP/1.10', 'HTTP/01.1', 'HTTP/1', 'HTTP/1.', 'HTTP/', 'http/1.1', 'Http/1.1', 'HTTPS/1.1',
    'HTTP 1.1', 'HTTP/1,1', 'HTTP/a.b', 'HTTP/1.1x', ''];
  for (const v of versions) add(`version ${JSON.stringify(v)}`, request(`GET /v ${v}`.trimEnd(), [H]));
  const lines = ['GET  /l HTTP/1.1', 'GET /l  HTTP/1.1', ' GET /l HTTP/1.1', 'GET /l HTTP/1.1 ', 'GET\t/l HTTP/1.1',
    'GET /l\tHTTP/1.1', 'GET /l', 'GET', 'GET /l x HTTP/1.1', 'GET /l HTTP/1.1\t'];
  for (const l of lines) add(`request-line ${JSON.stringify(l)}`, request(l, [H]));

  // Line endings and leading empty lines.
  add('eol bare-lf everywhere', 'GET /e HTTP/1.1\nHost: a\n\n');
  add('eol bare-lf request-line', 'GET /e HTTP/1.1\nHost: a\r\n\r\n');
  add('eol bare-lf field', 'GET /e HTTP/1.1\r\nHost: a\nX: y\r\n\r\n');
  add('eol bare-lf final', 'GET /e HTTP/1.1\r\nHost: a\r\n\n');
  add('eol bare-cr request-line', 'GET /e HTTP/1.1\rHost: a\r\n\r\n');
  add('eol bare-cr value', 'GET /e HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n');
  add('eol bare-cr final', 'GET /e HTTP/1.1\r\nHost: a\r\n\r');
  add('eol cr-cr-lf', 'GET /e HTTP/1.1\r\nHost: a\r\r\n\r\n');
  for (const pre of ['\r\n', '\r\n\r\n', '\r\n\r\n\r\n', '\n', '\r', ' \r\n', '\t'])
    add(`leading ${JSON.stringify(pre)}`, pre + request('GET /lead HTTP/1.1', [H]));

  // Field names: every byte at a random position.
  for (let c = 0; c < 256; c++) {
    if (c === 0x0d || c === 0x0a) continue;
    const name = 'X-Na' + String.fromCharCode(c) + 'me';
    add(`name byte ${hex2(c)}`, request('GET /n HTTP/1.1', [H, `${name}: v`]));
  }
  const names = ['X-A : v', 'X-A\t: v', ': v', ' X-A: v', '\tX-A: v', 'X-A', 'X-A:', 'X-A:v', 'X-A:  v  ', 'X-A:\tv\t'];
  for (const f of names) add(`field ${JSON.stringify(f)}`, request('GET /f HTTP/1.1', [H, f]));
  add('field obs-fold space', request('GET /f HTTP/1.1', [H, 'X-A: one', ' two']));
  add('field obs-fold tab', request('GET /f HTTP/1.1', [H, 'X-A: one', '\ttwo']));
  add('field first-line fold', request('GET /f HTTP/1.1', [' X-A: one', H]));
  add('field duplicate', request('GET /f HTTP/1.1', [H, 'X-A: 1', 'x-a: 2', 'Cookie: a=1', 'cookie: b=2']));

  // Field values: every byte inside, at the start and at the end.
  for (let c = 0; c < 256; c++) {
    if (c === 0x0d || c === 0x0a) continue;
    const ch = String.fromCharCode(c);
    add(`value byte ${hex2(c)} mid`, request('GET /v HTTP/1.1', [H, `X-V: a${ch}b`]));
    if (rng.below(4) === 0 || c < 0x21 || c === 0x7f) {
      add(`value byte ${hex2(c)} start`, request('GET /v HTTP/1.1', [H, `X-V: ${ch}ab`]));
      add(`value byte ${hex2(c)} end`, request('GET /v HTTP/1.1', [H, `X-V: ab${ch}`]));
    }
  }
  add('value utf8', request('GET /v HTTP/1.1', [H, 'X-V: caf\xc3\xa9 \xe2\x82\xac']));
  add('value empty', request('GET /v HTTP/1.1', [H, 'X-V:']));
  add('value only spaces', request('GET /v HTTP/1.1', [H, 'X-V:   \t ']));
  add('value long', request('GET /v HTTP/1.1', [H, 'X-V: ' + 'v'.repeat(8000)]));

  // Host.
  const hosts: [string, string[]][] = [
    ['missing 1.1', []], ['empty', ['Host:']], ['port', ['Host: a:8080']], ['ipv6', ['Host: [::1]:80']],
    ['two', ['Host: a', 'Host: a']], ['two different', ['Host: a', 'Host: b']], ['list', ['Host: a, b']],
    ['space inside', ['Host: a b']], ['userinfo', ['Host: u@a']], ['slash', ['Host: a/b']],
    ['utf8', ['Host: caf\xc3\xa9']], ['underscore', ['Host: a_b.c']], ['percent', ['Host: a%41']],
    ['bad port', ['Host: a:xx']], ['only colon', ['Host: :']]];
  for (const [n, f] of hosts) add(`host ${n}`, request('GET /h HTTP/1.1', f));
  add('host missing 1.0', request('GET /h HTTP/1.0', []));
  add('host absolute-form other', request('GET http://other.example/h HTTP/1.1', [H]));

  // Content-Length.
  const cls = ['0', '5', '005', '+5', '-5', '5.0', '0x5', '5 ', ' 5', '5,5', '5, 5', '5,6', '5,', ',5', '5,,5', '',
    'abc', '1e1', '99999999999999999999', '4294967301', '5 5', '"5"', '\t5\t'];
  for (const v of cls)
    add(`content-length ${JSON.stringify(v)}`, request('POST /cl HTTP/1.1', [H, `Content-Length: ${v}`], 'hello'));
  add('content-length twice same', request('POST /cl HTTP/1.1', [H, 'Content-Length: 5', 'Content-Length: 5'], 'hello'));
  add('content-length twice differ', request('POST /cl HTTP/1.1', [H, 'Content-Length: 5', 'Content-Length: 4'], 'hello'));
  add('content-length short body', request('POST /cl HTTP/1.1', [H, 'Content-Length: 3'], 'hello'));
  add('content-length on GET', request('GET /cl HTTP/1.1', [H, 'Content-Length: 5'], 'hello'));
  add('content-length 1.0', request('POST /cl HTTP/1.0', ['Content-Length: 5'], 'hello'));

  // Transfer-Encoding.
  const CH = '5\r\nhello\r\n0\r\n\r\n';
  const tes = ['chunked', 'Chunked', 'CHUNKED', ' chunked ', 'chunked, chunked', 'gzip, chunked', 'chunked, gzip',
    'identity', 'identity, chunked', 'gzip', 'x-custom', ', chunked', 'chunked,', 'chunked;q=1', 'chunked ;x',
    'chunkedx', 'chunk ed', '"chunked"', 'deflate,chunked', ''];
  for (const v of tes) add(`te ${JSON.stringify(v)}`, request('POST /te HTTP/1.1', [H, `Transfer-Encoding: ${v}`], CH));
  add('te two fields', request('POST /te HTTP/1.1', [H, 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], CH));
  add('te two chunked fields', request('POST /te HTTP/1.1', [H, 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], CH));
  add('te+cl', request('POST /te HTTP/1.1', [H, 'Transfer-Encoding: chunked', 'Content-Length: 5'], CH));
  add('cl+te', request('POST /te HTTP/1.1', [H, 'Content-Length: 5', 'Transfer-Encoding: chunked'], CH));
  add('te+cl0', request('POST /te HTTP/1.1', [H, 'Content-Length: 0', 'Transfer-Encoding: chunked'], CH));
  add('te http/1.0', request('POST /te HTTP/1.0', ['Transfer-Encoding: chunked'], CH));
  add('te on GET', request('GET /te HTTP/1.1', [H, 'Transfer-Encoding: chunked'], CH));
  add('te space before colon', request('POST /te HTTP/1.1', [H, 'Transfer-Encoding : chunked'], CH));
  add('te obs-fold', request('POST /te HTTP/1.1', [H, 'Transfer-Encoding:', ' chunked'], CH));

  // Chunked framing.
  const TE = 'Transfer-Encoding: chunked';
  const bodies = [
    '5\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', '0\r\n\r\n', '000\r\n\r\n',
    'A\r\n0123456789\r\n0\r\n\r\n', 'a\r\n0123456789\r\n0\r\n\r\n', '005\r\nhello\r\n0\r\n\r\n',
    '5;ext\r\nhello\r\n0\r\n\r\n', '5;a=b\r\nhello\r\n0\r\n\r\n', '5;a="b c"\r\nhello\r\n0\r\n\r\n',
    '5;a="b\\"c"\r\nhello\r\n0\r\n\r\n', '5 ;a=b\r\nhello\r\n0\r\n\r\n', '5; a=b\r\nhello\r\n0\r\n\r\n',
    '5;a = b\r\nhello\r\n0\r\n\r\n', '5;a;b;c=d\r\nhello\r\n0\r\n\r\n', '5;\r\nhello\r\n0\r\n\r\n',
    '5;=b\r\nhello\r\n0\r\n\r\n', '5;a=\r\nhello\r\n0\r\n\r\n', '5;a=b c\r\nhello\r\n0\r\n\r\n',
    '5;a="b\r\nhello\r\n0\r\n\r\n', '5;a=\x01\r\nhello\r\n0\r\n\r\n', '5;a=\x80\r\nhello\r\n0\r\n\r\n',
    '5 \r\nhello\r\n0\r\n\r\n', ' 5\r\nhello\r\n0\r\n\r\n', '5\t\r\nhello\r\n0\r\n\r\n', '0x5\r\nhello\r\n0\r\n\r\n',
    '-5\r\nhello\r\n0\r\n\r\n', '+5\r\nhello\r\n0\r\n\r\n', 'g\r\nhello\r\n0\r\n\r\n', '\r\nhello\r\n0\r\n\r\n',
    '5\nhello\r\n0\r\n\r\n', '5\rhello\r\n0\r\n\r\n', '5\r\nhello\n0\r\n\r\n', '5\r\nhello0\r\n\r\n',
    '5\r\nhelloXX\r\n0\r\n\r\n', '5\r\nhell\r\n0\r\n\r\n', '5\r\nhello\r\n0\n\r\n', '5\r\nhello\r\n0\r\n\n',
    '5\r\nhello\r\n0\r\nX-T: v\r\n\r\n', '5\r\nhello\r\n0\r\nX-T: v\r\nY: w\r\n\r\n',
    '5\r\nhello\r\n0\r\nX-T : v\r\n\r\n', '5\r\nhello\r\n0\r\nX-T: v\r\n w\r\n\r\n',
    '5\r\nhello\r\n0\r\nX-T: a\x01b\r\n\r\n', '5\r\nhello\r\n0\r\nBad\r\n\r\n', '5\r\nhello\r\n0\r\n: v\r\n\r\n',
    '5\r\nhello\r\n0\r\nContent-Length: 9\r\n\r\n', '00000000000000000005\r\nhello\r\n0\r\n\r\n',
    'fffffffffffffffff\r\nhello\r\n0\r\n\r\n', '10000000000000000\r\nhello\r\n0\r\n\r\n',
    '5\r\nhello\r\n', '5\r\nhello\r\n0\r\n',
  ];
  for (const b of bodies) add(`chunked ${JSON.stringify(b.slice(0, 40))}`, request('POST /ch HTTP/1.1', [H, TE], b));

  // Expect, Connection, Upgrade.
  add('expect 100-continue', request('POST /x HTTP/1.1', [H, 'Expect: 100-continue', 'Content-Length: 5'], 'hello'));
  add('expect 100-continue no body', request('GET /x HTTP/1.1', [H, 'Expect: 100-continue']));
  add('expect other', request('POST /x HTTP/1.1', [H, 'Expect: something', 'Content-Length: 5'], 'hello'));
  add('expect 1.0', request('POST /x HTTP/1.0', ['Expect: 100-continue', 'Content-Length: 5'], 'hello'));
  add('connection close', request('GET /c HTTP/1.1', [H, 'Connection: close']));
  add('connection keep-alive 1.0', request('GET /c HTTP/1.0', ['Connection: keep-alive']));
  add('connection 1.0 default', request('GET /c HTTP/1.0', []));
  add('connection list close', request('GET /c HTTP/1.1', [H, 'Connection: foo, close']));
  add('connection CLOSE', request('GET /c HTTP/1.1', [H, 'Connection: CLOSE']));
  add('upgrade', request('GET /u HTTP/1.1', [H, 'Connection: Upgrade', 'Upgrade: websocket']));
  add('upgrade header only', request('GET /u HTTP/1.1', [H, 'Upgrade: websocket']));

  // Random mutations of valid requests (byte replace / insert / delete).
  const bases = [
    request('GET /r?x=1 HTTP/1.1', [H, 'Accept: */*', 'X-Long: some value here']),
    request('POST /r HTTP/1.1', [H, 'Content-Length: 11'], 'hello world'),
    request('POST /r HTTP/1.1', [H, TE], '5\r\nhello\r\n6;e=1\r\n world\r\n0\r\nT: x\r\n\r\n'),
    request('GET /r HTTP/1.0', ['Connection: keep-alive']),
  ];
  const alphabet = '\r\n \t:;,="\\/?*aZ09fF-.H1%@\x00\x01\x7f\x80\xff';
  const mutants = 1500;
  for (let i = 0; i < mutants; i++) {
    const base = Buffer.from(bases[rng.below(bases.length)]!, 'latin1');
    const bytes = [...base];
    const edits = 1 + rng.below(2);
    for (let k = 0; k < edits; k++) {
      const pos = rng.below(bytes.length);
      const c = rng.below(3) === 0 ? rng.below(256) : alphabet.charCodeAt(rng.below(alphabet.length));
      switch (rng.below(3)) {
        case 0:
          bytes[pos] = c;
          break;
        case 1:
          bytes.splice(pos, 0, c);
          break;
        default:
          bytes.splice(pos, 1);
      }
    }
    add(`mutant ${i}`, Buffer.from(bytes));
  }
  return cases;
}

// ------------------------------------------------------------------ running ---

async function run(c: Case, timeoutMs = 1500): Promise<{ b: Outcome; n: Outcome }> {
  const data = Buffer.concat([c.bytes, B(CANARY)]);
  const heads = [c.head, false];
  const [rb, rn] = await Promise.all([exchange(brigade.port, data, timeoutMs), exchange(nodePort, data, timeoutMs)]);
  return {
    b: { replies: parseReplies(rb.bytes, heads), end: rb.end },
    n: { replies: parseReplies(rn.bytes, heads), end: rn.end },
  };
}

function sig(o: Outcome): string {
  return o.replies.map((r) => (r.echo ? `200:${r.echo.m} ${r.echo.u}` : String(r.status))).join(', ') + (o.end === 'timeout' ? ' (no close)' : '');
}

function sameReply(x: Reply | undefined, y: Reply | undefined): boolean {
  if (!x || !y) return x === y;
  return x.status === y.status && JSON.stringify(x.echo) === JSON.stringify(y.echo);
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.end !== b.end || a.replies.length !== b.replies.length) return false;
  return a.replies.every((r, i) => sameReply(r, b.replies[i]));
}

// ------------------------------------------------------------- classifier ---

/** A naive look at the first message of a case (for features, not verdicts). */
interface Look {
  lead: string; // bytes before the request line
  line: string; // request line
  parts: string[]; // request line split on single spaces
  method: string;
  target: string;
  version: string;
  fields: [string, string][]; // raw name (lower-cased), value trimmed of SP/HTAB
  body: Buffer; // bytes after the head (the canary follows)
  head: string; // the head as sent
}

function look(bytes: Buffer): Look {
  const s = bytes.toString('latin1');
  const lead = /^[\r\n\t ]*/.exec(s)![0];
  const rest = s.slice(lead.length);
  let end = rest.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = rest.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) {
    end = rest.length;
    sep = 0;
  }
  const lines = rest.slice(0, end).split(/\r?\n/);
  const line = lines[0] ?? '';
  const parts = line.split(' ');
  const fields: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    fields.push([l.slice(0, i).toLowerCase(), l.slice(i + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  return {
    lead,
    line,
    parts,
    method: parts[0] ?? '',
    target: parts[1] ?? '',
    version: parts.length >= 3 ? parts[parts.length - 1]! : '',
    fields,
    body: Buffer.from(rest.slice(end + sep), 'latin1'),
    head: rest.slice(0, end),
  };
}

const values = (l: Look, name: string): string[] => l.fields.filter(([n]) => n === name).map(([, v]) => v);
const listItems = (l: Look, name: string): string[] =>
  values(l, name).flatMap((v) => v.split(',')).map((x) => x.replace(/^[ \t]+|[ \t]+$/g, ''));
const NODE_METHODS = new Set(http.METHODS);
const HOST_CHARS = /^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]*$/;
const isEcho = (r: Reply | undefined): boolean => r?.echo !== undefined;

/** Chunk-size lines of a chunked body (naive walk; stops at the last chunk or when data runs out). */
function chunkLines(body: Buffer): { lines: string[]; complete: boolean } {
  const s = body.toString('latin1');
  const lines: string[] = [];
  let p = 0;
  for (;;) {
    const e = s.indexOf('\n', p);
    if (e < 0) return { lines, complete: false };
    const line = s.slice(p, e).replace(/\r$/, '');
    lines.push(line);
    const size = parseInt(line, 16);
    if (!Number.isFinite(size)) return { lines, complete: true };
    if (size === 0) return { lines, complete: s.indexOf('\r\n\r\n', e - 1) >= 0 };
    p = e + 1 + size + 2;
    if (p > s.length) return { lines, complete: false };
  }
}

/** Whether the first message, as brigade frames it, is complete in the bytes sent (canary included). */
function incompleteBody(l: Look): boolean {
  const te = listItems(l, 'transfer-encoding').filter((x) => x !== '');
  const all = Buffer.concat([l.body, B(CANARY)]);
  if (te.length > 0) return te[te.length - 1]!.toLowerCase() === 'chunked' && !chunkLines(all).complete;
  const cl = values(l, 'content-length');
  if (cl.length === 0 || !/^\d+$/.test(cl[0]!)) return false;
  return Number(cl[0]) > all.length;
}

/**
 * The classes of disagreement, each explained in docs/conformance.md under
 * "Differential test against llhttp" (the doc names every id below). Each
 * rule looks at the first message on which the verdicts differ (index i:
 * 0 = the generated request, 1+ = what follows it, normally the canary) and
 * at features of the request; the first rule that matches names the class.
 */
type Rule = { id: string; test: (l: Look, i: number, b: Reply | undefined, n: Reply | undefined) => boolean };

const RULES: Rule[] = [
  // brigade passes any token method to the application; llhttp knows a fixed list.
  { id: 'extension-method', test: (_l, _i, b, n) => isEcho(b) && !NODE_METHODS.has(b!.echo!.m) && (n === undefined || n.status === 400) },
  // brigade: CONNECT is for proxies; authority-form goes to the handler, other forms are 400.
  // node:http without a 'connect' listener closes the connection without a response.
  { id: 'connect', test: (l, i, b, n) => i === 0 && l.method === 'CONNECT' && n === undefined && (isEcho(b) || b?.status === 400) },
  // brigade validates Host (one field, uri-host [":" port] characters); llhttp does not.
  {
    id: 'host-syntax',
    test: (l, i, b, n) =>
      i === 0 && b?.status === 400 && (isEcho(n) || n === undefined) &&
      (values(l, 'host').length > 1 || values(l, 'host').some((v) => !HOST_CHARS.test(v))),
  },
  // HTTP/1.x with x >= 2: brigade serves it as HTTP/1.1 (RFC 9112 §2.3 SHOULD, as nginx and Apache); llhttp 400.
  { id: 'version-minor', test: (l, i, b, n) => i === 0 && isEcho(b) && n?.status === 400 && /^HTTP\/1\.[2-9]$/.test(l.version) },
  // A well-formed HTTP-version of another major: brigade 505; llhttp 400, or accepts 0.9 / 2.0.
  { id: 'version', test: (l, i, b) => i === 0 && b?.status === 505 && /^HTTP\/\d\.\d$/.test(l.version) },
  // A request line without a version: llhttp takes it as an HTTP/0.9 simple request.
  { id: 'http09', test: (l, i, b, n) => i === 0 && b?.status === 400 && (n === undefined || n.echo?.v === '0.9' || isEcho(n)) && !/ HTTP\/\d\.\d$/.test(l.line) },
  // Request-line whitespace: brigade wants exactly one SP between the three parts.
  { id: 'request-line-whitespace', test: (l, i, b, n) => i === 0 && b?.status === 400 && isEcho(n) && /  /.test(l.line) },
  // Request-target forms: brigade accepts origin-form, absolute-form with http(s) and a non-empty
  // authority without userinfo, authority-form only for CONNECT, asterisk-form only for OPTIONS.
  {
    id: 'target-form',
    test: (l, i, b, n) =>
      i === 0 && b?.status === 400 && isEcho(n) &&
      !(l.target.startsWith('/') || (l.target === '*' && l.method === 'OPTIONS') || /^https?:\/\/[^/?#@]+([/?]|$)/i.test(l.target)),
  },
  // OPTIONS *: brigade answers it itself (204 + Allow) instead of routing it.
  { id: 'options-asterisk', test: (l, i, b, n) => i === 0 && l.method === 'OPTIONS' && l.target === '*' && b?.status === 204 && isEcho(n) },
  // Leading empty lines: brigade skips at most two CRLFs and no bare CR/LF.
  { id: 'leading-empty-lines', test: (l, i, b, n) => i === 0 && b?.status === 400 && isEcho(n) && l.lead !== '' },
  // OWS around a Content-Length value includes HTAB (RFC 9110 §5.6.3); llhttp rejects HTAB there.
  { id: 'content-length-htab', test: (l, i, b, n) => i === 0 && isEcho(b) && n?.status === 400 && /(^|\n)content-length:[^\r\n]*\t/i.test(l.head) },
  // Transfer-Encoding with a coding brigade does not implement before the final chunked: 501.
  {
    id: 'te-unsupported-coding',
    test: (l, i, b, n) => {
      const te = listItems(l, 'transfer-encoding').filter((x) => x !== '').map((x) => x.toLowerCase());
      return i === 0 && b?.status === 501 && te.length > 1 && te[te.length - 1] === 'chunked' && (isEcho(n) || n?.status === 400);
    },
  },
  // Transfer-Encoding without chunked as the final coding (RFC 9112 §6.3: MUST 400), an empty
  // Transfer-Encoding, or one in an HTTP/1.0 request: brigade 400; llhttp reads on.
  {
    id: 'te-not-chunked',
    test: (l, i, b) => {
      const te = listItems(l, 'transfer-encoding').filter((x) => x !== '').map((x) => x.toLowerCase());
      return i === 0 && b?.status === 400 && values(l, 'transfer-encoding').length > 0 && (te.length === 0 || te[te.length - 1] !== 'chunked' || l.version === 'HTTP/1.0');
    },
  },
  // Empty list elements in Transfer-Encoding (RFC 9110 §5.6.1: recipients MUST accept them).
  { id: 'te-empty-list-element', test: (l, i, b, n) => i === 0 && isEcho(b) && n?.status === 400 && values(l, 'transfer-encoding').some((v) => /(^|,)[ \t]*(,|$)/.test(v)) },
  // BWS around ';' and '=' in chunk extensions (RFC 9112 §7.1.1): brigade accepts, llhttp rejects.
  { id: 'chunk-ext-bws', test: (l, i, b, n) => i === 0 && isEcho(b) && (n === undefined || n.status === 400) && chunkLines(l.body).lines.some((x) => /^[0-9a-fA-F]+[ \t]*;|;[ \t]|[ \t]=|=[ \t]/.test(x) && x.includes(';')) },
  // Chunk extensions without a name or with an empty value: brigade 400, llhttp accepts.
  { id: 'chunk-ext-syntax', test: (l, i, b, n) => i === 0 && b?.status === 400 && isEcho(n) && chunkLines(l.body).lines.some((x) => /;[ \t]*(=|$)|=[ \t]*(;|$)/.test(x)) },
  // An unknown expectation: llhttp/node answer 417; brigade ignores it (RFC 9110 §10.1.1 allows either).
  { id: 'expect-unknown', test: (l, i, b, n) => i === 0 && isEcho(b) && n?.status === 417 && values(l, 'expect').some((v) => v.toLowerCase() !== '100-continue') },
  // Connection: upgrade + Upgrade: node hands the connection to an 'upgrade' listener (none here: closed);
  // brigade answers as HTTP/1.1 and goes on reading requests.
  { id: 'upgrade', test: (l, i, b, n) => i === 1 && n === undefined && isEcho(b) && values(l, 'upgrade').length > 0 && listItems(l, 'connection').some((x) => x.toLowerCase() === 'upgrade') },
  // Framing fields in the trailer section: brigade validates trailer syntax and discards every
  // trailer field (RFC 9110 §6.5.1), so a Content-Length there is inert; llhttp rejects it.
  {
    id: 'trailer-framing-field',
    test: (l, i, b, n) => i === 0 && isEcho(b) && n?.status === 400 && /\r\n0\r\n(?:[^\r\n]*\r\n)*(content-length|transfer-encoding)[ \t]*:/i.test('\r\n' + l.body.toString('latin1')),
  },
  // A Content-Length over the body limit: brigade 413 from the head; node waits for the body.
  { id: 'body-limit', test: (l, i, b) => i === 0 && b?.status === 413 && values(l, 'content-length').some((v) => Number(v) > 1048576) },
  // The body is incomplete when the client closes: brigade drops the request (its handler sees
  // an abort, nothing is sent); node answers 400, or waits.
  { id: 'eof-in-body', test: (l, i, b) => i === 0 && b === undefined && incompleteBody(l) },
];

function classify(c: Case, b: Outcome, n: Outcome): string | null {
  let i = 0;
  while (i < Math.max(b.replies.length, n.replies.length) && sameReply(b.replies[i], n.replies[i])) i++;
  const rb = b.replies[i];
  const rn = n.replies[i];
  const l = look(c.bytes);
  for (const r of RULES) if (r.test(l, i, rb, rn)) return r.id;
  return null;
}

test('every disagreement is an explained class', async () => {
  const started = Date.now();
  const cases = generate();
  const results: { c: Case; b: Outcome; n: Outcome }[] = [];
  const conc = 32;
  let next = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        results.push({ c, ...(await run(c)) });
      }
    }),
  );
  const byClass = new Map<string, number>();
  const unexplained: string[] = [];
  const examples = new Map<string, string[]>();
  let agree = 0;
  for (const r of results) {
    if (!sameOutcome(r.b, r.n)) {
      // A loaded machine can stretch a response past the timeout: look again, alone and patiently.
      Object.assign(r, await run(r.c, 5000));
    }
    if (sameOutcome(r.b, r.n)) {
      agree++;
      continue;
    }
    const id = classify(r.c, r.b, r.n);
    if (id === null) {
      unexplained.push(`${r.c.name}: ${JSON.stringify(r.c.bytes.toString('latin1'))}\n      brigade: ${sig(r.b)}\n      node:    ${sig(r.n)}`);
      continue;
    }
    byClass.set(id, (byClass.get(id) ?? 0) + 1);
    const ex = examples.get(id) ?? [];
    if (ex.length < 4) ex.push(`${JSON.stringify(r.c.bytes.toString('latin1').slice(0, 160))}  brigade: ${sig(r.b)} | node: ${sig(r.n)}`);
    examples.set(id, ex);
  }
  const summary = [...byClass].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  if (process.env['BRIGADE_DIFF_VERBOSE'])
    console.log(`\n${results.length} cases, ${agree} agree, ${Date.now() - started} ms; classes: ${summary}\n` +
      [...examples].map(([k, v]) => `  ${k}:\n    ${v.join('\n    ')}`).join('\n'));
  assert.ok(results.length > 2500, `only ${results.length} cases`);
  assert.ok(agree > results.length / 2, `only ${agree} of ${results.length} agree`);
  assert.equal(unexplained.length, 0, `${unexplained.length} unexplained disagreements (add a class, with its explanation in docs/conformance.md, or fix the bug):\n    ${unexplained.slice(0, 25).join('\n    ')}`);
});

test('every class is explained in docs/conformance.md', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = await readFile(new URL('../docs/conformance.md', import.meta.url), 'utf8');
  const missing = RULES.map((r) => r.id).filter((id) => !doc.includes('`diff:' + id + '`'));
  assert.equal(missing, [], `classes without an explanation in docs/conformance.md: ${missing.join(', ')}`);
});

test.run();
