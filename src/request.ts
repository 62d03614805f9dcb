// Request: a lazy view of a request message in the lane's request ring. Nothing
// is decoded until a handler asks. A request whose handler does not finish
// synchronously is detached (its message bytes copied out) before the ring
// space is reused.
import { fast, type FastBuffer } from './bridge/fast-buffer.js';
import * as L from './bridge/layout.js';
import { formatPeerAddress } from './bridge/peer-address.js';
import { Pool, type PoolRegistry } from './pool.js';
import type { Request, RequestPool } from './types.js';

export class BodyTooLargeError extends Error {
  readonly status = 413;
  constructor() {
    super('request body too large');
  }
}

export class RequestAbortedError extends Error {
  constructor() {
    super('request aborted by the client');
  }
}

type BodyWaiter = () => void;

export class BrigadeRequest implements Request {
  readonly conn: number;
  readonly seq: number;
  readonly keepAlive: boolean;
  readonly secure: boolean;
  readonly methodCode: number;
  /** The server's key (lane and connection) while the response is pending; -1 otherwise. */
  pendingKey = -1;
  private buf: FastBuffer;
  private u32: Uint32Array;
  private pos: number;
  private detached = false;
  private readonly registry: PoolRegistry;

  private _method: string | undefined;
  private _url: string | undefined;
  private _path: string | undefined;
  private _query: string | undefined;
  private _headers: Record<string, string> | undefined;
  private _search: URLSearchParams | undefined;
  private _remote: string | undefined;
  private _pool: Pool | undefined;
  params: Readonly<Record<string, string>> = EMPTY;

  // Body state.
  private bodyFollows: boolean;
  private bodyChunks: Uint8Array[] = [];
  private bodyDone: boolean;
  private bodyError: Error | null = null;
  private bodyConsumed = false;
  private waiter: BodyWaiter | null = null;
  aborted = false;

  constructor(buf: FastBuffer, u32: Uint32Array, pos: number, registry: PoolRegistry) {
    this.buf = buf;
    this.u32 = u32;
    this.pos = pos;
    this.registry = registry;
    this.conn = u32[(pos + L.RQ_CONN) >> 2]!;
    this.seq = u32[(pos + L.RQ_SEQ) >> 2]!;
    const flags = buf[pos + L.RQ_FLAGS]!;
    this.keepAlive = (flags & L.REQ_FLAG_KEEP_ALIVE) !== 0;
    this.secure = (flags & L.REQ_FLAG_SECURE) !== 0;
    this.bodyFollows = (flags & L.REQ_FLAG_BODY_FOLLOWS) !== 0;
    this.bodyDone = !this.bodyFollows;
    this.methodCode = buf[pos + L.RQ_METHOD]!;
  }

  private headStart(): number {
    return this.pos + L.RQ_FIXED + this.u32[(this.pos + L.RQ_HEADER_COUNT) >> 2]! * 16;
  }

  private str(off: number, len: number): string {
    const s = this.headStart() + off;
    return this.buf.latin1Slice(s, s + len);
  }

  get method(): string {
    if (this._method === undefined) {
      this._method =
        this.methodCode < L.METHOD_OTHER ? L.METHOD_NAMES[this.methodCode]! : this.str(0, this.buf.indexOf(0x20, this.headStart()) - this.headStart());
    }
    return this._method;
  }

  get url(): string {
    if (this._url === undefined) {
      const p = this.pos;
      this._url = this.str(this.u32[(p + L.RQ_TARGET_OFF) >> 2]!, this.u32[(p + L.RQ_TARGET_LEN) >> 2]!);
    }
    return this._url;
  }

  get path(): string {
    if (this._path === undefined) {
      const p = this.pos;
      this._path = this.str(this.u32[(p + L.RQ_TARGET_OFF) >> 2]!, this.u32[(p + L.RQ_PATH_LEN) >> 2]!);
      // absolute-form: the parser reports the path span inside the URL.
      if (this._path.length === 0 || this._path.charCodeAt(0) !== 0x2f) {
        const t = this.url;
        if (t === '*') this._path = '*';
        else {
          const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(t);
          this._path = m && m[1] ? m[1] : '/';
        }
      }
    }
    return this._path;
  }

  get query(): string {
    if (this._query === undefined) {
      const p = this.pos;
      const len = this.u32[(p + L.RQ_QUERY_LEN) >> 2]!;
      this._query = len === 0 ? '' : this.str(this.u32[(p + L.RQ_QUERY_OFF) >> 2]!, len);
    }
    return this._query;
  }

  get searchParams(): URLSearchParams {
    this._search ??= new URLSearchParams(this.query);
    return this._search;
  }

