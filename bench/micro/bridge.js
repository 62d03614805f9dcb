// Bridge round-trip micro-benchmark (DESIGN §6): the cost of one request's
// trip native -> JS -> native, measured as server CPU per request under deep
// pipelining (kernel work amortised over batches of requests).
//   node bench/micro/bridge.js [--requests N] [--depth D] [--conns C]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REQUESTS = opt('requests', 400000);
const DEPTH = opt('depth', 64);
const CONNS = opt('conns', 4);
const serverScript = fileURLToPath(new URL('./bridge-server.js', import.meta.url));
const REQ = 'GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n';

function startServer(kind, mpm) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverScript, kind, mpm], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      const m = /READY (\d+)/.exec(d);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${kind} exited ${code}`)));
  });
}

function getCpu(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end('GET /__cpu HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (buf += d));
    s.on('end', () => resolve(Number(buf.split('\r\n\r\n')[1])));
    s.on('error', reject);
  });
}

// One connection: keeps DEPTH requests in flight, counts complete responses.
function drive(port, count) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const batch = REQ.repeat(DEPTH);
    let sent = 0;
    let done = 0;
    let pending = '';
    const send = () => {
      const n = Math.min(DEPTH, count - sent);
      if (n <= 0) return;
      s.write(n === DEPTH ? batch : REQ.repeat(n));
      sent += n;
    };
    s.setEncoding('latin1');
    s.on('connect', send);
    s.on('data', (d) => {
      pending += d;
      // Each response ends with the 13-byte body after the blank line.
      let i;
      while ((i = pending.indexOf('Hello, World!')) >= 0) {
        pending = pending.slice(i + 13);
        if (++done % DEPTH === 0 || done === count) send();
      }
      if (done >= count) {
        s.end();
        resolve();
      }
    });
    s.on('error', reject);
  });
}

async function measure(kind, mpm) {
  const { child, port } = await startServer(kind, mpm);
  try {
    const per = Math.floor(REQUESTS / CONNS);
    await Promise.all(Array.from({ length: CONNS }, () => drive(port, Math.min(per, 20000)))); // warm-up
    const c0 = await getCpu(port);
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONNS }, () => drive(port, per)));
    const wall = Number(process.hrtime.bigint() - t0) / 1e3;
    const c1 = await getCpu(port);
    const n = per * CONNS;
    return { kind: mpm ? `${kind}/${mpm}` : kind, requests: n, cpuUsPerReq: (c1 - c0) / n, wallUsPerReq: wall / n };
  } finally {
    child.kill('SIGKILL');
  }
}

const rows = [];
for (const [kind, mpm] of [['brigade', 'looper'], ['brigade', 'event'], ['node', '']]) {
  const r = await measure(kind, mpm);
  rows.push(r);
  console.log(`${r.kind.padEnd(16)} ${r.requests} requests, depth ${DEPTH} x ${CONNS} conns: server CPU ${r.cpuUsPerReq.toFixed(2)} µs/req, wall ${r.wallUsPerReq.toFixed(2)} µs/req`);
}
const node = rows.find((r) => r.kind.startsWith('node'));
for (const r of rows) if (r !== node) console.log(`${r.kind}: ${(r.cpuUsPerReq / node.cpuUsPerReq).toFixed(2)}x node:http CPU per request`);
