// Starting and stopping real brigade servers in tests: an ephemeral port on
// 127.0.0.1, and a registry so an after-hook can close whatever a failing test
// left running.
import { createServer, type Server } from '../../src/index.js';

export interface Running {
  server: Server;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
}

const live = new Set<Server>();

/** Creates a server on port 0, lets setup register routes, and listens. */
export async function start(setup: (s: Server) => void, options: Parameters<typeof createServer>[0] = {}): Promise<Running> {
  const server = createServer({ host: '127.0.0.1', ...options, port: 0 });
  setup(server);
  const addr = await server.listen();
  live.add(server);
  return { server, port: addr.port, base: `http://127.0.0.1:${addr.port}` };
}

/** Closes one server (idempotent); a short timeout so a broken test cannot hang the file. */
export async function stop(server: Server | undefined, timeout = 2000): Promise<void> {
  if (!server) return;
  live.delete(server);
  await server.close({ timeout });
}

/** Closes every server start() opened and that is still open. */
export async function stopAll(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((s) => s.close({ timeout: 2000 })));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls cond until it holds or the deadline passes; returns the last value of
 * describe() on failure so the assertion says what was observed.
 */
export async function waitUntil(cond: () => boolean, deadlineMs: number, describe: () => string = () => ''): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (cond()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${deadlineMs} ms ${describe()}`);
    await sleep(10);
  }
}

/** Rejects after ms: a hang detector for promises that should settle. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
