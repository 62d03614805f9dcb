// Entry of a looper worker thread (workers: N): builds a server from the
// cloned options, lets the app module register its routes, listens on the
// shared address with SO_REUSEPORT, and closes gracefully when told to.
import { parentPort, workerData } from 'node:worker_threads';
import { createServer, type Server } from '../server.js';
import { setCurrentWorkerId } from './identity.js';
import type { FromWorker, ToWorker, WorkerStart } from './messages.js';

interface AppModule {
  setup(server: Server, appData: unknown): void | Promise<void>;
}

const start = workerData as WorkerStart;
const parent = parentPort!;
const send = (m: FromWorker): void => parent.postMessage(m);

async function run(): Promise<void> {
  setCurrentWorkerId(start.id);
  const server = createServer(start.options);
  const app = (await import(start.app)) as Partial<AppModule>;
  if (typeof app.setup !== 'function') throw new TypeError(`brigade: app module ${start.app} exports no setup(server, appData) function`);
  await app.setup(server, start.appData);
  const address = await server.listen();
  parent.on('message', (m: ToWorker) => {
    if (m.type !== 'close') return;
    void server.close({ timeout: m.timeout }).finally(() => {
      send({ type: 'closed' });
      parent.close(); // nothing left to keep this thread alive
    });
  });
  send({ type: 'listening', port: address.port });
}

run().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  parent.close();
});
