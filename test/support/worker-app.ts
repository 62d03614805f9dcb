// App module for the workers: N tests: every looper worker thread loads it
// and calls setup(); responses say which worker answered.
import type { Server } from '../../src/index.js';

export function setup(server: Server, data: { greeting: string }): void {
  server.get('/who', (q, r) => {
    r.setHeader('X-Worker', String(server.workerId));
    r.end(`${data.greeting} from ${server.workerId}`);
  });
  server.get('/slow', async (q, r) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    r.end('done');
  });
}
