// Server side of the bridge micro-benchmark: brigade or node:http with a
// trivial handler; reports its own CPU time on GET /__cpu.
import http from 'node:http';

const kind = process.argv[2] ?? 'brigade';
const mpm = process.argv[3] ?? 'looper';
const body = 'Hello, World!';

function cpuMicros() {
  const u = process.cpuUsage();
  return String(u.user + u.system);
}

if (kind === 'node') {
  const server = http.createServer((req, res) => {
    if (req.url === '/__cpu') return res.end(cpuMicros());
    res.setHeader('Content-Type', 'text/plain');
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => console.log(`READY ${server.address().port}`));
} else {
  const { createServer } = await import('../../dist/index.js');
  // Deep pipelining so one read/write carries many requests: what is left per
  // request is parsing, the ring crossing both ways and the handler.
  const server = createServer({ port: 0, mpm, limits: { maxPipelined: 1024 } });
  server.get('/__cpu', (req, res) => res.end(cpuMicros()));
  server.get('/plaintext', (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(body);
  });
  const a = await server.listen();
  console.log(`READY ${a.port}`);
}
