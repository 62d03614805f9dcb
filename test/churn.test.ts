// 10,000 requests of every kind against one server, 32 at a time: keep-alive
// sequences (small, 256 KiB, files, pool cleanups; half through a filter),
// pipelined bursts of 10, clients that reset mid-body, and a server.close()
// while requests are still in flight. Afterwards everything is back at the
// baseline: process descriptors, connections, file fds, pools, slabs — and
// every pool cleanup that was registered ran exactly once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Handler, Request, ServerStats } from '../src/index.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { start, stopAll, waitUntil, within, type Running } from './helpers/server.js';
import { passThrough } from './support/filters.js';
import { requestHead } from './support/http.js';
import { fdCount, haveProcFd, laneCount } from './support/proc.js';
import { StreamClient } from './support/stream-client.js';

const TOTAL = 10_000;
const CONCURRENCY = 32;
const FINAL_SLOW = 16; // in flight at close(), finish gracefully
const FINAL_STUCK = 16; // in flight at close(), never read: aborted by close()'s timeout

const test = suite('churn');

let dir = '';
let fileSmall = '';
let fileBig = '';
const BIG_BODY = Buffer.alloc(256 * 1024);
for (let i = 0; i < BIG_BODY.length; ++i) BIG_BODY[i] = (i * 7 + 3) & 0xff;
const FILE_SMALL = Buffer.alloc(48 * 1024, 0x46);
const FILE_BIG_SIZE = 8 * 1024 * 1024;

// Pool cleanups: ids registered, and how often each ran.
let registered = 0;
const ran = new Map<number, number>();
let handled = 0;

function withCleanups(req: Request, n: number): void {
  for (let k = 0; k < n; ++k) {
    const id = ++registered;
    req.pool.cleanup(() => ran.set(id, (ran.get(id) ?? 0) + 1));
  }
}

const counted = (h: Handler): Handler => (req, res) => {
  handled++;
  return h(req, res);
};

const routes: Record<string, Handler> = {
  small: (_q, r) => r.setHeader('Content-Type', 'text/plain').end('small ok'),
  big: (_q, r) => r.setHeader('Content-Type', 'application/octet-stream').end(BIG_BODY),
  pool: (q, r) => {
    withCleanups(q, 2);
    r.setHeader('Content-Type', 'text/plain');
    r.write('pool ');
    r.end('ok');
  },
  file: (q, r) => {
    withCleanups(q, 1);
    return r.sendFile(fileSmall);
  },
  // For resets: large bodies that are still streaming when the client goes.
  stream: async (q, r) => {
    withCleanups(q, 1);
    const chunk = BIG_BODY.subarray(0, 64 * 1024);
    for (let i = 0; i < 64 && !r.aborted; ++i) {
      r.write(chunk);
      await new Promise((x) => setImmediate(x));
    }
    r.end();
  },
  bigfile: (q, r) => {
    withCleanups(q, 1);
    return r.sendFile(fileBig);
  },
  slow: async (q, r) => {
    withCleanups(q, 1);
    await new Promise((x) => setTimeout(x, 150));
    r.end('slow ok');
  },
};

function expectBody(name: string, body: Buffer): void {
  switch (name) {
    case 'small':
      assert.is(body.toString(), 'small ok');
      break;
    case 'big':
      if (!body.equals(BIG_BODY)) assert.unreachable(`256 KiB body differs (${body.length} bytes)`);
      break;
    case 'pool':
      assert.is(body.toString(), 'pool ok');
      break;
    case 'file':
      if (!body.equals(FILE_SMALL)) assert.unreachable(`file body differs (${body.length} bytes)`);
      break;
    default:
      assert.unreachable(name);
  }
}

/** A random completed-request route, through the filter (/f/...) half of the time. */
function pick(): { url: string; name: string } {
  const x = Math.random();
  const name = x < 0.45 ? 'small' : x < 0.6 ? 'big' : x < 0.85 ? 'pool' : 'file';
  return { url: `${Math.random() < 0.5 ? '/f' : ''}/${name}`, name };
}

