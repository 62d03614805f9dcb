// Idle keep-alive memory, one MPM at a time, straight from the sources (tsx):
// starts a brigade server in a child process, opens N keep-alive connections
// with one request each (bench/lib/idle-conns.js), holds them idle and reports
// the server's RSS growth per held connection from /proc.
//
//   node bench/idle-rss.js [--mpm looper,event,worker,leader] [--conns 10000]
//                          [--threads 1024] [--workers N] [--static] [--warmup R]
// --warmup R: requests sent (pipelined, one connection) before the baseline is
// taken, so the bridge rings and slabs are already touched and what grows
// afterwards is what the held connections cost (default 20000).
// --static: the request is a small file through server.static() (as in
// `npm run bench`'s idle workload) instead of a handler.
//
// Needs `ulimit -n` above conns + a few hundred (both ends run on this machine).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values } = parseArgs({
  options: {
    mpm: { type: 'string', default: 'looper,event' },
    conns: { type: 'string', default: '10000' },
    threads: { type: 'string', default: '1024' },
    workers: { type: 'string' },
    static: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '20000' },
  },
});

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
}

function lines(child, onLine) {
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function waitLine(child, prefix, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${prefix}" line within ${ms} ms`)), ms);
    lines(child, (l) => {
      if (l.startsWith(prefix)) {
        clearTimeout(t);
        resolve(l.slice(prefix.length));
      }
    });
  });
}

const target = values.static ? '/hello.txt' : '/plaintext';

async function get(port) {
  const res = await fetch(`http://127.0.0.1:${port}${target}`);
  await res.text();
  return res.status;
}

// R requests pipelined 50 at a time on one keep-alive connection.
function warm(port, total) {
  return new Promise((resolve, reject) => {
    const batch = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(50));
    const s = net.connect({ host: '127.0.0.1', port });
    let sent = 0;
    let seen = 0;
    const next = () => {
      if (sent >= total) return s.end();
      sent += 50;
      s.write(batch);
    };
    s.on('connect', next);
    s.setEncoding('latin1').on('data', (d) => {
      const before = Math.floor(seen / 50);
      seen += d.split('HTTP/1.1 200').length - 1;
      if (Math.floor(seen / 50) > before) next();
    });
    s.on('close', resolve);
    s.on('error', reject);
  });
}

async function measure(mpm, n) {
  const env = { ...process.env, IDLE_STATIC: values.static ? '1' : '', IDLE_MPM: mpm, IDLE_THREADS: values.threads, IDLE_WORKERS: values.workers ?? '' };
  const server = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    cwd: root, env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const heap = () => new Promise((resolve) => {
    server.once('message', resolve);
    server.send('heap');
  });
  try {
    const port = Number(await waitLine(server, 'READY ', 20000));
    for (let i = 0; i < 20; i++) await get(port);
    await warm(port, Number(values.warmup));
    await delay(500);
    // Samples are taken right after a full GC so that JS garbage left from
    // the requests (V8 sizing its heap to the burst) does not read as a
    // per-connection cost; the raw growth is printed too.
    const rawBefore = rssKiB(server.pid);
    await heap();
    const before = rssKiB(server.pid);
    const client = spawn(process.execPath, [path.join(here, 'lib', 'idle-conns.js'), JSON.stringify({ port, path: target, n, deadlineMs: 30000 })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const held = JSON.parse(await waitLine(client, 'HELD ', 40000));
    await delay(1000);
    const rawDuring = rssKiB(server.pid);
    const heapDuring = await heap();
    const during = rssKiB(server.pid);
    const fresh = await get(port);
    client.stdin.end();
    await new Promise((r) => client.once('exit', r));
    const perConn = (during - before) / held.answered;
    console.log(
      `${mpm.padEnd(7)} ${held.answered}/${n} held: RSS ${(before / 1024).toFixed(1)} -> ${(during / 1024).toFixed(1)} MiB = ` +
        `${perConn.toFixed(2)} KiB/conn (raw, no GC: ${((rawDuring - rawBefore) / held.answered).toFixed(2)}); fresh request ${fresh}; ` +
        `JS heap used ${(heapDuring.heapBefore / 1048576).toFixed(1)} -> ${(heapDuring.heapAfter / 1048576).toFixed(1)} MiB by the GC`,
    );
  } finally {
    server.kill('SIGTERM');
  }
}

async function serve() {
  const { createServer } = await import('../src/index.ts');
  const mpm = process.env.IDLE_MPM;
  const options = { host: '127.0.0.1', port: 0, mpm, timeouts: { keepAlive: 60000 }, limits: { maxConnections: 19000 } };
  if (mpm === 'worker' || mpm === 'leader') options.threads = Number(process.env.IDLE_THREADS);
  if (process.env.IDLE_WORKERS) options.workers = Number(process.env.IDLE_WORKERS);
  const server = createServer(options);
  server.get('/plaintext', (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end('Hello, World!');
  });
  if (process.env.IDLE_STATIC) {
    const dir = mkdtempSync(path.join(tmpdir(), 'idle-rss-'));
    writeFileSync(path.join(dir, 'hello.txt'), 'Hello, World!\n');
    server.static('/', dir);
  }
  // Diagnostic: how much of the growth is JS garbage not yet collected.
  process.on('message', () => {
    const m = process.memoryUsage();
    globalThis.gc?.();
    process.send({ heapBefore: m.heapUsed, heapAfter: process.memoryUsage().heapUsed, heapTotal: m.heapTotal, external: m.external });
  });
  process.on('SIGTERM', () => {
    setTimeout(() => process.exit(0), 2000).unref();
    server.close({ timeout: 500 }).finally(() => process.exit(0));
  });
  const addr = await server.listen();
  console.log(`READY ${addr.port}`);
}

if (values.serve) {
  await serve();
} else {
  for (const mpm of values.mpm.split(',')) await measure(mpm, Number(values.conns));
}
