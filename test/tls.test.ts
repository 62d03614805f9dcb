// TLS with real peers: Node's https/tls clients, curl and openssl s_client,
// against certificates made for the test. Handshake, ALPN, SNI, versions,
// resumption, reload, hostile and broken clients, large files byte for byte.
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, httpsRedirect, type Server, type TlsOptions } from '../src/index.js';
import { testPki } from './helpers/certs.js';
import { runTool } from './helpers/sanitizer.js';
import { start, stop, stopAll, waitUntil, within } from './helpers/server.js';
import { httpsGet, type HttpsGot } from './helpers/https.js';

const test = suite('tls');
const pki = testPki();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-tls-'));
const BIG = 100 * 1024 * 1024;
const bigFile = path.join(tmp, 'big.bin');
let bigSha = '';

test.before(() => {
  // 100 MiB of random bytes, hashed as written.
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(bigFile, 'w');
  const chunk = Buffer.alloc(4 << 20);
  for (let done = 0; done < BIG; done += chunk.length) {
    crypto.randomFillSync(chunk);
    fs.writeSync(fd, chunk);
    h.update(chunk);
  }
  fs.closeSync(fd);
  bigSha = h.digest('hex');
  fs.writeFileSync(path.join(tmp, 'small.txt'), 'small file over tls\n');
});

test.after(async () => {
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const baseTls = (): TlsOptions => ({
  cert: pki.localhost.certFile,
  key: pki.localhost.keyFile,
  sni: { 'other.test': { cert: pki.other.cert, key: pki.other.key }, '*.wild.test': { cert: pki.other.cert, key: pki.other.key } },
});

function setup(s: Server): void {
  s.get('/', (req, res) => res.end(`hello secure=${String(req.secure)}\n`));
  s.fetch('/url', (request) => new Response(request.url));
  s.static('/files', tmp);
}

const get = (port: number, p: string, opts: https.RequestOptions = {}): Promise<HttpsGot> => httpsGet(port, p, pki.ca, opts);

/** A raw TCP exchange: writes data, collects everything until the server closes. */
function raw(port: number, data: Buffer | string, endAfterWrite = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('connect', () => {
      s.write(data);
      if (endAfterWrite) s.end();
    });
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks)) : reject(e)));
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

test('HTTPS GET: TLS 1.3, ALPN http/1.1, HSTS, req.secure, https:// in fetch URLs', async () => {
  const r = await start(setup, { tls: { ...baseTls(), hsts: { maxAge: 600, includeSubDomains: true } } });
  const a = await get(r.port, '/');
  assert.is(a.status, 200);
  assert.is(a.body.toString(), 'hello secure=true\n');
  assert.is(a.alpn, 'http/1.1');
  assert.is(a.protocol, 'TLSv1.3');
  assert.is(a.headers['strict-transport-security'], 'max-age=600; includeSubDomains');
  const u = await get(r.port, '/url?x=1', { headers: { host: 'localhost:1234' } });
  assert.is(u.body.toString(), 'https://localhost:1234/url?x=1');
  const st = r.server.stats().tls!;
  assert.ok(st.handshakes >= 2);
  assert.is(st.userspace + st.ktls, st.handshakes);
  assert.is(st.tls13, st.handshakes);
  await stop(r.server);
});

test('keep-alive and pipelining over one TLS connection', async () => {
  const r = await start(setup, { tls: baseTls() });
  const sock = tls.connect({ host: '127.0.0.1', port: r.port, ca: pki.ca, servername: 'localhost' });
  await new Promise<void>((res, rej) => sock.once('secureConnect', res).once('error', rej));
  let got = '';
  sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
  sock.write('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /files/small.txt HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await within(new Promise((res) => sock.on('end', res)), 10_000, 'pipelined responses');
  const statuses = [...got.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1]);
  assert.equal(statuses, ['200', '200', '200']);
  assert.ok(got.indexOf('hello secure=true') < got.indexOf('small file over tls'));
  assert.is(r.server.stats().tls!.handshakes, 1);
  sock.destroy();
  await stop(r.server);
});

