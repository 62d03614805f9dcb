// A raw client for large responses: parses the head once, then only counts and
// hashes body bytes (no buffering), and can pause reading (a slow client whose
// TCP window closes) or reset the connection mid-body.
import { createHash, type Hash } from 'node:crypto';
import * as net from 'node:net';

export class StreamClient {
  readonly socket: net.Socket;
  head = '';
  status = 0;
  headers: Record<string, string> = {};
  /** Every byte received, head included. */
  received = 0;
  /** Body bytes received. */
  bodyReceived = 0;
  /** Body length from Content-Length (-1 until the head arrived or when absent). */
  bodyLength = -1;
  ended = false;
  error: Error | null = null;
  private headBuf = Buffer.alloc(0);
  private readonly hash: Hash = createHash('sha256');
  private waiters: (() => void)[] = [];

  constructor(port: number, request: string) {
    const s = net.connect({ port, host: '127.0.0.1' });
    this.socket = s;
    s.on('data', (c: Buffer) => this.onData(c));
    s.on('error', (err) => {
      this.error = err;
      this.wake();
    });
    s.on('close', () => {
      this.ended = true;
      this.wake();
    });
    s.write(request);
  }

  private onData(c: Buffer): void {
    this.received += c.length;
    if (this.bodyLength < 0 && !this.head) {
      this.headBuf = Buffer.concat([this.headBuf, c]);
      const end = this.headBuf.indexOf('\r\n\r\n');
      if (end < 0) return this.wake();
      this.head = this.headBuf.subarray(0, end).toString('latin1');
      const lines = this.head.split('\r\n');
      this.status = Number(lines[0]!.split(' ')[1]);
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        this.headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      this.bodyLength = this.headers['content-length'] !== undefined ? Number(this.headers['content-length']) : -1;
      c = this.headBuf.subarray(end + 4);
      this.headBuf = Buffer.alloc(0);
    }
    this.bodyReceived += c.length;
    this.hash.update(c);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once cond() holds (checked on every event), rejects after timeoutMs. */
  until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else if (this.ended && !cond()) {
          clearTimeout(timer);
          reject(new Error(`${what}: connection ended (${this.bodyReceived} body bytes, error ${String(this.error)})`));
        } else {
          this.waiters.push(check);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== check);
        reject(new Error(`${what}: not within ${timeoutMs} ms (${this.bodyReceived} of ${this.bodyLength} body bytes)`));
      }, timeoutMs);
      check();
    });
  }

  /** The whole body (by Content-Length) has arrived. */
  get complete(): boolean {
    return this.bodyLength >= 0 && this.bodyReceived >= this.bodyLength;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends a TCP RST. */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
