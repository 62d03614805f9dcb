// Files and resource hygiene: sendFile of a 100 MiB file (sha256 and length),
// ranges, HEAD, missing files; clients that reset in the middle of responses
// leave no descriptors, connections, slabs or pools behind; request pool
// cleanups run once, only after the response is on the wire (or aborted).
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { baseline, fdCount, laneCount, settled } from './helpers/fds.js';
import { destroyAllSockets, get, RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil, type Running } from './helpers/server.js';

const BIG = 100 << 20;
const MIB = 1 << 20;
let dir: string;
let bigFile: string;
let bigSha: string;
let mibFile: string;
let mibData: Buffer;
let srv: Running;
const test = suite('files and leaks');
// Late responses (the client already left) must be released in every MPM,
// including the thread-per-connection ones whose thread sleeps between connections.
const lateResponseTest = test;

// Cleanup bookkeeping by request tag.
const cleanups = new Map<string, number>();
const cleanupSawAborted = new Map<string, boolean>();
const memBody = randomBytes(32 * MIB); // more than loopback socket buffers hold

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-files-'));
  bigFile = path.join(dir, 'big.bin');
  // Written in 1 MiB pieces so the test never holds 100 MiB in memory.
  const h = createHash('sha256');
  const fd = fs.openSync(bigFile, 'w');
  for (let i = 0; i < BIG / MIB; i++) {
    const piece = randomBytes(MIB);
    h.update(piece);
    fs.writeSync(fd, piece);
  }
  fs.closeSync(fd);
  bigSha = h.digest('hex');
  mibFile = path.join(dir, 'one.bin');
  mibData = randomBytes(MIB);
  fs.writeFileSync(mibFile, mibData);
  fs.writeFileSync(path.join(dir, 'small.txt'), '0123456789abcdefghij');

  srv = await start((s) => {
    s.get('/big', (_q, r) => r.sendFile(bigFile));
    s.get('/mib-file', (_q, r) => r.sendFile(mibFile));
    s.get('/mib-mem', (_q, r) => r.end(mibData));
    s.get('/small', (q, r) => {
      const o = q.searchParams;
      const opts: { offset?: number; length?: number } = {};
      if (o.has('offset')) opts.offset = Number(o.get('offset'));
      if (o.has('length')) opts.length = Number(o.get('length'));
      return r.sendFile(path.join(dir, 'small.txt'), opts);
    });
    // The first `length` bytes of one.bin (the writer sends a head before a
    // short file with MSG_MORE and corks it before a long one).
    s.get('/mib-part', (q, r) => r.sendFile(mibFile, { length: Number(q.searchParams.get('length')) }));
    s.get('/typed', (_q, r) => r.sendFile(path.join(dir, 'one.bin'), { contentType: 'application/x-test' }));
    s.get('/missing', (_q, r) => r.sendFile(path.join(dir, 'does-not-exist.bin')));
    s.get('/dir', (_q, r) => r.sendFile(dir));
    // Cleanup probes: a response of `size` bytes whose pool counts its cleanups.
    s.get('/pool/:tag/:size', (q, r) => {
      const tag = q.params['tag']!;
      cleanups.set(tag, 0);
      q.pool.cleanup(() => {
        cleanups.set(tag, (cleanups.get(tag) ?? 0) + 1);
        cleanupSawAborted.set(tag, r.aborted);
      });
      const size = Number(q.params['size']);
      r.end(size === memBody.length ? memBody : memBody.subarray(0, size));
    });
    s.get('/pool-file/:tag', (q, r) => {
      const tag = q.params['tag']!;
      cleanups.set(tag, 0);
      q.pool.cleanup(() => cleanups.set(tag, (cleanups.get(tag) ?? 0) + 1));
      return r.sendFile(bigFile);
    });
    s.get('/pool-late/:tag', async (q, r) => {
      const tag = q.params['tag']!;
      cleanups.set(tag, 0);
      q.pool.cleanup(() => cleanups.set(tag, (cleanups.get(tag) ?? 0) + 1));
      await sleep(150);
      r.end('late');
    });
    s.get('/ok', (_q, r) => r.end('ok'));
  });
});

