// Request pools and their lifetime (the EOR rule), over real sockets: a file
// sent to a slow client keeps its descriptor open after the handler returned
// and closes it right after the last byte was written; pool cleanups run once,
// after that, in LIFO order; aborts clean up once; nothing stays live.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestPool, Response } from '../src/index.js';
import { destroyAllSockets } from './helpers/raw.js';
import { start, stopAll, waitUntil, type Running } from './helpers/server.js';
import { passThrough } from './support/filters.js';
import { KeepAlive, request, requestHead } from './support/http.js';
import { fdCount, fdsOpenOn, haveProcFd } from './support/proc.js';
import { StreamClient } from './support/stream-client.js';
import { capturingWarnings } from './support/warnings.js';

const BIG = 64 * 1024 * 1024;
let dir = '';
let bigFile = '';
let bigSha = '';

/** What a handler observed about its request's pool. */
interface Record {
  cleanups: number;
  /** server bytesWritten (since the baseline) when the first cleanup ran. */
  writtenAtCleanup: number;
  /** the client's received byte count when the first cleanup ran. */
  clientAtCleanup: number;
  handlerReturned: boolean;
  pool: RequestPool | null;
  order: string[];
}

function record(): Record {
  return { cleanups: 0, writtenAtCleanup: -1, clientAtCleanup: -1, handlerReturned: false, pool: null, order: [] };
}

const recs = new Map<string, Record>();
let current: StreamClient | null = null;
let writtenBase = 0;

function rec(key: string): Record {
  let r = recs.get(key);
  if (!r) {
    r = record();
    recs.set(key, r);
  }
  return r;
}

const test = suite('pools');
let S: Running;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-pools-'));
  bigFile = path.join(dir, 'big.bin');
  const data = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(bigFile, data);
  bigSha = createHash('sha256').update(data).digest('hex');

  S = await start((s) => {
    s.filter(passThrough('pool-test'), { path: '/chain' });
    // Sends the big file; the pool's cleanup notes when it ran.
    const sendBig = (key: string) => async (q: { pool: RequestPool; query: string }, r: Response): Promise<void> => {
      const k = `${key}${q.query ? `?${q.query}` : ''}`;
      const m = rec(k);
      m.pool = q.pool;
      q.pool.cleanup(() => {
        m.cleanups++;
        if (m.cleanups === 1) {
          m.writtenAtCleanup = S.server.stats().bytesWritten - writtenBase;
          m.clientAtCleanup = current ? current.received : -1;
        }
      });
      await r.sendFile(bigFile, { contentType: 'application/octet-stream' });
      m.handlerReturned = true;
    };
    s.get('/chain/big', sendBig('chain'));
    s.get('/fast/big', sendBig('fast'));
    // Streams 256 KiB writes until the client goes away (or 64 writes).
    const stream = (key: string) => async (q: { pool: RequestPool }, r: Response): Promise<void> => {
      const m = rec(key);
      m.pool = q.pool;
      q.pool.cleanup(() => {
        m.cleanups++;
      });
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      r.setHeader('Content-Type', 'application/octet-stream');
      for (let i = 0; i < 64 && !r.aborted; ++i) {
        r.write(chunk);
        await new Promise((x) => setImmediate(x));
      }
      r.end();
      m.handlerReturned = true;
    };
    s.get('/chain/stream', stream('chain-stream'));
    s.get('/fast/stream', stream('fast-stream'));
    const lifo = (key: string) => (q: { pool: RequestPool }, r: Response): void => {
      const m = rec(key);
      m.pool = q.pool;
      q.pool.cleanup(() => m.order.push('first'));
      q.pool.cleanup(() => m.order.push('second'));
      q.pool.cleanup(() => {
        m.order.push('throws');
        throw new Error('cleanup failure');
      });
      q.pool.cleanup(() => {
        m.order.push('last');
        // Registered while the pool is being destroyed: runs at once.
        q.pool.cleanup(() => m.order.push('late'));
      });
      r.end('lifo');
    };
    s.get('/chain/lifo', lifo('chain-lifo'));
    s.get('/fast/lifo', lifo('fast-lifo'));
    s.get('/plain', (_q, r) => r.end('plain'));
    s.get('/fast/late-cleanup', async (q, r) => {
      const m = rec('late-cleanup');
      r.end('late');
      await new Promise((x) => setTimeout(x, 5));
      q.pool.cleanup(() => m.cleanups++);
      m.handlerReturned = true;
    });
  });
});

