// Slow readers: N raw TCP clients that each download a large file (GET
// /1m.bin, keep-alive, again when one download completes) but read only
// ~RATE bytes/s: each socket reads into a 4 KiB buffer (net's `onread`) and is
// paused whenever it got ahead of its budget, so the kernel's receive window
// fills and the server has to hold the rest of the response.
//
// Runs as a child process of the bench (pinned to the client CPUs, like wrk):
//   node slow-readers.js '{"port":8080,"path":"/1m.bin","n":200,"rate":16384}'
// stdout: "CONNECTED <n>" once every client is connected (or failed), then,
// when stdin closes or on SIGTERM, one line "RESULT <json>" and it exits.
import net from 'node:net';

const opts = JSON.parse(process.argv[2]);
const RATE = opts.rate ?? 16384; // bytes per second per client
const TICK_MS = 50;
const CONNECT_CONCURRENCY = opts.concurrency ?? 200;
const request = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench-slow-reader\r\n\r\n`);

const clients = [];
const stats = { connectFailed: 0, closedByServer: 0, errors: 0, badResponses: 0, responsesCompleted: 0 };
const started = Date.now();

function newClient() {
  const c = {
    socket: null, connected: false, closed: false, bytes: 0, bodyBytes: 0, firstByteMs: null,
    tokens: 4096, last: Date.now(), paused: false,
    head: Buffer.alloc(0), inHead: true, remaining: 0,
  };
  const buf = Buffer.alloc(4096);
  c.socket = net.connect({
    host: '127.0.0.1',
    port: opts.port,
    onread: { buffer: buf, callback: (n, b) => onData(c, b.subarray(0, n)) },
  });
  c.socket.setNoDelay(true);
  c.socket.once('connect', () => {
    c.connected = true;
    c.socket.write(request);
    connectDone();
  });
  c.socket.on('error', () => {
    if (!c.connected) {
      stats.connectFailed++;
      connectDone();
    } else if (!c.closed) stats.errors++;
  });
  c.socket.on('close', () => {
    if (c.connected && !c.closed && !stopping) stats.closedByServer++;
    c.closed = true;
  });
  return c;
}

function onData(c, chunk) {
  c.bytes += chunk.length;
  c.tokens -= chunk.length;
  let data = chunk;
  while (data.length) {
    if (c.inHead) {
      c.head = Buffer.concat([c.head, data]);
      const end = c.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = c.head.subarray(0, end).toString('latin1');
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!/^HTTP\/1\.1 200 /.test(head) || !m) {
        stats.badResponses++;
        c.socket.destroy();
        return;
      }
      c.remaining = Number(m[1]);
      data = c.head.subarray(end + 4);
      c.head = Buffer.alloc(0);
      c.inHead = false;
      if (c.firstByteMs === null) c.firstByteMs = Date.now() - started;
    }
    const take = Math.min(c.remaining, data.length);
    c.bodyBytes += take;
    c.remaining -= take;
    data = data.subarray(take);
    if (c.remaining === 0) {
      stats.responsesCompleted++;
      c.inHead = true;
      c.socket.write(request); // keep downloading
    }
  }
  if (c.tokens < 0 && !c.paused) {
    c.paused = true;
    c.socket.pause();
  }
}

// Refill every client's budget; resume the ones that caught up.
const ticker = setInterval(() => {
  const now = Date.now();
  for (const c of clients) {
    c.tokens = Math.min(c.tokens + (RATE * (now - c.last)) / 1000, 4096);
    c.last = now;
    if (c.paused && c.tokens > 0 && !c.closed) {
      c.paused = false;
      c.socket.resume();
    }
  }
}, TICK_MS);

let pendingConnects = 0;
let opened = 0;
let reported = false;
function connectDone() {
  pendingConnects--;
  openMore();
  if (!reported && opened === opts.n && pendingConnects === 0) {
    reported = true;
    process.stdout.write(`CONNECTED ${clients.filter((c) => c.connected).length}\n`);
  }
}
function openMore() {
  while (opened < opts.n && pendingConnects < CONNECT_CONCURRENCY) {
    pendingConnects++;
    opened++;
    clients.push(newClient());
  }
}

let stopping = false;
function finish() {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  const elapsedS = (Date.now() - started) / 1000;
  const served = clients.filter((c) => c.bodyBytes > 0);
  const rates = clients.filter((c) => c.connected).map((c) => c.bytes / elapsedS).sort((a, b) => a - b);
  const result = {
    n: opts.n,
    connected: clients.filter((c) => c.connected).length,
    ...stats,
    served: served.length,
    bytes: clients.reduce((s, c) => s + c.bytes, 0),
    elapsedS,
    rateMedianBps: rates.length ? rates[rates.length >> 1] : 0,
    rateMinBps: rates.length ? rates[0] : 0,
  };
  for (const c of clients) c.socket.destroy();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
}
process.stdin.on('data', () => {});
process.stdin.on('end', finish);
process.on('SIGTERM', finish);
openMore();