test.after.each(() => destroyAllSockets());
test.after(async () => {
  destroyAllSockets();
  await stopAll();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  sha: string;
  length: number;
  body?: Buffer;
}

/** GET/HEAD with Node's http client; the body is hashed as it streams. */
function fetchWithNode(p: string, method = 'GET', keep = false): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const rq = http.request({ host: '127.0.0.1', port: srv.port, path: p, method, agent: false }, (res) => {
      const h = createHash('sha256');
      let length = 0;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        h.update(d);
        length += d.length;
        if (keep) parts.push(d);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, sha: h.digest('hex'), length, body: keep ? Buffer.concat(parts) : undefined }),
      );
      res.on('error', reject);
    });
    rq.on('error', reject);
    rq.end();
  });
}

test('sendFile of a 100 MiB file: sha256 and Content-Length match', async () => {
  const b = await baseline(srv.server);
  const r = await fetchWithNode('/big');
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], String(BIG));
  assert.is(r.headers['content-type'], 'application/octet-stream');
  assert.is(r.length, BIG);
  assert.is(r.sha, bigSha);
  await settled(srv.server, b);
});

test('sendFile: two 100 MiB downloads at once', async () => {
  const [a, c] = await Promise.all([fetchWithNode('/big'), fetchWithNode('/big')]);
  assert.is(a.sha, bigSha);
  assert.is(c.sha, bigSha);
});

test('sendFile with offset and length', async () => {
  const cases: [string, string][] = [
    ['/small?offset=5&length=4', '5678'],
    ['/small?offset=10', 'abcdefghij'],
    ['/small?length=3', '012'],
    ['/small?offset=20', ''],
    ['/small?offset=0&length=20', '0123456789abcdefghij'],
  ];
  for (const [p, want] of cases) {
    const r = await fetchWithNode(p, 'GET', true);
    assert.is(r.status, 200, p);
    assert.is(r.body!.toString(), want, p);
    assert.is(r.headers['content-length'], String(want.length), p);
    assert.is(r.headers['content-type'], 'text/plain; charset=utf-8', p);
  }
  // A range inside the big file, checked against the bytes on disk.
  const s = await start((x) => x.get('/r', (_q, r) => r.sendFile(bigFile, { offset: 3 * MIB + 17, length: 5 * MIB + 3 })));
  try {
    const fd = fs.openSync(bigFile, 'r');
    const want = Buffer.alloc(5 * MIB + 3);
    fs.readSync(fd, want, 0, want.length, 3 * MIB + 17);
    fs.closeSync(fd);
    const r = await new Promise<Buffer>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: s.port, path: '/r', agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject);
    });
    assert.is(r.length, want.length);
    assert.ok(r.equals(want));
  } finally {
    await s.server.close();
  }
});

test('sendFile with a range outside the file: 500, nothing leaks', async () => {
  const b = await baseline(srv.server);
  for (const p of ['/small?offset=21', '/small?offset=5&length=16', '/small?offset=-1']) {
    const r = await fetchWithNode(p);
    assert.is(r.status, 500, p);
  }
  await settled(srv.server, b);
});

test('sendFile: contentType option, and several files on one keep-alive connection', async () => {
  const c = await RawClient.open(srv.port);
  await c.write(get('/typed') + get('/small?offset=2&length=2') + get('/mib-file') + get('/ok'));
  const [t, s, m, o] = await c.responses(4, { timeout: 10000 });
  assert.is(t!.headers['content-type'], 'application/x-test');
  assert.ok(t!.body.equals(mibData));
  assert.is(s!.body.toString(), '23');
  assert.ok(m!.body.equals(mibData));
  assert.is(o!.body.toString(), 'ok');
  c.destroy();
});