test('a 100 MiB file over TLS arrives byte for byte (Node client and curl)', async () => {
  const r = await start(setup, { tls: baseTls() });
  const a = await get(r.port, '/files/big.bin');
  assert.is(a.status, 200);
  assert.is(a.body.length, BIG);
  assert.is(crypto.createHash('sha256').update(a.body).digest('hex'), bigSha);
  const out = path.join(tmp, 'curl.out');
  const c = await runTool('curl', ['-sS', '-v', '--cacert', pki.caFile, '-o', out, '-w', '%{http_version}', `https://localhost:${r.port}/files/big.bin`]);
  assert.is(c.code, 0, c.stderr);
  assert.is(c.stdout, '1.1');
  assert.match(c.stderr, /ALPN: server accepted http\/1\.1/);
  assert.match(c.stderr, /TLSv1\.3/);
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(out));
  assert.is(h.digest('hex'), bigSha);
  // A range of it, through the byterange filter's FILE bucket split.
  const part = await get(r.port, '/files/big.bin', { headers: { range: 'bytes=1000-1999' } });
  assert.is(part.status, 206);
  assert.equal(part.body, fs.readFileSync(bigFile).subarray(1000, 2000));
  const st = r.server.stats().tls!;
  assert.is(st.userspace + st.ktls, st.handshakes);
  await stop(r.server);
});

test('SNI picks the certificate; unknown names get the default one; sniStrict refuses them', async () => {
  const r = await start(setup, { tls: baseTls() });
  const subject = async (servername: string): Promise<string> => {
    const s = tls.connect({ host: '127.0.0.1', port: r.port, servername, rejectUnauthorized: false });
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    const cn = s.getPeerCertificate().subject.CN;
    s.destroy();
    return String(cn);
  };
  assert.is(await subject('other.test'), 'other.test');
  assert.is(await subject('a.wild.test'), 'other.test');
  assert.is(await subject('a.b.wild.test'), 'localhost'); // a wildcard covers one label
  assert.is(await subject('unknown.test'), 'localhost');
  const sc = await runTool('openssl', ['s_client', '-connect', `127.0.0.1:${r.port}`, '-servername', 'other.test', '-alpn', 'http/1.1', '-brief'], { input: 'Q\n' });
  assert.match(sc.stderr + sc.stdout, /other\.test/);
  await stop(r.server);

  const strict = await start(setup, { tls: { ...baseTls(), sniStrict: true } });
  const s = tls.connect({ host: '127.0.0.1', port: strict.port, servername: 'unknown.test', rejectUnauthorized: false });
  const err = await new Promise<Error | null>((res) => s.once('secureConnect', () => res(null)).on('error', res));
  assert.ok(err, 'handshake with an unknown name must fail');
  assert.match(String(err), /unrecognized name|alert/i);
  s.destroy();
  // Known names still work.
  assert.is((await get(strict.port, '/', { servername: 'localhost' })).status, 200);
  await stop(strict.server);
});

test('versions: TLS 1.2 works by default and is refused with minVersion TLSv1.3; h2-only ALPN is refused', async () => {
  const r = await start(setup, { tls: baseTls() });
  const a = await get(r.port, '/', { maxVersion: 'TLSv1.2' });
  assert.is(a.protocol, 'TLSv1.2');
  assert.is(a.alpn, 'http/1.1');
  const h2 = tls.connect({ host: '127.0.0.1', port: r.port, ca: pki.ca, servername: 'localhost', ALPNProtocols: ['h2'] });
  const e = await new Promise<Error | null>((res) => h2.once('secureConnect', () => res(null)).on('error', res));
  assert.ok(e, 'an h2-only client must not get a session');
  h2.destroy();
  assert.ok(r.server.stats().tls!.tls12 >= 1);
  await stop(r.server);

  const only13 = await start(setup, { tls: { ...baseTls(), minVersion: 'TLSv1.3' } });
  const err = await get(only13.port, '/', { maxVersion: 'TLSv1.2' }).then(
    () => null,
    (x: Error) => x,
  );
  assert.ok(err, 'a TLS 1.2 client must be refused');
  assert.is((await get(only13.port, '/')).protocol, 'TLSv1.3');
  await stop(only13.server);
});

