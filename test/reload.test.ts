// Graceful reload and shutdown: `brigade serve` reloaded five times with
// SIGHUP under a bounded load answers every request, and the reload takes
// effect; the programmatic hand-over (listen({ from }), handOver) keeps
// in-flight and just-arrived requests; SIGTERM lets a slow response finish and
// refuses new connections. Runs under whichever MPM BRIGADE_MPM names.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from '../src/index.js';
import { ReloadingServer } from '../src/cli/reload.js';
import { parseResponse } from './helpers/parse.js';
import { RawClient } from './helpers/raw.js';
import { sleep, start, stopAll, waitUntil } from './helpers/server.js';
import { startLoad } from './support/http-load.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const mainTs = path.join(repo, 'src', 'cli', 'main.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-reload-'));
const V1 = 'release one\n';
const V2 = 'release two, after the reload\n';
const BIG = 24 * 1024 * 1024;
for (const [dir, body] of [['v1', V1], ['v2', V2]] as const) {
  fs.mkdirSync(path.join(tmp, dir));
  fs.writeFileSync(path.join(tmp, dir, 'data.txt'), body);
}
fs.writeFileSync(path.join(tmp, 'v1', 'big.bin'), Buffer.alloc(BIG, 0x61));
const site = path.join(tmp, 'site');

function pointSiteAt(dir: string): void {
  // Atomic switch, as a deploy would do it: a new link renamed over the old.
  const next = `${site}.next`;
  fs.rmSync(next, { force: true });
  fs.symlinkSync(path.join(tmp, dir), next);
  fs.renameSync(next, site);
}

