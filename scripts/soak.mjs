#!/usr/bin/env node
// Soak: runs brigade (scripts/soak-server.ts) under a bounded mixed load for a
// few minutes and checks that nothing leaks and nothing crashes.
//
//   npm run soak -- [--minutes N] [--quick] [--reload-every S] [--json FILE]
//
// The load mixes keep-alive and new connections, pipelined requests, static
// files with Range, request bodies (some over the limit: 413), clients that
// half-close, reset mid-request or mid-response, never read (send timeout),
// slowloris heads (408), handlers that throw, reject or never answer (500,
// 503), and a SIGHUP reload every few seconds. Every 10 s (2 s in --quick) it
// prints RSS, open fds, slab bytes, connections and request/error counts.
// At the end it stops the load and judges:
//   - crash: the server must still run, then exit 0 on SIGTERM;
//   - fd leak: once the load stopped and old servers drained, the fd count
//     must come back to what it was before the load (+2);
//   - flatness (not in --quick): RSS and fds of the last third of the samples
//     must not exceed the first third's by more than 10 % + 8 MB (RSS) / 8 (fds)
//     (a reload that leaked one server's rings, ~5 MB, failed this at 2 minutes);
//   - unexpected answers: every request must get the answer its kind expects.
// Exits 1 when any check fails.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    'reload-every': { type: 'string' },
    json: { type: 'string' },
  },
});
const quick = args.quick;
const durationMs = quick ? 20_000 : Math.max(0.25, Math.min(Number(args.minutes) || 2, 120)) * 60_000;
const sampleMs = quick ? 2_000 : 10_000;
const reloadMs = (Number(args['reload-every']) || (quick ? 4 : 15)) * 1000;
const BODY_LIMIT = 64 * 1024;
const BIG = 8 * 1024 * 1024;

// ---- static files ----
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-soak-'));
const pattern = (start, len) => {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; ++i) b[i] = (start + i) % 251;
  return b;
};
fs.writeFileSync(path.join(dir, 'big.bin'), pattern(0, BIG));
fs.writeFileSync(path.join(dir, 'small.txt'), 'small file\n');

// ---- the server ----
const server = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', path.join(repo, 'scripts', 'soak-server.ts'), dir], {
  cwd: repo,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverExit = null;
const serverExited = new Promise((resolve) =>
  server.on('exit', (code, signal) => {
    serverExit = { code, signal };
    resolve(serverExit);
  }),
);
let serverOut = '';
server.stderr.on('data', (d) => process.stderr.write(`server: ${d}`));
const port = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`server did not start: ${serverOut}`)), 20_000);
  server.stdout.on('data', (d) => {
    serverOut += d;
    const m = /soak-server listening (\d+)/.exec(serverOut);
    if (m) {
      clearTimeout(t);
      resolve(Number(m[1]));
    }
  });
  serverExited.then(() => reject(new Error(`server exited: ${serverOut}`)));
});

