// node:http contender: the same two routes as brigade-hello.js, no framework,
// and, when DOCROOT is set, the bench docroot the way a plain Node.js server
// serves files: fs.stat + fs.createReadStream(file).pipe(res) with Content-Length.
// Run by itself (node-http) or as a worker of node-cluster.js.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const PLAIN = 'Hello, World!';
const port = Number(process.env.PORT ?? 0);
const docroot = process.env.DOCROOT ? path.resolve(process.env.DOCROOT) : null;
const TYPES = { '.txt': 'text/plain', '.bin': 'application/octet-stream', '.html': 'text/html', '.shtml': 'text/html' };

function notFound(res) {
  res.statusCode = 404;
  res.end();
}

function serveFile(req, res) {
  const urlPath = decodeURIComponent(req.url.split('?')[0]);
  const file = path.join(docroot, path.normalize(urlPath));
  if (!file.startsWith(docroot + path.sep)) return notFound(res);
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return notFound(res);
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', st.size);
    const stream = fs.createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/plaintext') {
    res.setHeader('Content-Type', 'text/plain');
    res.end(PLAIN);
  } else if (req.method === 'GET' && req.url === '/json') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ message: PLAIN }));
  } else if (docroot && req.method === 'GET') {
    serveFile(req, res);
  } else {
    notFound(res);
  }
});
// Same keep-alive window as the nginx/Apache configs (Node's default is 5 s).
server.keepAliveTimeout = 30000;

// The bench stops servers with SIGTERM; leave promptly either way.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
});

server.listen(port, '127.0.0.1', () => {
  // Under node-cluster.js the primary prints READY once every worker listens.
  if (!process.env.BENCH_CLUSTER_WORKER) console.log('READY ' + server.address().port);
});
