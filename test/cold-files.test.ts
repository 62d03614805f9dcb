// Files that are not in the page cache: in the event and looper MPMs the
// thread that runs the loop must not wait for the disk — ranges that are not
// cached are read by a small pool first (stats().fileReadsOffloaded counts
// them) — and the bytes must be exact whichever way they went. The worker and
// leader MPMs send them directly (a thread per connection may block).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { start, stopAll, type Running } from './helpers/server.js';
import { toolEnv } from './helpers/sanitizer.js';

const test = suite('files not in the page cache');
const SIZE = 6 * 1024 * 1024 + 12345; // several pool windows, and a partial last one

let dir = '';
let srv: Running;
const files: { name: string; sha: string }[] = [];
// tmpfs has no disk behind it: nothing can be evicted there, so nothing is offloaded.
let evictable = false;

/** Bytes of the file in the page cache (util-linux fincore); -1 when that cannot be told. */
function resident(file: string): number {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { env: toolEnv() });
  const n = Number(r.stdout?.toString().trim());
  return r.status === 0 && Number.isFinite(n) ? n : -1;
}

/**
 * Drops the file's pages from the page cache (POSIX_FADV_DONTNEED through
 * dd's nocache flag). The kernel may keep some (pages still under writeback,
 * a busy machine's readahead): it tries three times and says whether the file
 * is out of the cache now, as far as fincore can tell.
 */
function evict(file: string): boolean {
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { env: toolEnv() });
    assert.is(r.status, 0, `dd nocache: ${r.stderr?.toString()}`);
    const left = resident(file);
    if (left === 0) return true;
    if (left < 0) return true; // no fincore: trust the advice
  }
  return false;
}

function fetchSha(p: string): Promise<{ status: number; sha: string; length: number }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: srv.port, path: p, agent: false }, (res) => {
        const h = createHash('sha256');
        let length = 0;
        res.on('data', (d: Buffer) => {
          h.update(d);
          length += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha: h.digest('hex'), length }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-cold-'));
  const fsType = spawnSync('stat', ['-f', '-c', '%T', dir]).stdout?.toString().trim() ?? '';
  evictable = fsType !== 'tmpfs' && fsType !== 'ramfs';
  for (const name of ['a.bin', 'b.bin']) {
    const data = randomBytes(SIZE);
    const file = path.join(dir, name);
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, data);
    fs.fsyncSync(fd); // dirty pages cannot be dropped
    fs.closeSync(fd);
    files.push({ name, sha: createHash('sha256').update(data).digest('hex') });
  }
  srv = await start((s) => {
    s.get('/file/:name', (q, r) => r.sendFile(path.join(dir, q.params['name']!)));
  });
});

test.after(async () => {
  await stopAll();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('an evicted file is sent exactly', async () => {
  // Up to three tries: the page cache is shared with the rest of the machine
  // (readahead, another reader) and may hold the file again by the time the
  // writer probes it. Every try must send exact bytes; one offloaded read is
  // enough to show the pool is used.
  const mpm = process.env['BRIGADE_MPM'] ?? 'looper';
  let offloaded = 0;
  let cold = false;
  for (let attempt = 0; attempt < 3 && offloaded === 0; attempt++) {
    const before = srv.server.stats().fileReadsOffloaded;
    cold = evict(path.join(dir, 'a.bin'));
    const r = await fetchSha('/file/a.bin');
    assert.is(r.status, 200);
    assert.is(r.length, SIZE);
    assert.is(r.sha, files[0]!.sha);
    offloaded = srv.server.stats().fileReadsOffloaded - before;
    if (mpm === 'worker' || mpm === 'leader') break;
  }
  if (mpm === 'worker' || mpm === 'leader') {
    assert.is(offloaded, 0, 'thread-per-connection MPMs have no read pool');
  } else if (evictable && cold) {
    assert.ok(offloaded > 0, 'the cold ranges were read in the pool (in one of three tries)');
  } else {
    console.log('  (the kernel kept a.bin cached: the offload count is not checked this time)');
  }
});

test('two evicted files at once, and the same file again when cached: exact bytes, nothing left open', async () => {
  for (const f of files) evict(path.join(dir, f.name));
  const rs = await Promise.all(files.map((f) => fetchSha(`/file/${f.name}`)));
  rs.forEach((r, i) => {
    assert.is(r.status, 200);
    assert.is(r.sha, files[i]!.sha);
  });
  const before = srv.server.stats().fileReadsOffloaded;
  const again = await fetchSha('/file/a.bin');
  assert.is(again.sha, files[0]!.sha);
  assert.is(srv.server.stats().fileReadsOffloaded - before, 0, 'cached data is sent without the pool');
  assert.is(srv.server.stats().fileFdsOpen, 0);
});

test('a small cold file (under the 64 KiB probe threshold) is sent exactly, without the pool', async () => {
  const data = randomBytes(20 * 1024);
  const file = path.join(dir, 'small.bin');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, data);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  evict(file);
  const before = srv.server.stats().fileReadsOffloaded;
  const r = await fetchSha('/file/small.bin');
  assert.is(r.status, 200);
  assert.is(r.sha, createHash('sha256').update(data).digest('hex'));
  assert.is(srv.server.stats().fileReadsOffloaded - before, 0);
});

test.run();