// ---- counters ----
const count = { requests: 0, unexpected: 0 };
const outcomes = new Map(); // kind -> count of expected outcomes
const unexpectedSamples = [];
const expect = (kind) => outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
function unexpected(kind, why) {
  ++count.unexpected;
  if (unexpectedSamples.length < 20) unexpectedSamples.push(`${kind}: ${why}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let running = true;

// ---- a minimal response reader over a raw socket ----
function connect(opts = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.halfOpen ?? false });
    s.setNoDelay(true);
    s.once('connect', () => resolve(new Conn(s)));
    s.once('error', reject);
  });
}

class Conn {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.ended = null;
    this.waiter = null;
    socket.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.pump();
    });
    socket.on('error', (e) => this.end(e.code ?? e.message));
    socket.on('end', () => this.end('EOF'));
    socket.on('close', () => this.end('closed'));
  }
  end(why) {
    this.ended ??= why;
    this.pump();
  }
  write(data) {
    if (!this.ended) this.socket.write(data);
  }
  // The next response: { status, headers, body } or null when the connection ended first.
  response(timeout = 10_000, head = false) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error('response timeout'));
      }, timeout);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.head = head;
      this.pump();
    });
  }
  pump() {
    if (!this.waiter) return;
    const r = parse(this.buf, this.head);
    if (r || this.ended) {
      const w = this.waiter;
      this.waiter = null;
      if (r) this.buf = this.buf.subarray(r.size);
      w(r);
    }
  }
  closed(timeout = 10_000) {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeout);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
  destroy() {
    this.socket.destroy();
  }
  reset() {
    this.socket.resetAndDestroy();
  }
}

// Content-Length and chunked bodies are all brigade sends to these requests.
function parse(buf, noBody) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let p = end + 4;
  if (noBody) return { status, headers, body: Buffer.alloc(0), size: p };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', p);
      if (le < 0) return null;
      const n = parseInt(buf.subarray(p, le).toString('latin1'), 16);
      if (buf.length < le + 2 + n + 2) return null;
      parts.push(buf.subarray(le + 2, le + 2 + n));
      p = le + 2 + n + 2;
      if (n === 0) return { status, headers, body: Buffer.concat(parts), size: p };
    }
  }
  const n = Number(headers['content-length'] ?? 0);
  if (buf.length < p + n) return null;
  return { status, headers, body: buf.subarray(p, p + n), size: p + n };
}

const wantsClose = (r) => /\bclose\b/i.test(r.headers['connection'] ?? '');

// ---- the clients ----
async function keepAliveClient() {
  while (running) {
    let c;
    try {
      c = await connect();
    } catch (e) {
      unexpected('keep-alive', `connect ${e.code}`);
      await sleep(100);
      continue;
    }
    for (;;) {
      if (!running) return c.destroy();
      c.write('GET /hello HTTP/1.1\r\nHost: soak\r\n\r\n');
      ++count.requests;
      let r;
      try {
        r = await c.response();
      } catch (e) {
        unexpected('keep-alive', e.message);
        c.destroy();
        break;
      }
      if (!r) {
        unexpected('keep-alive', `connection ${c.ended} before a response`);
        break;
      }
      if (r.status !== 200 || r.body.toString() !== 'hello') unexpected('keep-alive', `status ${r.status}`);
      else expect('keep-alive 200');
      if (wantsClose(r)) {
        expect('keep-alive moved on by Connection: close');
        await c.closed();
        break;
      }
      await sleep(4);
    }
  }
}

async function newConnectionClient() {
  while (running) {
    ++count.requests;
    try {
      const c = await connect();
      c.write('GET /hello HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n');
      const r = await c.response();
      if (!r || r.status !== 200) unexpected('new connection', r ? `status ${r.status}` : `ended ${c.ended}`);
      else expect('new connection 200');
      c.destroy();
    } catch (e) {
      unexpected('new connection', e.code ?? e.message);
    }
    await sleep(4);
  }
}

async function pipelinedClient() {
  while (running) {
    let c;
    try {
      c = await connect();
    } catch (e) {
      unexpected('pipelined', `connect ${e.code}`);
      continue;
    }
    const n = 8;
    c.write('GET /hello HTTP/1.1\r\nHost: soak\r\n\r\n'.repeat(n));
    count.requests += n;
    for (let i = 0; i < n; ++i) {
      let r;
      try {
        r = await c.response();
      } catch (e) {
        unexpected('pipelined', e.message);
        break;
      }
      if (!r) {
        unexpected('pipelined', `ended ${c.ended} after ${i} of ${n} responses`);
        break;
      }
      if (r.status !== 200) unexpected('pipelined', `status ${r.status}`);
      else expect('pipelined 200');
      if (wantsClose(r)) {
        // A reload drained this connection: the rest were never read and are the client's to retry.
        expect('pipelined cut short by Connection: close');
        break;
      }
    }
    c.destroy();
    await sleep(10);
  }
}

async function rangeClient() {
  while (running) {
    const a = Math.floor(Math.random() * (BIG - 70_000));
    const b = a + Math.floor(Math.random() * 65_536);
    ++count.requests;
    try {
      const c = await connect();
      c.write(`GET /static/big.bin HTTP/1.1\r\nHost: soak\r\nRange: bytes=${a}-${b}\r\nConnection: close\r\n\r\n`);
      const r = await c.response();
      if (!r || r.status !== 206) unexpected('range', r ? `status ${r.status}` : `ended ${c.ended}`);
      else if (!r.body.equals(pattern(a, b - a + 1))) unexpected('range', 'wrong bytes');
      else expect('range 206');
      c.destroy();
    } catch (e) {
      unexpected('range', e.code ?? e.message);
    }
    await sleep(10);
  }
}

async function bodyClient() {
  while (running) {
    const over = Math.random() < 0.2;
    const n = over ? BODY_LIMIT + 1 + Math.floor(Math.random() * 32_768) : Math.floor(Math.random() * BODY_LIMIT);
    ++count.requests;
    try {
      const c = await connect();
      c.write(`POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`);
      c.write(Buffer.alloc(n, 0x62));
      const r = await c.response();
      if (!r) unexpected('body', `ended ${c.ended}`);
      else if (over && r.status === 413) expect('body 413');
      else if (!over && r.status === 200 && r.body.toString() === String(n)) expect('body 200');
      else unexpected('body', `status ${r.status} for ${n} bytes`);
      c.destroy();
    } catch (e) {
      unexpected('body', e.code ?? e.message);
    }
    await sleep(10);
  }
}

// Quick abuses, one after another.
async function abuser() {
  const cases = [
    ['throw', 500],
    ['reject', 500],
    ['hang', 503],
  ];
  while (running) {
    for (const [what, status] of cases) {
      ++count.requests;
      try {
        const c = await connect();
        c.write(`GET /${what} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`);
        const r = await c.response();
        if (r && r.status === status) expect(`${what} ${status}`);
        else unexpected(what, r ? `status ${r.status}` : `ended ${c.ended}`);
        c.destroy();
      } catch (e) {
        unexpected(what, e.code ?? e.message);
      }
    }
    try {
      // Half-close after a complete request: answered, then closed.
      const c = await connect({ halfOpen: true });
      c.write('GET /hello HTTP/1.1\r\nHost: soak\r\n\r\n');
      c.socket.end();
      ++count.requests;
      const r = await c.response();
      if (r && r.status === 200 && (await c.closed())) expect('half-close answered');
      else unexpected('half-close', r ? `status ${r.status}` : `ended ${c.ended}`);
      c.destroy();
      // Reset in the middle of a request head.
      const m = await connect();
      m.write('GET /hello HTTP/1.1\r\nHost: so');
      await sleep(5);
      m.reset();
      expect('reset mid-request');
      // Reset in the middle of a response.
      const d = await connect();
      d.write('GET /static/big.bin HTTP/1.1\r\nHost: soak\r\n\r\n');
      ++count.requests;
      await new Promise((resolve) => {
        d.socket.once('data', resolve);
        setTimeout(resolve, 2000);
      });
      d.reset();
      expect('reset mid-response');
    } catch (e) {
      unexpected('abuse', e.code ?? e.message);
    }
    await sleep(20);
  }
}

// Slow abuses: a client that never reads a big response (send timeout) and a
// slowloris head (header timeout → 408).
async function slowAbuser() {
  while (running) {
    try {
      const c = await connect();
      c.socket.pause();
      c.write('GET /static/big.bin HTTP/1.1\r\nHost: soak\r\n\r\n');
      ++count.requests;
      await sleep(2500); // > the 1 s send timeout: the server has given up by now
      c.destroy();
      expect('never-read dropped');
      const s = await connect();
      s.write('GET /hello HTTP/1.1\r\n');
      ++count.requests;
      const header = 'X-Slow: 1234567890\r\n';
      let i = 0;
      while (!s.ended && i < 40) {
        s.write(header[i++ % header.length]);
        await sleep(100);
      }
      const r = s.ended ? await s.response(1000).catch(() => null) : null;
      if (r && r.status === 408) expect('slowloris 408');
      else if (s.ended && !r) expect('slowloris closed');
      else unexpected('slowloris', r ? `status ${r.status}` : 'still open after 4 s');
      s.destroy();
    } catch (e) {
      unexpected('slow abuse', e.code ?? e.message);
    }
  }
}

// ---- sampling ----
function procSample(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
    return { rss, fds };
  } catch {
    return { rss: 0, fds: 0 };
  }
}

async function serverStats() {
  try {
    const c = await connect();
    c.write('GET /__soak/stats HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n');
    const r = await c.response(5000);
    c.destroy();
    return r && r.status === 200 ? JSON.parse(r.body.toString()) : null;
  } catch {
    return null;
  }
}

const mb = (n) => (n / 1048576).toFixed(1);
const kb = (n) => Math.round(n / 1024);
const samples = [];
const started = Date.now();
async function sample() {
  const p = procSample(server.pid);
  const s = await serverStats();
  const st = s?.stats;
  const row = {
    t: Math.round((Date.now() - started) / 1000),
    rss: p.rss,
    fds: p.fds,
    slabReserved: st?.slabs.bytesReserved ?? 0,
    slabInUse: st?.slabs.bytesInUse ?? 0,
    connections: st?.connectionsOpen ?? 0,
    generation: s?.generation ?? 0,
    draining: s?.draining ?? 0,
    requests: count.requests,
    unexpected: count.unexpected,
  };
  samples.push(row);
  const expected = [...outcomes].filter(([k]) => !/200|206|answered/.test(k)).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `[${String(row.t).padStart(4)} s] rss ${mb(row.rss)} MB  fds ${row.fds}  slab ${kb(row.slabReserved)}/${kb(row.slabInUse)} KiB (reserved/in use)  ` +
      `conns ${row.connections}  gen ${row.generation} (+${row.draining} draining)  requests ${row.requests}  unexpected ${row.unexpected}` +
      (expected ? `  | ${expected}` : ''),
  );
}

// ---- run ----
await sleep(300);
const baseline = procSample(server.pid);
console.log(
  `soak: ${quick ? 'quick, ' : ''}${durationMs / 1000} s against pid ${server.pid} on port ${port}, reload every ${reloadMs / 1000} s; ` +
    `before load: rss ${mb(baseline.rss)} MB, fds ${baseline.fds}`,
);
const clients = [
  keepAliveClient(),
  keepAliveClient(),
  keepAliveClient(),
  newConnectionClient(),
  pipelinedClient(),
  rangeClient(),
  bodyClient(),
  abuser(),
  slowAbuser(),
];
const reloader = setInterval(() => {
  if (serverExit === null) server.kill('SIGHUP');
}, reloadMs);
const sampler = setInterval(() => void sample(), sampleMs);
await Promise.race([sleep(durationMs), serverExited]);
running = false;
clearInterval(reloader);
clearInterval(sampler);
await Promise.race([Promise.all(clients), sleep(15_000)]);
await sample();

const failures = [];
if (serverExit !== null) failures.push(`server crashed: ${JSON.stringify(serverExit)}`);

// fd leak: with no client left, the fds must come back to the baseline once
// old servers have drained (idle grace 1 s, linger 1 s, drain timeout 10 s).
let fdsAfter = procSample(server.pid).fds;
const deadline = Date.now() + 20_000;
while (serverExit === null && fdsAfter > baseline.fds + 2 && Date.now() < deadline) {
  await sleep(250);
  fdsAfter = procSample(server.pid).fds;
}
const fdOk = fdsAfter <= baseline.fds + 2;
console.log(`fds after the load: ${fdsAfter} (before: ${baseline.fds}) ${fdOk ? 'ok' : 'LEAK'}`);
if (!fdOk && serverExit === null) failures.push(`fd leak: ${fdsAfter} open after the load, ${baseline.fds} before`);

if (!quick && samples.length >= 6) {
  const third = Math.floor(samples.length / 3);
  const first = samples.slice(0, third);
  const last = samples.slice(-third);
  const maxOf = (rows, k) => Math.max(...rows.map((r) => r[k]));
  const rssLimit = maxOf(first, 'rss') * 1.1 + 8 * 1048576;
  const fdLimit = maxOf(first, 'fds') + 8;
  const rssOk = maxOf(last, 'rss') <= rssLimit;
  const fdsFlat = maxOf(last, 'fds') <= fdLimit;
  console.log(`rss: first third max ${mb(maxOf(first, 'rss'))} MB, last third max ${mb(maxOf(last, 'rss'))} MB (limit ${mb(rssLimit)}) ${rssOk ? 'flat' : 'GROWING'}`);
  console.log(`fds: first third max ${maxOf(first, 'fds')}, last third max ${maxOf(last, 'fds')} (limit ${fdLimit}) ${fdsFlat ? 'flat' : 'GROWING'}`);
  if (!rssOk) failures.push('RSS grows');
  if (!fdsFlat) failures.push('fd count grows');
} else {
  console.log(`flatness not judged (${quick ? 'quick mode' : 'too few samples'})`);
}

if (count.unexpected > 0) failures.push(`${count.unexpected} unexpected answers: ${unexpectedSamples.join('; ')}`);
console.log(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);

if (serverExit === null) {
  server.kill('SIGTERM');
  const exit = await Promise.race([serverExited, sleep(20_000).then(() => null)]);
  if (!exit) {
    failures.push('server did not exit within 20 s of SIGTERM');
    server.kill('SIGKILL');
  } else if (exit.code !== 0) failures.push(`server exited ${JSON.stringify(exit)} after SIGTERM`);
}
if (args.json) fs.writeFileSync(args.json, JSON.stringify({ samples, outcomes: Object.fromEntries(outcomes), failures, fdsAfter, baseline }, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
console.log(failures.length === 0 ? 'soak: PASS' : `soak: FAIL\n  ${failures.join('\n  ')}`);
process.exit(failures.length === 0 ? 0 : 1);
