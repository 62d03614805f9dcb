// res.drained(): a handler that writes a large body and awaits drained()
// between writes keeps the unsent bytes bounded while the client does not
// read, finishes the body byte for byte once it reads again, and is released
// (not left waiting) when the client goes away. Without the await, the loop
// would put the whole 96 MiB into slab memory at once: write() never waits.
import * as http from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compress, type Server } from '../src/index.js';
import { sleep, start, stopAll, waitUntil, within } from './helpers/server.js';

const test = suite('res.drained()');

const CHUNK = 256 * 1024;
const CHUNKS = 384; // 96 MiB
const chunk = Buffer.alloc(CHUNK, 'abcdefghijklmnopqrstuvwxyz0123456789\n');

interface Progress {
  written: number;
  maxInUse: number;
  done: boolean;
  aborted: boolean;
}

function streamer(server: Server, progress: Progress): void {
  server.get('/big', async (_req, res) => {
    res.setHeader('Content-Type', 'application/octet-stream');
    for (let i = 0; i < CHUNKS; i++) {
      if (res.aborted) {
        progress.aborted = true;
        return;
      }
      res.write(chunk);
      progress.written++;
      progress.maxInUse = Math.max(progress.maxInUse, server.stats().slabs.bytesInUse);
      await res.drained();
    }
    res.end();
    progress.done = true;
  });
}

test.after.each(async () => {
  await stopAll();
});

test('a paused client holds the writer back; resumed, it gets every byte', async () => {
  const progress: Progress = { written: 0, maxInUse: 0, done: false, aborted: false };
  const { server, port } = await start((s) => streamer(s, progress));
  let received = 0;
  let bad = false;
  const finished = new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/big' }, (res) => {
      res.pause();
      // Hold still long enough for a producer that does not wait to write it all.
      setTimeout(() => {
        const during = { ...progress };
        if (during.written >= CHUNKS) bad = true;
        res.on('data', (c: Buffer) => {
          if (c[0] === undefined || c.indexOf(0) >= 0) bad = true;
          received += c.length;
        });
        res.on('end', resolve);
        res.resume();
      }, 1500);
    });
    req.on('error', reject);
  });
  await within(finished, 60_000, 'the 96 MiB body');
  assert.not.ok(bad, 'the handler did not wait while the client was paused');
  assert.is(received, CHUNK * CHUNKS);
  assert.ok(progress.done);
  assert.ok(progress.maxInUse < 64 * 1024 * 1024, `unsent bytes peaked at ${progress.maxInUse}`);
  assert.ok(server.stats().slabs.bytesInUse < 64 * 1024 * 1024);
});

test('the client going away releases a handler waiting in drained()', async () => {
  const progress: Progress = { written: 0, maxInUse: 0, done: false, aborted: false };
  await start((s) => streamer(s, progress), { timeouts: { send: 60_000 } }).then(async ({ port }) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/big' }, (res) => {
      res.pause();
      setTimeout(() => req.destroy(), 800);
    });
    req.on('error', () => {});
    await waitUntil(() => progress.aborted || progress.done, 20_000, () => `written ${progress.written}`);
    assert.ok(progress.aborted, 'the loop saw res.aborted');
    assert.ok(progress.written < CHUNKS);
  });
});

test('through an output filter: drained() also waits for the chain', async () => {
  const progress: Progress = { written: 0, maxInUse: 0, done: false, aborted: false };
  const { port } = await start((s) => {
    // gzip of repetitive text: the chain (compress, then the writer) must keep up.
    s.filter(compress({ types: () => true }), { path: '/big' });
    streamer(s, progress);
  });
  const got = await within(
    new Promise<{ status: number; encoding: string | undefined; compressed: number }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/big', headers: { 'accept-encoding': 'gzip' } }, (res) => {
          let compressed = 0;
          res.on('data', (c: Buffer) => (compressed += c.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], compressed }));
        })
        .on('error', reject);
    }),
    120_000,
    'the gzipped body',
  );
  assert.is(got.status, 200);
  assert.is(got.encoding, 'gzip');
  assert.ok(got.compressed > 0 && got.compressed < CHUNK * CHUNKS);
  assert.ok(progress.done);
  await sleep(0);
});

test.run();