test.after(async () => {
  current?.destroy();
  destroyAllSockets();
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function slowClientFileTest(kind: 'chain' | 'fast'): Promise<void> {
  recs.delete(kind);
  assert.equal(fdsOpenOn(bigFile), [], 'no descriptor on the file before the request');
  writtenBase = S.server.stats().bytesWritten;
  const client = new StreamClient(S.port, requestHead(`/${kind}/big`, { headers: { Connection: 'close' } }));
  current = client;
  client.pause(); // a slow client: its receive window fills and the writer must wait
  try {
    const m = rec(kind);
    await waitUntil(() => m.handlerReturned && S.server.stats().bytesWritten > writtenBase, 10000, () => JSON.stringify(m));

    // The handler is done, the response is not: the fd is open and the pool alive.
    const fds = fdsOpenOn(bigFile);
    assert.is(fds.length, 1, `one descriptor on the file while the client is slow: ${JSON.stringify(fds)}`);
    assert.ok(fs.readlinkSync(`/proc/self/fd/${fds[0]}`) === fs.realpathSync(bigFile));
    assert.is(m.cleanups, 0, 'no cleanup before the response is written');
    assert.not.ok(m.pool!.destroyed);
    const st = S.server.stats();
    assert.ok(st.bytesWritten - writtenBase < BIG, 'the writer is blocked, not finished');
    assert.is(st.poolsLive, 1);
    // Who owns the fd: the request pool on the chain path, the native writer on the fast path.
    assert.is(st.fileFdsOpen, kind === 'fast' ? 1 : 0);

    client.resume();
    await client.until(() => client.complete, 30000, 'the whole body');
    // Right after the last byte: the fd closes and the cleanup has run, once (polled, no sleep).
    await waitUntil(() => fdsOpenOn(bigFile).length === 0 && m.cleanups === 1, 5000, () => JSON.stringify({ fds: fdsOpenOn(bigFile), m }));
    assert.is(client.bodyLength, BIG);
    assert.is(client.digest(), bigSha, 'the body is the file');
    // The cleanup ran only once every byte of the response had been written to the socket.
    assert.is(m.writtenAtCleanup, client.received, 'bytes written when the cleanup ran = the whole response');
    assert.ok(m.clientAtCleanup > 0);
    assert.ok(m.pool!.destroyed);
    const after = S.server.stats();
    assert.is(after.poolsLive, 0);
    assert.is(after.fileFdsOpen, 0);
    // A cleanup registered on a destroyed pool runs at once.
    let late = 0;
    m.pool!.cleanup(() => late++);
    assert.is(late, 1);
    await client.until(() => client.ended, 5000, 'the close');
    assert.is(m.cleanups, 1, 'still exactly once');
  } finally {
    client.destroy();
    current = null;
  }
}

test('FILE bucket through a filter: fd (pool-owned) open while a slow client reads, closed right after the last byte', async () => {
  if (!haveProcFd) return;
  await slowClientFileTest('chain');
});

test('fast path sendFile: fd (writer-owned) open while a slow client reads, closed right after the last byte', async () => {
  if (!haveProcFd) return;
  await slowClientFileTest('fast');
});

for (const kind of ['chain', 'fast'] as const) {
  test(`client reset mid-file (${kind}): the pool is cleaned once, the fd closed`, async () => {
    recs.delete(`${kind}?abort`);
    const client = new StreamClient(S.port, requestHead(`/${kind}/big?abort`));
    try {
      await client.until(() => client.bodyReceived > 1024 * 1024, 10000, 'the first MiB');
      client.pause();
      const m = rec(`${kind}?abort`);
      await waitUntil(() => m.handlerReturned, 5000);
      assert.is(m.cleanups, 0);
      client.reset();
      await waitUntil(() => m.cleanups === 1 && S.server.stats().poolsLive === 0, 5000, () => JSON.stringify({ m, s: S.server.stats() }));
      if (haveProcFd) await waitUntil(() => fdsOpenOn(bigFile).length === 0, 5000, () => JSON.stringify(fdsOpenOn(bigFile)));
      assert.ok(client.bodyReceived < BIG);
      assert.is(S.server.stats().fileFdsOpen, 0);
      // The server goes on; the cleanup is not repeated.
      const ok = await request(S.port, '/plain');
      assert.is(ok.res.body.toString(), 'plain');
      assert.is(m.cleanups, 1);
    } finally {
      client.destroy();
    }
  });

  test(`client reset while the handler still streams (${kind}): cleanup once, the handler ends normally`, async () => {
    const key = `${kind}-stream`;
    recs.delete(key);
    const client = new StreamClient(S.port, requestHead(`/${kind}/stream`));
    try {
      await client.until(() => client.bodyReceived > 512 * 1024, 10000, 'some body');
      client.reset();
      const m = rec(key);
      await waitUntil(() => m.handlerReturned && m.cleanups === 1 && S.server.stats().poolsLive === 0, 10000, () => JSON.stringify({ m, s: S.server.stats() }));
      assert.is(m.cleanups, 1);
      assert.ok(m.pool!.destroyed);
    } finally {
      client.destroy();
    }
  });

  test(`cleanups run last-registered first, once each, also when one throws (${kind})`, async () => {
    const key = `${kind}-lifo`;
    recs.delete(key);
    await capturingWarnings(/cleanup threw/, async (warnings) => {
      const { res } = await request(S.port, `/${kind}/lifo`);
      assert.is(res.body.toString(), 'lifo');
      const m = rec(key);
      await waitUntil(() => m.order.length >= 5, 5000, () => JSON.stringify(m.order));
      assert.equal(m.order, ['last', 'late', 'throws', 'second', 'first']);
      assert.is(warnings.length, 1, 'the failing cleanup is reported once');
      assert.match(warnings[0]!, /cleanup failure/);
    });
  });
}

test('pools on a keep-alive connection: each response cleans its own pool once; responses without cleanups register none', async () => {
  const ka = await KeepAlive.open(S.port);
  try {
    await capturingWarnings(/cleanup threw/, async (warnings) => {
      for (let i = 0; i < 5; ++i) {
        for (const kind of ['chain', 'fast']) {
          recs.delete(`${kind}-lifo`);
          await ka.get(`/${kind}/lifo`);
          const m = rec(`${kind}-lifo`);
          await waitUntil(() => m.order.length === 5, 5000, () => JSON.stringify(m.order));
        }
        await ka.get('/plain');
        assert.is(S.server.stats().poolsLive, 0);
      }
      assert.is(warnings.length, 10);
    });
  } finally {
    ka.close();
  }
});

// A pool registers (gets an id) with its first cleanup; when that comes after end(), the
// EOR already left without an id and no EOR_DONE will name the pool. Such a cleanup must
// still run once (the response cannot hold anything registered after it ended), and the
// pool must not stay live until server.close().
test('a cleanup registered after end() still runs once and leaves no live pool', async () => {
  recs.delete('late-cleanup');
  const { res } = await request(S.port, '/fast/late-cleanup');
  assert.is(res.body.toString(), 'late');
  const m = rec('late-cleanup');
  await waitUntil(() => m.handlerReturned, 5000);
  await waitUntil(() => m.cleanups === 1 && S.server.stats().poolsLive === 0, 5000, () => JSON.stringify({ m, s: S.server.stats().poolsLive }));
});

test('poolsLive back to 0, no file descriptors left, no connections', async () => {
  await waitUntil(
    () => {
      const s = S.server.stats();
      return s.poolsLive === 0 && s.fileFdsOpen === 0 && s.connectionsOpen === 0 && s.requestsPending === 0;
    },
    5000,
    () => JSON.stringify(S.server.stats()),
  );
  if (haveProcFd) {
    assert.equal(fdsOpenOn(bigFile), []);
    assert.ok(fdCount() > 0);
  }
});

test.run();
