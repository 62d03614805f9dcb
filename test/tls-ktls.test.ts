// kTLS without the kernel's tls ULP (docs/tls.md, "kTLS"). With tls.ktls
// 'software' brigade exports the struct it would give setsockopt(SOL_TLS,
// TLS_TX) — key, salt/iv, record sequence number — and encrypts every record
// after the handshake from that struct alone, as the kernel's tls_sw does.
// Real peers (Node's TLS client, curl, openssl s_client) decrypt the result:
// a wrong key, nonce or sequence number would fail with bad_record_mac. Then
// 'auto' and 'force' on this kernel (no ULP): they fall back to OpenSSL, and
// the stats say so; 'off' never tries.
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Server, TlsOptions } from '../src/index.js';
import { testPki } from './helpers/certs.js';
import { start, stop, stopAll, waitUntil, within } from './helpers/server.js';
import { runTool, toolEnv } from './helpers/sanitizer.js';
import { httpsGet, type HttpsGot } from './helpers/https.js';

const test = suite('tls-ktls');
const pki = testPki();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-ktls-'));
const BIG = 6 * 1024 * 1024 + 12345; // not a multiple of the 16 KiB record size
const bigFile = path.join(tmp, 'big.bin');
let big: Buffer;
let bigSha = '';
const kernelUlps = (() => {
  try {
    return fs.readFileSync('/proc/sys/net/ipv4/tcp_available_ulp', 'utf8');
  } catch {
    return '';
  }
})();
const kernelHasTls = kernelUlps.split(/\s+/).includes('tls');

test.before(() => {
  big = crypto.randomBytes(BIG);
  fs.writeFileSync(bigFile, big);
  bigSha = crypto.createHash('sha256').update(big).digest('hex');
});

