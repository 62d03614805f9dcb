// brigade contender: the hello routes on the public API from dist/, plus the
// bench docroot through server.static() when DOCROOT is set.
//
// Environment (set by bench/contenders/brigade.js):
//   PORT                 port to listen on (0 = any free port)
//   BENCH_BRIGADE_MPM    looper | event | worker | leader (default: brigade's default)
//   BENCH_BRIGADE_THREADS threads of the worker and leader MPMs
//   BRIGADE_IO_THREADS   ioThreads of the event MPM
//   DOCROOT              directory served at / (exact routes /plaintext and /json win)
//   BENCH_STATIC_NATIVE  0: serve the docroot through the TypeScript handler
//                        only (static option nativeFastPath: false), to compare
//   TLS_CERT, TLS_KEY, TLS_SUITE  serve HTTPS (TLS 1.3 with that cipher suite)
import * as brigade from '../../dist/index.js';

const port = Number(process.env.PORT ?? 0);
const options = {
  host: '127.0.0.1',
  port,
  // Same keep-alive window as the nginx/Apache configs (30 s), and room for the
  // 10,000-connection idle workload (the fd limit of this machine is 20,000).
  timeouts: { keepAlive: 30000 },
  limits: { maxConnections: 19000 },
};
if (process.env.BENCH_BRIGADE_MPM) options.mpm = process.env.BENCH_BRIGADE_MPM;
if (process.env.BENCH_BRIGADE_THREADS) options.threads = Number(process.env.BENCH_BRIGADE_THREADS);
// Optional knob so the bench can compare I/O thread counts without editing this file.
if (process.env.BRIGADE_IO_THREADS) options.ioThreads = Number(process.env.BRIGADE_IO_THREADS);

// TLS rows (bench/contenders/tls.js): HTTPS with the bench certificate, TLS 1.3, one suite.
if (process.env.TLS_CERT) {
  options.tls = { cert: process.env.TLS_CERT, key: process.env.TLS_KEY, minVersion: 'TLSv1.3', ciphersuites: process.env.TLS_SUITE };
}

const server = brigade.createServer(options);
server.get('/plaintext', (req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello, World!');
});
server.get('/json', (req, res) => res.json({ message: 'Hello, World!' }));

if (process.env.DOCROOT) {
  // The SSI+gzip workload: ssi() then compress() on text/html, as nginx's
  // `ssi on; gzip on` and Apache's INCLUDES;DEFLATE chain (the static mount's
  // own `ssi`/`compress` options would do the same for its files only). The
  // check keeps the script usable against an older dist without ssi.
  // Scoped to the SSI page's path as well: a filter whose scope covers the
  // whole mount keeps every file of it off the native static fast path (the
  // content-type scope is decided per response, in JS), so a global
  // registration would send /1k.bin through TypeScript too.
  if (typeof brigade.ssi === 'function') {
    server.filter(brigade.ssi(), { path: '/index.shtml', contentTypes: ['text/html'] });
    server.filter(brigade.compress(), { path: '/index.shtml', contentTypes: ['text/html'] });
  }
  server.static('/', process.env.DOCROOT, { nativeFastPath: process.env.BENCH_STATIC_NATIVE !== '0' });
}

process.on('SIGTERM', async () => {
  setTimeout(() => process.exit(0), 2000).unref();
  try { await server.close(); } finally { process.exit(0); }
});

await server.listen();
console.log('READY ' + server.address.port);