test('session resumption with tickets', async () => {
  const r = await start(setup, { tls: baseTls() });
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    const first = await get(r.port, '/', { maxVersion });
    assert.ok(first.session, 'the server issues a session ticket');
    const second = await get(r.port, '/', { maxVersion, session: first.session! });
    assert.ok(second.reused, `resumed with ${maxVersion}`);
  }
  assert.ok(r.server.stats().tls!.resumed >= 2);
  await stop(r.server);
});

test('client-initiated renegotiation is refused; the server stays healthy', async () => {
  const r = await start(setup, { tls: baseTls() });
  const s = tls.connect({ host: '127.0.0.1', port: r.port, ca: pki.ca, servername: 'localhost', maxVersion: 'TLSv1.2' });
  await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
  const outcome = await within(
    new Promise<string>((res) => {
      s.on('error', (e) => res(`error: ${e.message}`));
      s.on('close', () => res('closed'));
      const ok = s.renegotiate({ rejectUnauthorized: false }, (e) => res(e ? `refused: ${e.message}` : 'renegotiated'));
      if (!ok) res('refused locally');
      s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    }),
    10_000,
    'renegotiation outcome',
  );
  assert.is.not(outcome, 'renegotiated');
  s.destroy();
  assert.is((await get(r.port, '/')).status, 200);
  await stop(r.server);
});

test('plain HTTP sent to the TLS port gets a 400 in plain text, then a close', async () => {
  const r = await start(setup, { tls: baseTls() });
  const resp = (await raw(r.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n')).toString('latin1');
  assert.match(resp, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(resp, /plain HTTP request was sent to an HTTPS port$/);
  assert.is(r.server.stats().tls!.plainHttp, 1);
  assert.is((await get(r.port, '/')).status, 200);
  await stop(r.server);
});

test('broken handshakes: garbage, a truncated ClientHello, a silent client — all closed, nothing leaks', async () => {
  const r = await start(setup, { tls: baseTls(), timeouts: { header: 300 } });
  // Garbage that is neither TLS nor HTTP: a handshake failure, closed.
  await within(raw(r.port, Buffer.from([0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9]).toString('latin1')), 10_000, 'garbage close');
  // The first bytes of a real ClientHello, then EOF.
  const hello = await new Promise<Buffer>((resolve) => {
    const srv = net.createServer((c) => c.once('data', (d: Buffer) => { resolve(d); c.destroy(); srv.close(); }));
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      tls.connect({ host: '127.0.0.1', port, servername: 'localhost' }).on('error', () => undefined);
    });
  });
  await within(raw(r.port, hello.subarray(0, 40), true), 10_000, 'truncated hello close');
  // A truncated hello that stays open: the header timeout closes it.
  await within(raw(r.port, hello.subarray(0, 40)), 10_000, 'stalled handshake close');
  // A client that connects and says nothing: closed by the timeout too.
  await within(raw(r.port, ''), 10_000, 'silent client close');
  await waitUntil(() => r.server.stats().connectionsOpen === 0, 5000, () => JSON.stringify(r.server.stats()));
  assert.ok(r.server.stats().tls!.handshakeFailures >= 1);
  assert.is(r.server.stats().tls!.handshakes, 0);
  assert.is((await get(r.port, '/')).status, 200);
  await stop(r.server);
});

test('an expired certificate is served as configured and refused by a verifying client', async () => {
  const r = await start(setup, { tls: { cert: pki.expired.cert, key: pki.expired.key } });
  const err = await get(r.port, '/').then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  assert.is(err?.code, 'CERT_HAS_EXPIRED');
  assert.is((await get(r.port, '/', { rejectUnauthorized: false })).status, 200);
  await stop(r.server);
});

test('reloadTls: new connections get the new certificate, established ones keep working', async () => {
  const r = await start(setup, { tls: baseTls() });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [pki.ca, pki.ca2] });
  const one = await get(r.port, '/', { agent, servername: 'localhost' });
  assert.is(one.status, 200);
  r.server.reloadTls({ cert: pki.localhost2.cert, key: pki.localhost2.key, hsts: true });
  // The kept-alive connection still answers (old session), now with HSTS.
  const two = await get(r.port, '/', { agent, servername: 'localhost' });
  assert.is(two.status, 200);
  assert.is(two.headers['strict-transport-security'], 'max-age=31536000');
  assert.is(r.server.stats().tls!.handshakes, 1);
  // A new connection verifies only against the second CA now.
  assert.is((await get(r.port, '/', { ca: pki.ca2 })).status, 200);
  const old = await get(r.port, '/', { ca: pki.ca }).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(old, 'the old CA no longer verifies new connections');
  // Unusable certificates are refused and the current ones kept.
  assert.throws(() => r.server.reloadTls({ cert: pki.localhost.cert, key: pki.other.key }), /does not match/);
  assert.is((await get(r.port, '/', { ca: pki.ca2 })).status, 200);
  agent.destroy();
  await stop(r.server);
});