test.after(async () => {
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(s: Server): void {
  s.get('/', (_req, res) => res.end('hello over ktls\n'));
  // A memory body larger than one 64 KiB chunk and one 16 KiB record.
  s.get('/mem', (_req, res) => res.end(big.subarray(0, 200_000)));
  s.static('/files', tmp);
}

const tlsOpts = (extra: Partial<TlsOptions>): TlsOptions => ({ cert: pki.localhost.certFile, key: pki.localhost.keyFile, ...extra });

const get = (port: number, p: string, opts: https.RequestOptions = {}): Promise<HttpsGot> => httpsGet(port, p, pki.ca, opts);

function sha(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

interface Case {
  name: string;
  version: 'TLSv1.3' | 'TLSv1.2';
  server: Partial<TlsOptions>;
  standardName: string;
}

const cases: Case[] = [
  { name: 'TLS 1.3 AES-128-GCM', version: 'TLSv1.3', server: { ciphersuites: 'TLS_AES_128_GCM_SHA256' }, standardName: 'TLS_AES_128_GCM_SHA256' },
  { name: 'TLS 1.3 AES-256-GCM', version: 'TLSv1.3', server: { ciphersuites: 'TLS_AES_256_GCM_SHA384' }, standardName: 'TLS_AES_256_GCM_SHA384' },
  { name: 'TLS 1.3 ChaCha20-Poly1305', version: 'TLSv1.3', server: { ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256' }, standardName: 'TLS_CHACHA20_POLY1305_SHA256' },
  { name: 'TLS 1.2 AES-128-GCM', version: 'TLSv1.2', server: { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, standardName: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' },
  { name: 'TLS 1.2 AES-256-GCM', version: 'TLSv1.2', server: { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, standardName: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' },
  { name: 'TLS 1.2 ChaCha20-Poly1305', version: 'TLSv1.2', server: { ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }, standardName: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256' },
];

for (const c of cases) {
  test(`software kTLS, ${c.name}: memory and a ${BIG}-byte file byte-exact, then a resumed session`, async () => {
    const r = await start(setup, { tls: tlsOpts({ ...c.server, ktls: 'software' }) });
    const v = { maxVersion: c.version, minVersion: c.version } as const;
    const a = await get(r.port, '/', v);
    assert.is(a.status, 200);
    assert.is(a.body.toString(), 'hello over ktls\n');
    assert.is(a.protocol, c.version);
    assert.is(a.cipher, c.standardName);
    const m = await get(r.port, '/mem', v);
    assert.ok(m.body.equals(big.subarray(0, 200_000)), 'memory body byte-exact');
    const f = await get(r.port, '/files/big.bin', v);
    assert.is(f.status, 200);
    assert.is(f.body.length, BIG);
    assert.is(sha(f.body), bigSha);
    // Resumption with the ticket the server sent (under the exported keys
    // for TLS 1.3: the sequence number after those records is what is tested).
    assert.ok(f.session, 'a session to resume');
    const res = await get(r.port, '/files/big.bin', { ...v, session: f.session });
    assert.ok(res.reused, 'session resumed');
    assert.is(sha(res.body), bigSha);
    const st = r.server.stats().tls!;
    assert.is(st.handshakes, 4);
    assert.is(st.ktlsSoftware, 4, 'every connection on the software kTLS path');
    assert.is(st.userspace, 0);
    assert.is(st.ktls, 0);
    assert.is(st.ktlsFailures, 0);
    assert.is(st.ktlsUnavailable, 0);
    // TLS 1.3: NewSessionTicket records precede the hand-off (a non-zero
    // starting seq); TLS 1.2: the server's Finished.
    // (three full handshakes, two tickets each by default)
    assert.ok(st.ktlsHandoffRecords >= (c.version === 'TLSv1.3' ? 6 : 4), `handoff records ${st.ktlsHandoffRecords}`);
    await stop(r.server);
  });
}

test('software kTLS: keep-alive and pipelining, several responses on one connection', async () => {
  const r = await start(setup, { tls: tlsOpts({ ktls: 'software' }) });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 3; i++) {
    const f = await get(r.port, i === 1 ? '/files/big.bin' : '/mem', { agent });
    assert.is(f.status, 200);
    if (i === 1) assert.is(sha(f.body), bigSha);
    else assert.ok(f.body.equals(big.subarray(0, 200_000)));
  }
  agent.destroy();
  const st = r.server.stats().tls!;
  assert.is(st.handshakes, 1);
  assert.is(st.ktlsSoftware, 1);
  await stop(r.server);
});

test('software kTLS: curl (TLS 1.3 and TLS 1.2) gets the file byte-exact', async () => {
  const r = await start(setup, { tls: tlsOpts({ ktls: 'software' }) });
  for (const args of [['--tlsv1.3'], ['--tlsv1.2', '--tls-max', '1.2']]) {
    const out = path.join(tmp, 'curl.out');
    const c = await runTool('curl', ['-sS', '-v', ...args, '--cacert', pki.caFile, '-o', out, `https://localhost:${r.port}/files/big.bin`], { timeoutMs: 60_000 });
    assert.is(c.code, 0, c.stderr);
    assert.match(c.stderr, args[0] === '--tlsv1.3' ? /TLSv1\.3/ : /TLSv1\.2/);
    assert.is(sha(fs.readFileSync(out)), bigSha);
    fs.rmSync(out);
  }
  assert.is(r.server.stats().tls!.ktlsSoftware, 2);
  await stop(r.server);
});

test('software kTLS with a deliberately wrong sequence number: the peer refuses the records', async () => {
  // The control for the tests above: the same path, the seq off by one.
  process.env.BRIGADE_KTLS_TEST_SEQ_SKEW = '1';
  let r;
  try {
    r = await start(setup, { tls: tlsOpts({ ktls: 'software' }) });
  } finally {
    delete process.env.BRIGADE_KTLS_TEST_SEQ_SKEW;
  }
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const err = await get(r.port, '/', { maxVersion: version, minVersion: version }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, `${version}: the client must refuse records under a wrong seq`);
    const what = `${String((err as NodeJS.ErrnoException).code)} ${err!.message}`;
    assert.match(what, /DECRYPTION_FAILED|BAD_RECORD_MAC|bad record mac|decryption|CIPHER_OPERATION_FAILED/i, what);
  }
  await stop(r.server);
});

test('software kTLS: a KeyUpdate the peer asks to be answered closes the connection; one it does not is fine', async () => {
  const r = await start(setup, { tls: tlsOpts({ ktls: 'software' }) });
  // openssl s_client: the line "k" sends KeyUpdate(update_not_requested),
  // "K" KeyUpdate(update_requested).
  const sc = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${r.port}`, '-servername', 'localhost', '-CAfile', pki.caFile, '-tls1_3'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: toolEnv(),
  });
  let out = '';
  sc.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
  sc.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const closed = new Promise<void>((res) => sc.on('close', () => res()));
  try {
    await waitUntil(() => /Verify return code: 0/.test(out), 10_000, () => out);
    sc.stdin.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitUntil(() => (out.match(/hello over ktls/g) ?? []).length === 1, 10_000, () => out);
    sc.stdin.write('k\n');
    await waitUntil(() => /KEYUPDATE/.test(out), 10_000, () => out);
    sc.stdin.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitUntil(() => (out.match(/hello over ktls/g) ?? []).length === 2, 10_000, () => out);
    sc.stdin.write('K\n');
    await within(closed, 10_000, 's_client sees the server close after KeyUpdate(update_requested)');
  } finally {
    sc.kill();
  }
  await waitUntil(() => r.server.stats().tls!.ktlsKeyUpdateCloses === 1, 5000, () => JSON.stringify(r.server.stats().tls));
  assert.not.match(out, /bad record mac|decrypt/i);
  await stop(r.server);
});

test(`'auto' on a kernel without the tls ULP: OpenSSL writes, nothing is tried, stats say so`, async () => {
  if (kernelHasTls) {
    console.log('  (skipped: this kernel offers the tls ULP)');
    return;
  }
  const r = await start(setup, { tls: tlsOpts({ ktls: 'auto' }) });
  const f = await get(r.port, '/files/big.bin');
  assert.is(sha(f.body), bigSha);
  const f2 = await get(r.port, '/files/big.bin', { maxVersion: 'TLSv1.2' });
  assert.is(sha(f2.body), bigSha);
  const st = r.server.stats().tls!;
  assert.is(st.kernelKtls, false);
  assert.is(st.handshakes, 2);
  assert.is(st.userspace, 2);
  assert.is(st.ktlsUnavailable, 2);
  assert.is(st.ktls, 0);
  assert.is(st.ktlsFailures, 0);
  assert.is(st.ktlsSoftware, 0);
  await stop(r.server);
});

test(`'force' on a kernel without the tls ULP: setsockopt(TCP_ULP) fails, the connection falls back intact`, async () => {
  if (kernelHasTls) {
    console.log('  (skipped: this kernel offers the tls ULP)');
    return;
  }
  const r = await start(setup, { tls: tlsOpts({ ktls: 'force' }) });
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    const f = await get(r.port, '/files/big.bin', { maxVersion: v });
    assert.is(f.protocol, v);
    assert.is(sha(f.body), bigSha);
  }
  const st = r.server.stats().tls!;
  assert.is(st.handshakes, 2);
  assert.is(st.ktlsFailures, 2);
  assert.is(st.userspace, 2);
  assert.is(st.ktls, 0);
  await stop(r.server);
});

test(`'off' (the default) never tries`, async () => {
  for (const ktls of ['off', undefined] as const) {
    const r = await start(setup, { tls: tlsOpts(ktls ? { ktls } : {}) });
    const f = await get(r.port, '/mem');
    assert.ok(f.body.equals(big.subarray(0, 200_000)));
    const st = r.server.stats().tls!;
    assert.is(st.userspace, 1);
    assert.is(st.ktls + st.ktlsSoftware + st.ktlsFailures + st.ktlsUnavailable + st.ktlsHandoffRecords, 0);
    await stop(r.server);
  }
});

test('an unknown tls.ktls value is refused', async () => {
  let err: Error | undefined;
  try {
    await start(setup, { tls: tlsOpts({ ktls: 'yes' as unknown as 'auto' }) });
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err);
  assert.match(err!.message, /tls\.ktls must be one of/);
});

test.run();