// Budget of requests, shared by the workers.
let budget = 0;
function take(n: number): number {
  const k = Math.min(n, budget);
  budget -= k;
  return k;
}
const tally = { keepAlive: 0, pipelined: 0, resets: 0, final: 0, connections: 0 };

async function keepAliveSequence(port: number, n: number): Promise<void> {
  const c = await RawClient.open(port);
  tally.connections++;
  try {
    for (let i = 0; i < n; ++i) {
      const { url, name } = pick();
      const last = i === n - 1 && Math.random() < 0.5;
      await c.write(requestHead(url, last ? { headers: { Connection: 'close' } } : {}));
      const res = await c.response({ timeout: 10000 });
      assert.is(res.status, 200, url);
      expectBody(name, res.body);
      tally.keepAlive++;
      if (last) await c.waitEnd(10000);
    }
  } finally {
    c.destroy();
  }
}

async function pipelinedBurst(port: number, n: number): Promise<void> {
  const c = await RawClient.open(port);
  tally.connections++;
  try {
    const picks = Array.from({ length: n }, pick);
    await c.write(picks.map((p) => requestHead(p.url)).join(''));
    const all = await c.responses(n, { timeout: 15000 });
    all.forEach((res, i) => {
      assert.is(res.status, 200);
      expectBody(picks[i]!.name, res.body);
    });
    tally.pipelined += n;
  } finally {
    c.destroy();
  }
}

async function resetMidBody(port: number): Promise<void> {
  const route = Math.random() < 0.5 ? 'stream' : 'bigfile';
  const url = `${Math.random() < 0.5 ? '/f' : ''}/${route}`;
  const c = new StreamClient(port, requestHead(url));
  tally.connections++;
  try {
    await c.until(() => c.bodyReceived >= 64 * 1024, 10000, `${url}: the first 64 KiB`);
    c.reset();
    tally.resets++;
  } finally {
    c.destroy();
  }
}

async function worker(port: number): Promise<void> {
  for (;;) {
    const x = Math.random();
    if (x < 0.25) {
      if (take(1) === 0) return;
      await resetMidBody(port);
    } else if (x < 0.45) {
      const n = take(10);
      if (n === 0) return;
      await pipelinedBurst(port, n);
    } else {
      const n = take(1 + Math.floor(Math.random() * 30));
      if (n === 0) return;
      await keepAliveSequence(port, n);
    }
  }
}

function brief(s: ServerStats): string {
  return JSON.stringify({
    connectionsOpen: s.connectionsOpen,
    fileFdsOpen: s.fileFdsOpen,
    poolsLive: s.poolsLive,
    requestsPending: s.requestsPending,
    slabsInUse: s.slabs.slabsInUse,
    fds: haveProcFd ? fdCount() : -1,
  });
}

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-churn-'));
  fileSmall = path.join(dir, 'small.bin');
  fileBig = path.join(dir, 'big.bin');
  fs.writeFileSync(fileSmall, FILE_SMALL);
  fs.writeFileSync(fileBig, Buffer.alloc(FILE_BIG_SIZE, 0x42));
});

