// A bounded HTTP load over raw sockets that counts every request that was not
// answered properly: keep-alive clients (one request at a time, reconnecting
// only after a response that said Connection: close) and one-shot clients (a
// new connection per request). A connection that ends in any other way — a
// reset, an EOF before a complete response, an EOF after a keep-alive
// response — is a failure, as is a wrong status or body.
import * as net from 'node:net';
import { parseResponse, type ParsedResponse } from '../helpers/parse.js';

export interface LoadOptions {
  port: number;
  path: string;
  keepAliveClients: number;
  oneShotClients: number;
  /** true when the body is one the server may answer with now. */
  accept(body: string): boolean;
  /** Hard bound on requests across all clients. */
  maxRequests: number;
  /** ms a single response may take before it counts as failed (default 10000). */
  responseTimeout?: number;
}

export interface LoadStats {
  /** Requests answered 200 with an accepted body. */
  ok: number;
  failures: string[];
  /** Connections a keep-alive client had to reopen after Connection: close. */
  reopened: number;
  /** How often each body was seen. */
  bodies: Map<string, number>;
}

export interface Load {
  stats: LoadStats;
  /** Lets every client finish its current request, then resolves. */
  stop(): Promise<LoadStats>;
  /** Resolves once at least n more requests have been answered (or the load ended). */
  progress(n: number): Promise<void>;
}

// One connection with a response reader: next() resolves with the next full
// response, or rejects with why the connection ended before one.
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private ended: string | null = null;
  private waiter: { resolve: (r: ParsedResponse) => void; reject: (e: Error) => void } | null = null;

  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.pump();
    });
    socket.on('error', (e: Error) => this.end(`socket error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    socket.on('end', () => this.end('EOF'));
    socket.on('close', () => this.end('closed'));
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.setNoDelay(true);
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`connect: ${e.code ?? e.message}`)));
    });
  }

  request(path: string, close: boolean, timeout: number): Promise<ParsedResponse> {
    if (this.ended) return Promise.reject(new Error(`connection ${this.ended} before the request was sent`));
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: load\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no response within ${timeout} ms`));
      }, timeout);
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.pump();
    });
  }

  /** Resolves when the server has closed its side (after Connection: close). */
  closed(timeout: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private pump(): void {
    if (!this.waiter) return;
    let r: ParsedResponse | null = null;
    try {
      r = parseResponse(this.buf, 0, { eof: this.ended !== null });
    } catch (e) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(new Error(`bad response after ${this.ended ?? 'data'}: ${(e as Error).message}`));
      return;
    }
    if (r) {
      this.buf = this.buf.subarray(r.size);
      const w = this.waiter;
      this.waiter = null;
      w.resolve(r);
    } else if (this.ended) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(new Error(`connection ${this.ended} before a complete response (${this.buf.length} bytes)`));
    }
  }

  private end(why: string): void {
    this.ended ??= why;
    this.pump();
  }
}

export function startLoad(o: LoadOptions): Load {
  const stats: LoadStats = { ok: 0, failures: [], reopened: 0, bodies: new Map() };
  const timeout = o.responseTimeout ?? 10000;
  let sent = 0;
  let stopping = false;
  const watchers: { target: number; resolve: () => void }[] = [];
  const more = (): boolean => !stopping && sent < o.maxRequests;

  const record = (r: ParsedResponse): void => {
    const body = r.body.toString('utf8');
    stats.bodies.set(body, (stats.bodies.get(body) ?? 0) + 1);
    if (r.status !== 200) stats.failures.push(`status ${r.status}: ${body.slice(0, 80)}`);
    else if (!o.accept(body)) stats.failures.push(`unexpected body ${JSON.stringify(body.slice(0, 80))}`);
    else ++stats.ok;
    for (let i = watchers.length - 1; i >= 0; --i) {
      if (stats.ok + stats.failures.length >= watchers[i]!.target) {
        watchers[i]!.resolve();
        watchers.splice(i, 1);
      }
    }
  };

  async function keepAliveClient(): Promise<void> {
    while (more()) {
      let conn: Conn;
      try {
        conn = await Conn.open(o.port);
      } catch (e) {
        stats.failures.push((e as Error).message);
        return;
      }
      try {
        for (;;) {
          if (!more()) {
            conn.destroy();
            return;
          }
          ++sent;
          const r = await conn.request(o.path, false, timeout);
          record(r);
          if (/\bclose\b/i.test(r.headers['connection'] ?? '')) {
            if (!(await conn.closed(timeout))) stats.failures.push('server kept the connection open after Connection: close');
            ++stats.reopened;
            break;
          }
        }
      } catch (e) {
        stats.failures.push(`keep-alive: ${(e as Error).message}`);
        conn.destroy();
      }
    }
  }

  async function oneShotClient(): Promise<void> {
    while (more()) {
      ++sent;
      let conn: Conn | undefined;
      try {
        conn = await Conn.open(o.port);
        record(await conn.request(o.path, true, timeout));
      } catch (e) {
        stats.failures.push(`one-shot: ${(e as Error).message}`);
      } finally {
        conn?.destroy();
      }
    }
  }

  const clients = [
    ...Array.from({ length: o.keepAliveClients }, () => keepAliveClient()),
    ...Array.from({ length: o.oneShotClients }, () => oneShotClient()),
  ];
  const all = Promise.all(clients).then(() => {
    for (const w of watchers) w.resolve();
    watchers.length = 0;
  });
  return {
    stats,
    async stop() {
      stopping = true;
      await all;
      return stats;
    },
    progress(n: number) {
      if (stopping || sent >= o.maxRequests) return all;
      return new Promise<void>((resolve) => watchers.push({ target: stats.ok + stats.failures.length + n, resolve }));
    },
  };
}
