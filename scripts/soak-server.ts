// The server scripts/soak.mjs runs: brigade with routes for every behaviour
// the soak exercises (static files with Range, request bodies with a limit,
// handlers that throw, reject or never answer), short timeouts so abusive
// clients are dealt with quickly, and SIGHUP reloads through the same
// ReloadingServer the CLI uses. Prints "soak-server listening <port>".
//
// Usage: node --no-warnings --import tsx scripts/soak-server.ts <static dir>

import { createServer, type Server } from '../src/index.js';
import { installSignalHandlers, ReloadingServer } from '../src/cli/reload.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: soak-server.ts <static dir>\n');
  process.exit(2);
}

const SOAK_BODY_LIMIT = 64 * 1024;
let generation = 0;

function build(): { server: Server; label: string } {
  const gen = ++generation;
  const server = createServer({
    host: '127.0.0.1',
    port: 0,
    limits: { maxBodyBytes: SOAK_BODY_LIMIT },
    timeouts: { header: 1000, body: 2000, keepAlive: 5000, send: 1000, linger: 1000, handler: 500 },
  });
  server.static('/static', dir!);
  server.get('/hello', (_q, r) => r.setHeader('X-Generation', String(gen)).end('hello'));
  server.post('/echo', async (q, r) => {
    const body = await q.bytes();
    r.end(String(body.length));
  });
  server.get('/throw', () => {
    throw new Error('soak: a handler that throws');
  });
  server.get('/reject', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('soak: a handler that rejects');
  });
  server.get('/hang', () => new Promise<void>(() => {})); // answered 503 by the handler timeout
  server.get('/__soak/stats', (_q, r) => {
    r.setHeader('Content-Type', 'application/json').end(
      JSON.stringify({ generation: gen, draining: target.draining, stats: target.server.stats() }),
    );
  });
  return { server, label: `generation ${gen}` };
}

const log = (line: string): void => console.log(line);
const target = new ReloadingServer({ load: () => null, build: () => build(), log, drainTimeout: 10000, idleGrace: 1000 });
installSignalHandlers(target, log);
// Started with --no-warnings: the soak counts its own failures, and a warning
// per deliberately failing handler would be noise. Any other warning is shown.
process.on('warning', (w) => {
  if (!/^brigade: handler failed: Error: soak:/.test(w.message)) console.warn(w.message);
});
const { port } = await target.start(build().server);
console.log(`soak-server listening ${port}`);
