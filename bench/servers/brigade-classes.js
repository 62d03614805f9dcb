// brigade with two service classes on queue servers, for the overload-classes
// workload (bench/lib/scenario-classes.js). The public API from dist/.
//
// Environment:
//   PORT                  port to listen on (0 = any free port)
//   BENCH_SCHEDULER       goals | fifo
//   BENCH_QUEUE_SERVERS   worker threads (default 2)
//   BENCH_GOAL_MS         p90 goal of the interactive class (default 50)
//   BENCH_BATCH_QUEUE     queue cap of the (discretionary) batch class (default 100)
//   BENCH_INTERACTIVE_MS / BENCH_BATCH_MS / BENCH_WORK   work per request (read by classes-app.js)
import * as brigade from '../../dist/index.js';

const server = brigade.createServer({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  app: new URL('./classes-app.js', import.meta.url),
  queueServers: { max: Number(process.env.BENCH_QUEUE_SERVERS ?? 2) },
  scheduler: process.env.BENCH_SCHEDULER === 'fifo' ? 'fifo' : 'goals',
  classes: [
    { name: 'interactive', match: { pathPrefix: '/interactive/' }, goal: { percentile: 90, ms: Number(process.env.BENCH_GOAL_MS ?? 50) }, importance: 1 },
    { name: 'batch', match: { pathPrefix: '/batch/' }, discretionary: true, importance: 5, maxQueue: Number(process.env.BENCH_BATCH_QUEUE ?? 100) },
  ],
});
// Per-class figures as the server saw them (main thread, not queued).
server.get('/classes-stats', (req, res) => res.json(server.classStats()));

process.on('SIGTERM', async () => {
  setTimeout(() => process.exit(0), 2000).unref();
  try { await server.close({ timeout: 500 }); } finally { process.exit(0); }
});

await server.listen();
console.log('READY ' + server.address.port);
