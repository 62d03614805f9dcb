// Raw TCP clients for tests: send exact bytes, then read N complete responses,
// or everything until the server closes. Every socket is tracked so an
// after-hook can destroy what a failing test left open.
import * as net from 'node:net';
import { parseResponse, type ParsedResponse } from './parse.js';

const sockets = new Set<net.Socket>();

/** Destroys every socket RawClient opened and that is still open. */
export function destroyAllSockets(): void {
  for (const s of sockets) s.destroy();
  sockets.clear();
}

export class RawClient {
  readonly socket: net.Socket;
  /** Bytes received and not yet taken by responses(), in arrival order (merged lazily). */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes the response being parsed needs in all (0: unknown), to avoid re-parsing per chunk. */
  private need = 0;
  /** Every byte ever received. */
  private all: Buffer[] = [];
  private ended = false; // the peer sent FIN (or the socket closed)
  private _closed = false;
  private _error: Error | null = null;
  private waiters: (() => void)[] = [];
  readonly connected: Promise<void>;

  /**
   * halfOpen: keep our side open after the server's FIN (to test lingering
   * close); by default we answer it with our own FIN, like ordinary clients.
   */
  constructor(port: number, opts: { halfOpen?: boolean } = {}) {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.halfOpen ?? false });
    this.socket = s;
    sockets.add(s);
    s.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    this.connected.catch(() => {});
    s.on('data', (c: Buffer) => {
      this.all.push(c);
      this.parts.push(c);
      this.partsLen += c.length;
      if (this.partsLen >= this.need) this.wake();
    });
    s.on('end', () => {
      this.ended = true;
      this.wake();
    });
    s.on('error', (err) => {
      this._error = err;
      this.wake();
    });
    s.on('close', () => {
      this.ended = true;
      this._closed = true;
      sockets.delete(s);
      this.wake();
    });
  }

  /** Connects and resolves once the TCP handshake completed. */
  static async open(port: number, opts: { halfOpen?: boolean } = {}): Promise<RawClient> {
    const c = new RawClient(port, opts);
    await c.connected;
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private next(deadline: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ms = deadline - Date.now();
      if (ms <= 0) {
        reject(new Error(`timeout waiting for ${what}; received so far: ${JSON.stringify(this.received().toString('latin1').slice(0, 300))}`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== done);
        reject(new Error(`timeout waiting for ${what}; received so far: ${JSON.stringify(this.received().toString('latin1').slice(0, 300))}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  /** true once the server's FIN (or a reset) arrived. */
  get peerEnded(): boolean {
    return this.ended;
  }
  get closed(): boolean {
    return this._closed;
  }
  get error(): Error | null {
    return this._error;
  }

  /** Everything received so far. */
  received(): Buffer {
    return Buffer.concat(this.all);
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Waits for n complete responses (after those already taken) and takes them.
   * noBody[i] marks the response to a HEAD request.
   */
  async responses(n: number, opts: { timeout?: number; noBody?: boolean[] } = {}): Promise<ParsedResponse[]> {
    const deadline = Date.now() + (opts.timeout ?? 5000);
    const out: ParsedResponse[] = [];
    while (out.length < n) {
      const noBody = opts.noBody?.[out.length] ?? false;
      const buf = this.buf;
      const r = parseResponse(buf, 0, { eof: this.ended, noBody });
      if (r) {
        out.push(r);
        this.setBuf(buf.subarray(r.size));
        this.need = 0;
        continue;
      }
      if (this.ended) {
        throw new Error(`connection ended after ${out.length} of ${n} responses; pending bytes: ${JSON.stringify(buf.toString('latin1').slice(0, 300))}`);
      }
      this.need = noBody ? 0 : bytesNeeded(buf);
      await this.next(deadline, `${n} responses (have ${out.length})`);
    }
    return out;
  }

  async response(opts: { timeout?: number; noBody?: boolean } = {}): Promise<ParsedResponse> {
    const [r] = await this.responses(1, { timeout: opts.timeout, noBody: [opts.noBody ?? false] });
    return r!;
  }

  /** Waits until the server ended the connection (FIN or reset). */
  async waitEnd(timeout = 5000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.ended) await this.next(deadline, 'the server to close the connection');
  }

  /** Waits for the end and returns all bytes not taken by responses(). */
  async readToEnd(timeout = 5000): Promise<Buffer> {
    await this.waitEnd(timeout);
    return this.buf;
  }

  /** Bytes not yet taken by responses(). */
  get pending(): Buffer {
    return this.buf;
  }

  /** Waits until some bytes (beyond those taken) arrived, or the end. */
  async waitData(timeout = 5000): Promise<void> {
    const deadline = Date.now() + timeout;
    this.need = 0;
    while (this.partsLen === 0 && !this.ended) await this.next(deadline, 'data');
  }

  /** Pending bytes as one buffer. */
  private get buf(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    return this.parts[0] ?? Buffer.alloc(0);
  }

  private setBuf(b: Buffer): void {
    this.parts = b.length > 0 ? [b] : [];
    this.partsLen = b.length;
  }

  destroy(): void {
    this.socket.destroy();
    sockets.delete(this.socket);
  }

  /** Sends a TCP RST instead of a FIN. */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
    sockets.delete(this.socket);
  }
}

/** Total bytes a Content-Length response at the start of buf needs (0 when not known yet). */
function bytesNeeded(buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return 0;
  const m = /\r\ncontent-length: *(\d+)/i.exec(buf.subarray(0, end).toString('latin1'));
  if (!m || /\r\ntransfer-encoding:/i.test(buf.subarray(0, end).toString('latin1'))) return 0;
  const status = Number(buf.subarray(9, 12).toString('latin1'));
  if (status < 200 || status === 204 || status === 304) return 0;
  return end + 4 + Number(m[1]);
}

/** One exchange on a fresh connection: send bytes, read until the server closes. */
export async function exchange(port: number, data: string | Uint8Array, timeout = 5000): Promise<{ bytes: Buffer; client: RawClient }> {
  const c = await RawClient.open(port);
  try {
    await c.write(data);
    const bytes = await c.readToEnd(timeout);
    return { bytes, client: c };
  } finally {
    c.destroy();
  }
}

/** A minimal GET request head. */
export function get(path: string, extra = '', version = '1.1'): string {
  return `GET ${path} HTTP/${version}\r\nHost: t\r\n${extra}\r\n`;
}
