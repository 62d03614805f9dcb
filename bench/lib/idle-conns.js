// Idle keep-alive connections: opens N TCP connections (at most
// `concurrency` of them waiting for their answer at a time, so the server's
// listen queue is not flooded), sends one keep-alive GET on each, reads the
// complete response, then keeps every connection open and silent.
//
// Runs as a child process of the bench (pinned to the client CPUs):
//   node idle-conns.js '{"port":8080,"path":"/hello.txt","n":10000,"deadlineMs":10000}'
// stdout: "HELD <json>" once every connection is answered or the deadline
// passed; after that, each line "REPORT" on stdin gets a "REPORT <json>" line
// with the current counts; when stdin closes it closes everything and exits.
import net from 'node:net';

const opts = JSON.parse(process.argv[2]);
const CONCURRENCY = opts.concurrency ?? 256;
const request = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench-idle\r\n\r\n`);
const started = Date.now();

const counts = { opened: 0, connected: 0, answered: 0, badResponses: 0, connectFailed: 0, errors: 0, closedByServer: 0, closedBeforeAnswer: 0 };
const sockets = [];
let outstanding = 0;
let stopping = false;
let held = false;

function open() {
  counts.opened++;
  outstanding++;
  const s = net.connect({ host: '127.0.0.1', port: opts.port });
  sockets.push(s);
  let connected = false;
  let answered = false;
  let buf = Buffer.alloc(0);
  const settle = () => {
    outstanding--;
    more();
  };
  s.once('connect', () => {
    connected = true;
    counts.connected++;
    s.write(request);
  });
  s.on('data', (d) => {
    if (answered) return;
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString('latin1');
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!/^HTTP\/1\.1 200 /.test(head) || !m) {
      answered = true;
      counts.badResponses++;
      settle();
      return;
    }
    if (buf.length - end - 4 >= Number(m[1])) {
      answered = true;
      counts.answered++;
      buf = null;
      settle();
    }
  });
  s.on('error', () => {
    if (!connected) counts.connectFailed++;
    else if (!stopping) counts.errors++;
  });
  s.on('close', () => {
    if (stopping) return;
    if (!connected) return settle();
    if (answered) counts.closedByServer++;
    else {
      counts.closedBeforeAnswer++;
      settle();
    }
  });
}

function more() {
  while (!stopping && counts.opened < opts.n && outstanding < CONCURRENCY) open();
  if (!held && counts.opened === opts.n && outstanding === 0) hold('all answered');
}

function snapshot() {
  return { ...counts, open: sockets.filter((s) => !s.destroyed && s.readyState === 'open').length, elapsedMs: Date.now() - started };
}

function hold(why) {
  if (held) return;
  held = true;
  clearTimeout(deadline);
  process.stdout.write(`HELD ${JSON.stringify({ ...snapshot(), why, notAttempted: opts.n - counts.opened })}\n`);
}

const deadline = setTimeout(() => hold('deadline'), opts.deadlineMs ?? 10000);

let lineBuf = '';
process.stdin.setEncoding('utf8').on('data', (d) => {
  lineBuf += d;
  let i;
  while ((i = lineBuf.indexOf('\n')) >= 0) {
    const line = lineBuf.slice(0, i).trim();
    lineBuf = lineBuf.slice(i + 1);
    if (line === 'REPORT') process.stdout.write(`REPORT ${JSON.stringify(snapshot())}\n`);
  }
});
process.stdin.on('end', () => {
  stopping = true;
  for (const s of sockets) s.destroy();
  process.exit(0);
});
more();