test('bad TLS configuration fails clearly', async () => {
  assert.throws(() => createServer({ port: 0, tls: { cert: '/nonexistent/cert.pem', key: pki.localhost.key } }), /cannot read tls\.cert file/);
  const s = createServer({ port: 0, tls: { cert: pki.localhost.cert, key: pki.other.key } });
  let err: unknown;
  try {
    await s.listen();
  } catch (e) {
    err = e;
  }
  assert.match(String(err), /does not match the certificate/);
  assert.throws(() => createServer({ port: 0, tls: { ...baseTls(), minVersion: 'TLSv1.1' as 'TLSv1.2' } }), /minVersion/);
  assert.throws(() => createServer({ port: 0 }).reloadTls(baseTls()), /needs a server created with the tls option/);
});

test('httpsRedirect: 301 for GET/HEAD, 308 for other methods, 400 without a usable Host', async () => {
  const server = httpsRedirect({ host: '127.0.0.1', port: 0, httpsPort: 8443 });
  const { port } = await server.listen();
  const ask = (req: string): Promise<string> => raw(port, req).then((b) => b.toString('latin1'));
  const g = await ask('GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n');
  assert.match(g, /^HTTP\/1\.1 301 /);
  assert.match(g, /\r\nlocation: https:\/\/example\.com:8443\/a\/b\?c=d\r\n/i);
  const p = await ask('POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  assert.match(p, /^HTTP\/1\.1 308 /);
  const bad = await ask('GET / HTTP/1.1\r\nHost: evil.com/@x\r\nConnection: close\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 /);
  await server.close();
});

test('brigade serve --tls-cert --tls-key --hsts --redirect-http: curl gets the file over HTTPS', async () => {
  const cli = path.join(process.cwd(), 'src', 'cli', 'main.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', tmp, '--port', '0', '--tls-cert', pki.localhost.certFile, '--tls-key', pki.localhost.keyFile, '--hsts', '--redirect-http', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const [httpsPort, httpPort] = await within(
      new Promise<[string, string]>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const a = /at https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          const b = /redirecting http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (a && b) resolve([a[1]!, b[1]!]);
        });
        child.on('exit', () => reject(new Error(`brigade exited early: ${out}`)));
      }),
      20_000,
      'the CLI prints its URLs',
    );
    const c = await runTool('curl', ['-sS', '-D', '-', '--cacert', pki.caFile, `https://localhost:${httpsPort}/small.txt`]);
    assert.is(c.code, 0, c.stderr);
    assert.match(c.stdout, /strict-transport-security: max-age=31536000/i);
    assert.match(c.stdout, /small file over tls\n$/);
    const r = (await raw(Number(httpPort), `GET /small.txt HTTP/1.1\r\nHost: localhost:${httpPort}\r\nConnection: close\r\n\r\n`)).toString('latin1');
    assert.match(r, /^HTTP\/1\.1 301 /);
    assert.match(r, new RegExp(`location: https://localhost:${httpsPort}/small\\.txt\r\n`, 'i'));
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => (child.exitCode !== null ? res(null) : child.once('exit', res)));
  }
});

test.run();
