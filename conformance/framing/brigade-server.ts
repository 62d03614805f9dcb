// brigade as the framing audit runs it: the docroot through server.static()
// from src/ (run under tsx, so no build of dist/ is needed), with the short
// header and body timeouts the audit gives nginx and Apache too, so that the
// slowloris cases end within seconds. Prints `READY <port>` when listening.
//   DOCROOT        directory served at /
//   TIMEOUT_MS     header/body window and whole-head limit (ms)
import { createServer } from '../../src/index.js';

const docroot = process.env.DOCROOT;
if (!docroot) throw new Error('DOCROOT is not set');
const windowMs = Number(process.env.TIMEOUT_MS ?? 2000);

const server = createServer({
  host: '127.0.0.1',
  port: 0,
  // headerTotal: the whole head within the same 2 s (nginx's client_header_timeout, Apache's header=2).
  timeouts: { header: windowMs, headerTotal: windowMs, body: windowMs, keepAlive: 3000, linger: 1000 },
});
server.static('/', docroot);

process.on('SIGTERM', async () => {
  setTimeout(() => process.exit(0), 2000).unref();
  try {
    await server.close({ timeout: 500 });
  } finally {
    process.exit(0);
  }
});

await server.listen();
console.log(`READY ${server.address.port}`);
