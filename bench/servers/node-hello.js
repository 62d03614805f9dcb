// node:http contender: the same two routes as brigade-hello.js, no framework.
import http from 'node:http';

const PLAIN = 'Hello, World!';
const port = Number(process.env.PORT ?? 0);

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/plaintext') {
    res.setHeader('Content-Type', 'text/plain');
    res.end(PLAIN);
  } else if (req.method === 'GET' && req.url === '/json') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ message: PLAIN }));
  } else {
    res.statusCode = 404;
    res.end();
  }
});

// The bench stops servers with SIGTERM; leave promptly either way.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
});

server.listen(port, '127.0.0.1', () => {
  console.log('READY ' + server.address().port);
});
