// Service classes on queue servers: `node examples/service-classes/server.mjs`
// (after `npm run build`). Interactive API calls have a p90 goal and go first;
// long reports are discretionary and refused with 503 once 20 are waiting.
// GET /classes (a main-thread route) shows the per-class figures.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The example's options; the smoke test starts it with brigade's sources. */
export function exampleServer(createServer, { port = 0 } = {}) {
  const server = createServer({
    host: '127.0.0.1',
    port,
    app: new URL('./app.mjs', import.meta.url),
    queueServers: { max: 2 },
    classes: [
      { name: 'interactive', match: { pathPrefix: '/api/' }, goal: { percentile: 90, ms: 100 }, importance: 1 },
      { name: 'reports', match: { pathPrefix: '/report/' }, discretionary: true, maxQueue: 20 },
    ],
    defaultClass: { goal: { averageMs: 500 }, importance: 3 },
  });
  // Routes on the main thread win over the queue servers.
  server.get('/classes', (_req, res) => res.json(server.classStats()));
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const { createServer } = await import('../../dist/index.js');
  const server = exampleServer(createServer, { port: Number(process.env.PORT ?? 0) });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  console.log(`service classes demo: ${base}  (Ctrl-C to stop)`);
  console.log(`  curl ${base}/api/quote          # interactive: p90 goal 100 ms, importance 1`);
  console.log(`  curl ${base}/report/q3?ms=300   # discretionary batch work; 503 + Retry-After when 20 wait`);
  console.log(`  curl ${base}/anything           # the default class`);
  console.log(`  curl ${base}/classes            # queued, running, servers, p observed, performance index`);
  process.on('SIGINT', () => server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
}