  /** Service class chosen natively when the head was complete; L.CLASS_IN_JS when none was. */
  get classIndex(): number {
    return this.buf[this.pos + L.RQ_CLASS]!;
  }

  get httpVersion(): string {
    return this.buf[this.pos + L.RQ_VERSION] === 0 ? '1.0' : '1.1';
  }

  get remoteAddress(): string {
    this._remote ??= formatPeerAddress(this.buf, this.pos + L.RQ_REMOTE_ADDR, this.buf[this.pos + L.RQ_REMOTE_FAMILY]!);
    return this._remote;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this._headers === undefined) {
      const h: Record<string, string> = Object.create(null) as Record<string, string>;
      const p = this.pos;
      const n = this.u32[(p + L.RQ_HEADER_COUNT) >> 2]!;
      const base = this.headStart();
      const t = (p + L.RQ_FIXED) >> 2;
      for (let i = 0; i < n; ++i) {
        const no = this.u32[t + i * 4]!, nl = this.u32[t + i * 4 + 1]!;
        const vo = this.u32[t + i * 4 + 2]!, vl = this.u32[t + i * 4 + 3]!;
        const name = this.buf.latin1Slice(base + no, base + no + nl).toLowerCase();
        const value = this.buf.latin1Slice(base + vo, base + vo + vl);
        const prev = h[name];
        h[name] = prev === undefined ? value : name === 'cookie' ? `${prev}; ${value}` : `${prev}, ${value}`;
      }
      this._headers = h;
    }
    return this._headers;
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** Set once the response's EOR went to the writer. */
  eorPassed = false;

  get pool(): RequestPool {
    if (this._pool === undefined) {
      this._pool = new Pool(this.registry);
      // Created after the response ended: no EOR will report this pool.
      if (this.eorPassed) this._pool.markEorPassed();
    }
    return this._pool;
  }

  /** The pool if one was created (the EOR carries its id). */
  get poolIfAny(): Pool | undefined {
    return this._pool;
  }

  /** Copies the message out of the ring so the handler may use it after this tick. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    const len = this.u32[this.pos >> 2]!;
    const copy = Buffer.allocUnsafe(len);
    this.buf.copy(copy, 0, this.pos, this.pos + len);
    // Aligned copy so the Uint32Array view works.
    const ab = new ArrayBuffer(len);
    const u8 = new Uint8Array(ab);
    u8.set(copy);
    this.buf = fast(Buffer.from(ab));
    this.u32 = new Uint32Array(ab, 0, len >> 2);
    this.pos = 0;
  }

  /** Inline body (delivered with the head): a copy. */
  private inlineBody(): Uint8Array | null {
    const len = this.u32[(this.pos + L.RQ_BODY_LEN) >> 2]!;
    if (len === 0) return null;
    const s = this.headStart() + this.u32[(this.pos + L.RQ_HEAD_LEN) >> 2]!;
    return Uint8Array.prototype.slice.call(this.buf, s, s + len);
  }

  /** Declared Content-Length (-1 for chunked, 0 for none). */
  get contentLength(): number {
    return this.reqF64(L.RQ_CONTENT_LENGTH);
  }

  private reqF64(off: number): number {
    return this.buf.readDoubleLE(this.pos + off);
  }

  // ---- body delivery (from the server's message loop) ----

  pushBody(chunk: Uint8Array, last: boolean): void {
    if (chunk.length > 0) this.bodyChunks.push(chunk);
    if (last) this.bodyDone = true;
    this.wake();
  }

  failBody(err: Error): void {
    this.bodyError = err;
    this.bodyDone = true;
    this.wake();
  }

  abort(): void {
    this.aborted = true;
    if (!this.bodyDone) this.failBody(new RequestAbortedError());
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  /** true while more body bytes are expected from the native side. */
  get bodyPending(): boolean {
    return !this.bodyDone;
  }

  async *stream(): AsyncIterable<Uint8Array> {
    if (this.bodyConsumed) throw new Error('request body already consumed');
    this.bodyConsumed = true;
    const inline = this.inlineBody();
    if (inline) yield inline;
    for (;;) {
      while (this.bodyChunks.length > 0) yield this.bodyChunks.shift()!;
      if (this.bodyError) throw this.bodyError;
      if (this.bodyDone) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  async bytes(): Promise<Uint8Array> {
    if (!this.bodyFollows) {
      if (this.bodyConsumed) throw new Error('request body already consumed');
      this.bodyConsumed = true;
      return this.inlineBody() ?? new Uint8Array(0);
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const c of this.stream()) {
      parts.push(c);
      total += c.length;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async text(): Promise<string> {
    const b = await this.bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