test.after(async () => {
  destroyAllSockets();
  await stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('10,000 requests: completions, resets, pipelining, close() in flight; then everything back at the baseline', async () => {
  const t0 = Date.now();
  // Descriptors before the server exists (settled: earlier tests may still be closing sockets).
  let fdBase = haveProcFd ? fdCount() : -1;
  if (haveProcFd) {
    await waitUntil(
      () => {
        const n = fdCount();
        const stable = n === fdBase;
        fdBase = n;
        return stable;
      },
      5000,
    );
  }

  let S: Running | null = await start((s) => {
    s.filter(passThrough('churn-pass'), { path: '/f' });
    for (const [name, h] of Object.entries(routes)) {
      s.get(`/${name}`, counted(h));
      s.get(`/f/${name}`, counted(h));
    }
  });
  const port = S.port;

  // ---- the mix, 32 at a time ----
  budget = TOTAL - FINAL_SLOW - FINAL_STUCK;
  await within(Promise.all(Array.from({ length: CONCURRENCY }, () => worker(port))), 50000, 'the request mix');
  const mixed = tally.keepAlive + tally.pipelined + tally.resets;
  assert.is(mixed, TOTAL - FINAL_SLOW - FINAL_STUCK);
  assert.ok(tally.resets > 0 && tally.pipelined > 0 && tally.keepAlive > 0, JSON.stringify(tally));

  // ---- idle: nothing may be left but each lane's current slab ----
  const lanes = laneCount(S.server);
  await waitUntil(
    () => {
      const s = S!.server.stats();
      return s.connectionsOpen === 0 && s.fileFdsOpen === 0 && s.poolsLive === 0 && s.requestsPending === 0 && s.slabs.slabsInUse <= lanes;
    },
    10000,
    () => `${brief(S!.server.stats())} lanes ${lanes}`,
  );
  assert.is(handled, TOTAL - FINAL_SLOW - FINAL_STUCK, 'every request reached a handler once');
  for (let id = 1; id <= registered; ++id) assert.is(ran.get(id), 1, `cleanup ${id} ran once`);

  // ---- close() while requests are in flight ----
  const slow = Array.from({ length: FINAL_SLOW }, async (_, i) => {
    const c = await RawClient.open(port);
    try {
      await c.write(requestHead(i % 2 ? '/f/slow' : '/slow'));
      const res = await c.response({ timeout: 10000 });
      assert.is(res.status, 200);
      assert.is(res.body.toString(), 'slow ok');
      assert.match(res.headers['connection'] ?? '', /close/, 'responses during shutdown close their connection');
      await c.waitEnd(10000);
    } finally {
      c.destroy();
    }
  });
  const stuck = Array.from({ length: FINAL_STUCK }, (_, i) => {
    const c = new StreamClient(port, requestHead(i % 2 ? '/f/bigfile' : '/bigfile'));
    c.pause(); // never reads: the response cannot finish before close()'s timeout
    return c;
  });
  await waitUntil(() => handled === TOTAL, 10000, () => `handled ${handled}`);
  tally.final = FINAL_SLOW + FINAL_STUCK;
  const before = S.server.stats();
  assert.ok(before.requestsPending + before.poolsLive > 0, 'requests are in flight when close() starts');
  await within(S.server.close({ timeout: 1500 }), 10000, 'server.close()');
  await within(Promise.all(slow), 10000, 'the slow requests');
  for (const c of stuck) {
    c.resume(); // read what the kernel holds, then see the server's close
    await c.until(() => c.ended, 10000, 'the aborted connection');
    assert.ok(!c.complete, 'an aborted response is not complete');
    c.destroy();
  }
  const server = S.server;
  S = null;

  // ---- back at the baseline ----
  assert.is(tally.keepAlive + tally.pipelined + tally.resets + tally.final, TOTAL);
  assert.is(handled, TOTAL);
  const after = server.stats();
  assert.is(after.poolsLive, 0, 'no pool outlives close()');
  assert.is(after.connectionsOpen, 0);
  assert.is(after.fileFdsOpen, 0);
  assert.is(after.requestsPending, 0);
  for (let id = 1; id <= registered; ++id) assert.is(ran.get(id), 1, `cleanup ${id} ran once`);
  assert.is(ran.size, registered, 'no cleanup ran that was not registered');
  if (haveProcFd) {
    await waitUntil(() => fdCount() <= fdBase, 5000, () => `fds ${fdCount()} vs baseline ${fdBase}`);
    assert.ok(fdCount() <= fdBase);
  }
  const secs = (Date.now() - t0) / 1000;
  assert.ok(secs < 60, `took ${secs} s`);
  // Not a timing assertion, a record of the run.
  console.log(`    churn: ${TOTAL} requests in ${secs.toFixed(1)} s, ${JSON.stringify(tally)}, cleanups ${registered}`);
});

test.run();


