// brigade contender: the two hello routes on the public API from dist/.
import { createServer } from '../../dist/index.js';

const port = Number(process.env.PORT ?? 0);
const options = { host: '127.0.0.1', port };
// Optional knob so the bench can compare I/O thread counts without editing this file.
if (process.env.BRIGADE_IO_THREADS) options.ioThreads = Number(process.env.BRIGADE_IO_THREADS);

const server = createServer(options);
server.get('/plaintext', (req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello, World!');
});
server.get('/json', (req, res) => res.json({ message: 'Hello, World!' }));

process.on('SIGTERM', async () => {
  setTimeout(() => process.exit(0), 2000).unref();
  try { await server.close(); } finally { process.exit(0); }
});

await server.listen();
console.log('READY ' + server.address.port);