interface Cli {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves when the output has a line matching re (counting from the start). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

function startCli(): Promise<Cli> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainTs, 'serve', site, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: repo,
  });
  children.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      for (const l of listeners) l();
      resolve(code);
    }),
  );
  const waitFor = (re: RegExp, ms = 15000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (re.test(out)) {
          done();
          resolve();
        } else if (child.exitCode !== null) {
          done();
          reject(new Error(`exited (${child.exitCode}) without ${re}: ${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${re} within ${ms} ms: ${out}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return waitFor(/at http:\/\/127\.0\.0\.1:(\d+)/).then(() => ({
    child,
    port: Number(/at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]),
    output: () => out,
    waitFor,
    exited,
  }));
}

async function getOnce(port: number, p: string): Promise<{ status: number; body: string; connection: string }> {
  const c = await RawClient.open(port);
  try {
    await c.write(`GET ${p} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
    const raw = await c.readToEnd();
    const r = parseResponse(raw, 0, { eof: true })!;
    return { status: r.status, body: r.body.toString(), connection: r.headers['connection'] ?? '' };
  } finally {
    c.destroy();
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

async function waitRefused(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await refused(port))) {
    if (Date.now() > end) throw new Error(`port ${port} still accepts after ${ms} ms`);
    await sleep(20);
  }
}

const cli = suite(`reload: brigade serve (mpm ${process.env['BRIGADE_MPM'] ?? 'looper'})`);

cli.before.each(() => pointSiteAt('v1'));

cli.after(() => {
  for (const c of children) c.kill('SIGKILL');
});

cli('five SIGHUPs under load: every request answered, and the reload switches the release', async () => {
  const s = await startCli();
  try {
    const load = startLoad({
      port: s.port,
      path: '/data.txt',
      keepAliveClients: 6,
      oneShotClients: 2,
      accept: (body) => body === V1 || body === V2,
      maxRequests: 12000,
    });
    await load.progress(200);
    for (let i = 1; i <= 5; ++i) {
      if (i === 3) {
        pointSiteAt('v2');
        // The running server resolved the link when it was built: still release one.
        assert.is((await getOnce(s.port, '/data.txt')).body, V1);
      }
      s.child.kill('SIGHUP');
      await s.waitFor(new RegExp(`reload ${i} \\(SIGHUP\\): serving ${path.join(tmp, i >= 3 ? 'v2' : 'v1')}`));
      if (i === 3) assert.is((await getOnce(s.port, '/data.txt')).body, V2, 'a new connection after reload 3 sees release two');
      await load.progress(250);
    }
    const stats = await load.stop();
    assert.equal(stats.failures, [], `failed requests: ${stats.failures.slice(0, 5).join('; ')}`);
    assert.ok(stats.ok >= 1450, `answered ${stats.ok}`);
    assert.ok((stats.bodies.get(V1) ?? 0) > 0 && (stats.bodies.get(V2) ?? 0) > 0, 'both releases were served under load');
    // Keep-alive clients moved to the new servers through Connection: close.
    assert.ok(stats.reopened >= 6, `reopened ${stats.reopened}`);
    assert.is(s.output().match(/reload \d+ \(SIGHUP\)/g)?.length, 5);
    s.child.kill('SIGTERM');
    assert.is(await s.exited, 0);
  } finally {
    s.child.kill('SIGKILL');
  }
});

cli('SIGUSR2 reloads too; a reload that cannot build keeps the running server', async () => {
  const s = await startCli();
  try {
    pointSiteAt('missing');
    s.child.kill('SIGUSR2');
    await s.waitFor(/reload 1 \(SIGUSR2\) failed, still serving the previous configuration: directory not found/);
    assert.is((await getOnce(s.port, '/data.txt')).body, V1);
    pointSiteAt('v2');
    s.child.kill('SIGUSR2');
    await s.waitFor(/reload 2 \(SIGUSR2\): serving /);
    assert.is((await getOnce(s.port, '/data.txt')).body, V2);
    s.child.kill('SIGTERM');
    assert.is(await s.exited, 0);
  } finally {
    s.child.kill('SIGKILL');
  }
});

cli('SIGTERM during a slow download: the response completes, new connections are refused, exit 0', async () => {
  const s = await startCli();
  try {
    const sock = net.connect({ port: s.port, host: '127.0.0.1' });
    await new Promise((r) => sock.once('connect', r));
    sock.pause(); // a slow reader: the response stays in flight
    sock.write('GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(200);
    s.child.kill('SIGTERM');
    await s.waitFor(/shutting down/);
    await waitRefused(s.port, 5000);
    assert.ok(await refused(s.port), 'new connections are refused while the download drains');
    assert.is(s.child.exitCode, null, 'still draining the download');
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((r) => sock.once('close', r));
    sock.resume();
    await ended;
    const raw = Buffer.concat(chunks);
    const r = parseResponse(raw, 0, { eof: true })!;
    assert.is(r.status, 200);
    assert.is(r.body.length, BIG);
    assert.is(await s.exited, 0);
  } finally {
    s.child.kill('SIGKILL');
  }
});

// ---- the programmatic API ----

const api = suite(`reload: Server.handOver (mpm ${process.env['BRIGADE_MPM'] ?? 'looper'})`);
const owned = new Set<Server>();

api.after.each(async () => {
  await Promise.all([...owned].map((s) => s.close({ timeout: 1000 })));
  owned.clear();
  await stopAll();
});

function release(tag: string): Server {
  const s = createServer({ host: '127.0.0.1', port: 0 });
  s.get('/v', (_q, r) => r.end(tag));
  s.get('/slow', async (_q, r) => {
    await sleep(300);
    r.end(`${tag}-slow`);
  });
  owned.add(s);
  return s;
}

api('handOver: new connections reach the new server; in-flight and just-sent requests on the old one are answered with Connection: close', async () => {
  const { server: a, port } = await start((s) => {
    s.get('/v', (_q, r) => r.end('a'));
    s.get('/slow', async (_q, r) => {
      await sleep(300);
      r.end('a-slow');
    });
  });
  const idle = await RawClient.open(port);
  await idle.write('GET /v HTTP/1.1\r\nHost: t\r\n\r\n');
  const first = await idle.response();
  assert.is(first.body.toString(), 'a');
  const busy = await RawClient.open(port);
  await busy.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
  await sleep(50);

  const b = release('b');
  const done = a.handOver(b, { timeout: 5000, idleGrace: 1500 });
  await waitUntil(() => b.listening, 2000);
  assert.is(b.address.port, port, 'the new server listens on the same port');
  assert.is((await getOnce(port, '/v')).body, 'b');

  // A request that arrives on an old keep-alive connection during the drain.
  await idle.write('GET /v HTTP/1.1\r\nHost: t\r\n\r\n');
  const late = parseResponse(await idle.readToEnd(), 0, { eof: true })!;
  assert.is(late.body.toString(), 'a');
  assert.is(late.headers['connection'], 'close');

  const slow = parseResponse(await busy.readToEnd(), 0, { eof: true })!;
  assert.is(slow.body.toString(), 'a-slow');
  assert.is(slow.headers['connection'], 'close');

  await done;
  assert.is(a.listening, false);
  // The old server's close left the shared socket open: the new one still serves.
  assert.is((await getOnce(port, '/v')).body, 'b');
  idle.destroy();
  busy.destroy();
});

api('an idle keep-alive connection of the old server is closed after the grace, without a response', async () => {
  const a = release('a');
  const { port } = await a.listen();
  const idle = await RawClient.open(port);
  await idle.write('GET /v HTTP/1.1\r\nHost: t\r\n\r\n');
  const first = await idle.response();
  assert.is.not(first.headers['connection'], 'close');
  const b = release('b');
  await a.handOver(b, { idleGrace: 200, timeout: 5000 });
  const rest = await idle.readToEnd();
  assert.is(rest.length, 0, 'nothing after the first response');
  assert.is((await getOnce(port, '/v')).body, 'b');
  idle.destroy();
});

api('the last holder of the listening socket refuses new connections when it closes', async () => {
  const a = release('a');
  const { port } = await a.listen();
  const b = release('b');
  await a.handOver(b, { idleGrace: 50 });
  assert.is(await refused(port), false);
  await b.close();
  assert.ok(await refused(port), 'connections are refused after the last server closed');
});

api('listen({ from }) needs a listening server', async () => {
  const a = release('a');
  const b = release('b');
  let err: unknown;
  try {
    await b.listen({ from: a });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && /needs a server that is listening/.test(err.message), String(err));
  assert.is(b.listening, false);
});

api('ReloadingServer: a failed build keeps the running server; shutdown drains a slow request and refuses new connections', async () => {
  const log: string[] = [];
  let tag = 'one';
  let broken = false;
  const target = new ReloadingServer<string>({
    load: () => tag,
    build: (t) => {
      if (broken) throw new Error('config is broken');
      return { server: release(t), label: t };
    },
    log: (line) => log.push(line),
  });
  const { port } = await target.start(release('zero'));
  broken = true;
  await target.reload('test');
  assert.match(log.join('\n'), /reload 1 \(test\) failed, still serving the previous configuration: config is broken/);
  assert.is((await getOnce(port, '/v')).body, 'zero');
  broken = false;
  await target.reload('test');
  assert.match(log.join('\n'), /reload 2 \(test\): one/);
  assert.is((await getOnce(port, '/v')).body, 'one');
  tag = 'two';
  // Two signals during one reload fold into one more reload.
  const r1 = target.reload('a');
  void target.reload('b');
  void target.reload('c');
  await r1;
  await waitUntil(() => log.some((l) => /reload 4 \(c\): two/.test(l)), 3000);
  assert.not.ok(log.some((l) => /reload 5/.test(l)));

  const slow = await RawClient.open(port);
  await slow.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
  await sleep(50);
  const stopped = target.shutdown(5000);
  await waitRefused(port, 2000);
  const r = parseResponse(await slow.readToEnd(), 0, { eof: true })!;
  assert.is(r.body.toString(), 'two-slow');
  assert.is(r.headers['connection'], 'close');
  await stopped;
  assert.ok(await refused(port));
  slow.destroy();
});

api('servers replaced by a hand-over are garbage-collected (their rings and slabs with them)', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => ++collected);
  let current = release('r0');
  await current.listen();
  const rounds = 6;
  for (let i = 1; i <= rounds; ++i) {
    const next = release(`r${i}`);
    await current.handOver(next, { idleGrace: 10 });
    owned.delete(current);
    registry.register(current, i);
    current = next;
  }
  for (let i = 0; i < 20 && collected < rounds; ++i) {
    gc();
    await sleep(20);
  }
  // A stopped native server used to stay reachable from its doorbell callback.
  assert.is(collected, rounds, `${collected} of ${rounds} old servers collected`);
  assert.is((await getOnce(current.address.port, '/v')).body, `r${rounds}`);
});

cli.run();
api.run();