test('file responses on each side of the head-merge and cork sizes, pipelined, arrive byte-exact', async () => {
  // 0 B (no MSG_MORE: nothing would push the head), 1 KiB and 64 KiB - 1
  // (head with MSG_MORE), 64 KiB and 100 KiB (head alone), 128 KiB + 1 and
  // 1 MiB (TCP_CORK); a memory response after each, and the empty file last
  // so a held-back head would show as a timeout.
  const lengths = [1024, 64 * 1024 - 1, 64 * 1024, 100 * 1024, 128 * 1024 + 1, MIB, 0];
  const c = await RawClient.open(srv.port);
  await c.write(lengths.map((n) => get(`/mib-part?length=${n}`) + get('/ok')).join(''));
  const rs = await c.responses(lengths.length * 2, { timeout: 10000 });
  lengths.forEach((n, i) => {
    const file = rs[2 * i]!;
    assert.is(file.status, 200, `${n} B`);
    assert.is(file.headers['content-length'], String(n), `${n} B`);
    assert.ok(file.body.equals(mibData.subarray(0, n)), `${n} B: body bytes`);
    assert.is(rs[2 * i + 1]!.body.toString(), 'ok', `the response after ${n} B`);
  });
  // Alone on a fresh connection (nothing behind it in the queue): each arrives.
  for (const n of lengths) {
    const one = await RawClient.open(srv.port);
    await one.write(get(`/mib-part?length=${n}`));
    const [r] = await one.responses(1, { timeout: 5000 });
    assert.ok(r!.body.equals(mibData.subarray(0, n)), `${n} B alone`);
    one.destroy();
  }
  c.destroy();
});

test('a client resetting during a corked 1 MiB file response leaves the server serving', async () => {
  const b = await baseline(srv.server);
  for (let i = 0; i < 5; i++) {
    const c = await RawClient.open(srv.port);
    await c.write(get('/mib-part?length=' + MIB));
    await waitUntil(() => c.received().length > 0, 5000, () => 'no response bytes');
    c.socket.resetAndDestroy();
  }
  const r = await fetchWithNode('/mib-part?length=' + 200 * 1024, 'GET', true);
  assert.is(r.status, 200);
  assert.ok(r.body!.equals(mibData.subarray(0, 200 * 1024)));
  await settled(srv.server, b);
});

test('HEAD on sendFile: headers and Content-Length, no body', async () => {
  const b = await baseline(srv.server);
  const c = await RawClient.open(srv.port);
  await c.write('HEAD /big HTTP/1.1\r\nHost: t\r\n\r\n' + get('/small?length=5'));
  const [h, g] = await c.responses(2, { noBody: [true, false] });
  assert.is(h!.status, 200);
  assert.is(h!.headers['content-length'], String(BIG));
  assert.is(h!.body.length, 0);
  assert.is(g!.body.toString(), '01234', 'no file bytes leaked into the next response');
  c.destroy();
  await settled(srv.server, b);
});

test('sendFile of a missing file: 404; of a directory: an error status', async () => {
  const b = await baseline(srv.server);
  const r = await fetchWithNode('/missing', 'GET', true);
  assert.is(r.status, 404);
  assert.is(r.body!.toString(), 'Not Found\n');
  const d = await fetchWithNode('/dir');
  assert.is(d.status, 500);
  await settled(srv.server, b);
});

/** Opens a raw connection, asks for path and resets after `after` response bytes arrived. */
async function resetAfter(p: string, after: number): Promise<void> {
  const c = await RawClient.open(srv.port);
  await c.write(get(p));
  if (after > 0) {
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer): void => {
        got += d.length;
        if (got >= after) {
          c.socket.off('data', onData);
          resolve();
        }
      };
      c.socket.on('data', onData);
      c.socket.once('close', () => resolve());
    });
  }
  c.reset();
}

test('a client resetting mid-way through a 100 MiB file leaves nothing behind', async () => {
  const b = await baseline(srv.server);
  const before = srv.server.stats();
  await resetAfter('/big', 2 * MIB);
  await settled(srv.server, b);
  const after = srv.server.stats();
  assert.is(after.fileFdsOpen, 0);
  assert.is(after.poolsLive, 0);
  assert.ok(after.bytesWritten - before.bytesWritten < BIG, 'the transfer was cut short');
  // The server goes on serving.
  const r = await fetchWithNode('/small?length=3', 'GET', true);
  assert.is(r.body!.toString(), '012');
});

