// workers: N — N looper worker threads, each with its own SO_REUSEPORT
// socket on one address and the routes of the app module.
import * as http from 'node:http';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from '../src/index.js';
import { destroyAllSockets, RawClient } from './helpers/raw.js';

const test = suite('looper workers');
const APP = new URL('./support/worker-app.ts', import.meta.url);

let server: Server | undefined;
test.after.each(async () => {
  destroyAllSockets();
  await server?.close({ timeout: 1000 });
  server = undefined;
});

/** One GET on a fresh connection (no agent: every call is a new connection). */
function fresh(port: number, path: string): Promise<{ status: number; worker: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: String(res.headers['x-worker']), body }));
      })
      .on('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('workers: 4 — connections are spread over more than one worker, each serving the app module', async () => {
  server = createServer({ host: '127.0.0.1', port: 0, workers: 4, workerModule: APP, workerData: { greeting: 'hi' } });
  const { port } = await server.listen();
  assert.ok(server.listening);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const r = await fresh(port, '/who');
    assert.is(r.status, 200);
    const id = r.worker;
    assert.is(r.body, `hi from ${id}`);
    seen.add(id);
  }
  assert.ok(seen.size >= 2, `answered by workers ${[...seen].join(',')}`);
  for (const id of seen) assert.ok(['0', '1', '2', '3'].includes(id), id);
});

test('close() drains every worker: a request in flight is answered, then the port refuses', async () => {
  server = createServer({ host: '127.0.0.1', port: 0, workers: 2, workerModule: APP, workerData: { greeting: 'hi' } });
  const { port } = await server.listen();
  const c = await RawClient.open(port);
  await c.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
  await new Promise((r) => setTimeout(r, 50));
  const closing = server.close({ timeout: 5000 });
  const [r] = await c.responses(1);
  assert.is(r!.status, 200);
  assert.is(r!.body.toString(), 'done');
  await closing;
  assert.not.ok(server.listening);
  assert.ok(await refused(port), 'no worker listens after close()');
});

test('a worker that cannot start: listen() rejects and no worker is left listening', async () => {
  server = createServer({ host: '127.0.0.1', port: 0, workers: 2, workerModule: new URL('./support/worker-app-no-setup.ts', import.meta.url) });
  try {
    await server.listen();
    assert.unreachable('listen() should reject');
  } catch (err) {
    assert.match((err as Error).message, /setup/);
  }
  assert.not.ok(server.listening);
});

test('a port another server holds: listen() rejects instead of sharing it through SO_REUSEPORT', async () => {
  const other = net.createServer();
  await new Promise<void>((resolve) => other.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (other.address() as net.AddressInfo).port;
  try {
    server = createServer({ host: '127.0.0.1', port, workers: 2, workerModule: APP, workerData: { greeting: 'hi' } });
    try {
      await server.listen();
      assert.unreachable('listen() should reject');
    } catch (err) {
      assert.match((err as Error).message, /EADDRINUSE/);
    }
    assert.not.ok(server.listening);
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }
});

test('option errors: workers needs a worker module, the looper MPM, no service classes, and routes in the module', async () => {
  assert.throws(() => createServer({ workers: 2 }), /workerModule/);
  assert.throws(() => createServer({ workers: 2, workerModule: APP, mpm: 'event' }), /looper/);
  assert.throws(() => createServer({ workers: 0, workerModule: APP }), /workers/);
  assert.throws(() => createServer({ workers: 2, workerModule: APP, app: APP }), /do not combine with workers/);
  const s = createServer({ host: '127.0.0.1', port: 0, workers: 2, workerModule: APP });
  s.get('/x', (q, r) => r.end('x'));
  try {
    await s.listen();
    assert.unreachable('listen() should reject');
  } catch (err) {
    assert.match((err as Error).message, /workerModule/);
  }
});

test.run();