lateResponseTest('a client resetting right after its request (before any byte) leaves nothing behind', async () => {
  const b = await baseline(srv.server);
  await resetAfter('/big', 0);
  await resetAfter('/mib-mem', 0);
  await settled(srv.server, b);
});

test('50 clients resetting at random points of 1 MiB responses leave nothing behind', async () => {
  const b = await baseline(srv.server);
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < 50; i++) {
    const p = i % 2 === 0 ? '/mib-file' : '/mib-mem';
    jobs.push(resetAfter(p, Math.floor(Math.random() * MIB)));
  }
  await Promise.all(jobs);
  await settled(srv.server, b, 8000);
  const s = srv.server.stats();
  assert.is(s.fileFdsOpen, 0);
  assert.is(s.connectionsOpen, b.connectionsOpen);
  assert.is(s.poolsLive, 0);
  assert.ok(s.slabs.slabsInUse <= b.slabsInUse + laneCount(srv.server), `slabs ${s.slabs.slabsInUse} vs ${b.slabsInUse}`);
  assert.ok(fdCount() <= b.fds);
  // Still healthy.
  const r = await fetchWithNode('/mib-file');
  assert.is(r.sha, sha(mibData));
});

test('pool cleanup runs once, after the response bytes were written', async () => {
  const c = await RawClient.open(srv.port);
  c.socket.pause(); // the 32 MiB body cannot be fully written while we do not read
  await c.write(get(`/pool/slow/${memBody.length}`));
  await waitUntil(() => cleanups.has('slow'), 2000);
  await sleep(200);
  assert.is(cleanups.get('slow'), 0, 'cleanup must wait for the bytes to be written');
  c.socket.resume();
  const r = await c.response({ timeout: 10000 });
  assert.ok(r.body.equals(memBody));
  await waitUntil(() => cleanups.get('slow') === 1, 2000);
  assert.is(cleanupSawAborted.get('slow'), false);
  // A small response on the same connection: its own pool, once.
  await c.write(get('/pool/small/10'));
  assert.is((await c.response()).body.length, 10);
  await waitUntil(() => cleanups.get('small') === 1, 2000);
  await sleep(50);
  assert.is(cleanups.get('slow'), 1);
  assert.is(cleanups.get('small'), 1);
  assert.is(srv.server.stats().poolsLive, 0);
  c.destroy();
});

test('pool cleanup runs exactly once when the client aborts mid-response', async () => {
  const b = await baseline(srv.server);
  const c = await RawClient.open(srv.port);
  c.socket.pause();
  await c.write(get(`/pool/abort/${memBody.length}`));
  await waitUntil(() => cleanups.has('abort'), 2000);
  await sleep(50);
  assert.is(cleanups.get('abort'), 0);
  c.reset();
  await waitUntil(() => cleanups.get('abort') === 1, 3000);
  await sleep(100);
  assert.is(cleanups.get('abort'), 1);
  await settled(srv.server, b);
});

test('pool cleanup runs once when a file response is aborted', async () => {
  const b = await baseline(srv.server);
  const c = await RawClient.open(srv.port);
  c.socket.pause();
  await c.write(get('/pool-file/file-abort'));
  await waitUntil(() => cleanups.has('file-abort'), 2000);
  await sleep(50);
  assert.is(cleanups.get('file-abort'), 0);
  c.reset();
  await waitUntil(() => cleanups.get('file-abort') === 1, 3000);
  await sleep(100);
  assert.is(cleanups.get('file-abort'), 1);
  await settled(srv.server, b);
});

lateResponseTest('pool cleanup runs once when the client leaves before an async handler answers', async () => {
  const b = await baseline(srv.server);
  const c = await RawClient.open(srv.port);
  await c.write(get('/pool-late/gone'));
  await waitUntil(() => cleanups.has('gone'), 2000);
  c.reset();
  await waitUntil(() => cleanups.get('gone') === 1, 3000, () => String(cleanups.get('gone')));
  await sleep(100);
  assert.is(cleanups.get('gone'), 1);
  await settled(srv.server, b);
});

test.run();
