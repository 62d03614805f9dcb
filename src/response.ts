// Response: builds the status line, headers and body straight into slab memory
// and hands bucket descriptors (HEAP, FILE, EOS, EOR) to the native writer.
// Framing (Content-Length / chunked / close-delimited) is decided here when
// the head is serialised: a complete body gets Content-Length, a streamed one
// chunked coding on HTTP/1.1 and close-delimited on HTTP/1.0.
import * as fs from 'node:fs';
import { openFileRange } from './open-file-range.js';
import type { Lane } from './bridge/lane.js';
import * as L from './bridge/layout.js';
import { Brigade } from './brigade/brigade.js';
import { EorBucket, EosBucket, FileBucket, FlushBucket, HeapBucket } from './brigade/bucket.js';
import { dateLine } from './date.js';
import { closeQuietly } from './fd.js';
import { FilterChain } from './filters/chain.js';
import { chunkFilter } from './filters/chunk.js';
import { applies, type Filter, type FilterRegistration, type SubrequestResult } from './filters/filter.js';
import { httpHeaderFilter, type Framing } from './filters/http-header.js';
import { networkFilter } from './filters/network.js';
import type { Pool } from './pool.js';
import type { BrigadeRequest } from './request.js';
import { statusForbidsBody, statusLine } from './status.js';
import type { HeaderValue, Response, SendFileOptions } from './types.js';

export interface ResponseHost {
  /** true once the server started a graceful shutdown (responses close their connection). */
  readonly closing: boolean;
  /** Filters registered with server.filter(), in registration order. */
  readonly filters: readonly FilterRegistration[];
  /** Called once when the response has been handed to the writer completely. */
  responseFinished(req: BrigadeRequest, res: BrigadeResponse): void;
  /** Runs a subrequest for a filter of this response (ctx.subrequest). */
  subrequest?(parent: BrigadeRequest, target: string): Promise<SubrequestResult>;
}

const FRESH = 0;
const STREAMING = 1;
const FINISHED = 2;
const RESOLVED: Promise<void> = Promise.resolve();

// RFC 9110 token characters, for header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: no CR, LF, NUL or other controls except HTAB; latin1 only.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]/;
const NON_ASCII = /[\u0080-\u00ff]/;

// Handlers set the same few headers again and again: remember what passed
// validation (bounded, so hostile variety cannot grow them without limit).
const CACHE_MAX = 512;
const checkedNames = new Map<string, string>(); // name -> lower-case name
const checkedValues = new Map<string, boolean>(); // value -> is ASCII

function lowerToken(name: string): string {
  let l = checkedNames.get(name);
  if (l === undefined) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    l = name.toLowerCase();
    if (checkedNames.size < CACHE_MAX) checkedNames.set(name, l);
  }
  return l;
}

/** Validates a field value; returns true when it is pure ASCII. */
function checkValue(name: string, value: string): boolean {
  let ascii = checkedValues.get(value);
  if (ascii === undefined) {
    if (BAD_VALUE.test(value)) throw new TypeError(`invalid character in header ${name}`);
    ascii = !NON_ASCII.test(value);
    if (checkedValues.size < CACHE_MAX && value.length <= 256) checkedValues.set(value, ascii);
  }
  return ascii;
}

export class BrigadeResponse implements Response {
  statusCode = 200;
  private names: string[] = [];
  private lower: string[] = [];
  private values: string[] = [];
  private state = FRESH;
  private headSent = false;
  // false once a header value holds latin1 bytes >= 0x80 (then the head cannot
  // share one UTF-8 write with the body).
  private headAscii = true;
  readonly framing: Framing = { chunked: false, close: false };
  // The filter chain, when a registered filter applies (decided at the first output).
  private chain: FilterChain | null = null;
  private chainDecided = false;
  private chainTail: Promise<void> | null = null;
  private declaredLength = -1;
  private sentBody = 0;
  /** performance.now() when the request reached JS; set only while metrics are on. */
  startedAt = 0;
  private readonly host: ResponseHost;
  private readonly lane: Lane;
  private readonly req: BrigadeRequest;

  constructor(host: ResponseHost, lane: Lane, req: BrigadeRequest) {
    this.host = host;
    this.lane = lane;
    this.req = req;
  }

  get finished(): boolean {
    return this.state === FINISHED;
  }
  get headersSent(): boolean {
    return this.headSent;
  }
  get aborted(): boolean {
    return this.req.aborted;
  }
  /**
   * Body bytes handed to the writer (the access log's %b). Through output
   * filters it counts what the handler produced, before any filter (gzip).
   */
  get bodyBytes(): number {
    return this.sentBody;
  }

  status(code: number): this {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`invalid status code ${code}`);
    this.statusCode = code;
    return this;
  }

  private index(lname: string): number {
    return this.lower.indexOf(lname);
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headSent) throw new Error('headers already sent');
    const lname = lowerToken(name);
    if (this.lower.length > 0) this.removeHeader(lname);
    if (Array.isArray(value)) {
      for (const v of value as readonly string[]) this.add(name, lname, String(v));
    } else {
      this.add(name, lname, String(value));
    }
    return this;
  }

  appendHeader(name: string, value: string): this {
    if (this.headSent) throw new Error('headers already sent');
    this.add(name, lowerToken(name), value);
    return this;
  }

  private add(name: string, lname: string, value: string): void {
    if (!checkValue(name, value)) this.headAscii = false;
    this.names.push(name);
    this.lower.push(lname);
    this.values.push(value);
  }

  getHeader(name: string): string | undefined {
    const lname = name.toLowerCase();
    let out: string | undefined;
    for (let i = 0; i < this.lower.length; ++i) {
      if (this.lower[i] === lname) out = out === undefined ? this.values[i] : `${out}, ${this.values[i]}`;
    }
    return out;
  }

  hasHeader(name: string): boolean {
    return this.index(name.toLowerCase()) >= 0;
  }

  removeHeader(name: string): this {
    if (this.headSent) throw new Error('headers already sent');
    const lname = name.toLowerCase();
    for (let i = this.lower.length - 1; i >= 0; --i) {
      if (this.lower[i] === lname) {
        this.names.splice(i, 1);
        this.lower.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    return this;
  }

  /** Serialises the head (used by the http-header filter); marks headers sent. */
  serializeHead(bodyLength: number): string {
    return this.head(bodyLength);
  }

  get bodyAllowed(): boolean {
    return !this.isHead && !statusForbidsBody(this.statusCode);
  }

  /** Serialises the head. bodyLength < 0: length unknown (stream). */
  private head(bodyLength: number): string {
    this.headSent = true;
    const code = this.statusCode;
    let s = statusLine(code);
    let hasDate = false;
    let userLength = -1;
    let userConnectionClose = false;
    for (let i = 0; i < this.names.length; ++i) {
      const l = this.lower[i]!;
      if (l === 'content-length') {
        // Framing is ours: the value is re-emitted below when it is used, never twice.
        userLength = Number(this.values[i]);
        continue;
      } else if (l === 'transfer-encoding') {
        continue; // framing is ours
      } else if (l === 'date') {
        hasDate = true;
      } else if (l === 'connection') {
        if (/\bclose\b/i.test(this.values[i]!)) userConnectionClose = true;
        continue;
      }
      s += `${this.names[i]}: ${this.values[i]}\r\n`;
    }
    if (!hasDate) s += dateLine();
    const http11 = this.req.httpVersion === '1.1';
    let mustClose = !this.req.keepAlive || this.host.closing || userConnectionClose;
    if (statusForbidsBody(code)) {
      // no framing headers
    } else if (bodyLength >= 0) {
      s += `content-length: ${bodyLength}\r\n`;
    } else if (userLength >= 0 && Number.isSafeInteger(userLength)) {
      this.declaredLength = userLength;
      s += `content-length: ${userLength}\r\n`;
    } else if (http11) {
      this.framing.chunked = true;
      s += 'transfer-encoding: chunked\r\n';
    } else {
      mustClose = true; // HTTP/1.0: the body ends when the connection closes
    }
    if (mustClose) {
      this.framing.close = true;
      s += 'connection: close\r\n';
    } else if (!http11) {
      s += 'connection: keep-alive\r\n';
    }
    return s + '\r\n';
  }

  private get isHead(): boolean {
    return this.req.methodCode === 1;
  }

  private finish(): void {
    const lane = this.lane;
    lane.pushMeta(L.KIND_EOS);
    lane.pushMeta(L.KIND_EOR, this.req.poolIfAny?.id ?? 0, this.framing.close ? L.BUCKET_CLOSE : 0);
    lane.emit(this.req.conn, this.req.seq);
    this.req.eorPassed = true;
    this.req.poolIfAny?.markEorPassed();
    this.state = FINISHED;
    this.host.responseFinished(this.req, this);
  }

  write(chunk: string | Uint8Array): this {
    if (this.state === FINISHED) throw new Error('write after end');
    if (this.useChain()) {
      this.state = STREAMING;
      this.sendBrigade(this.stageBody(chunk));
      return this;
    }
    const lane = this.lane;
    try {
      if (this.state === FRESH) {
        lane.writeLatin1(this.head(-1));
        this.state = STREAMING;
      }
      this.writeBodyChunk(chunk);
      lane.emit(this.req.conn, this.req.seq);
    } catch (err) {
      lane.discard();
      throw err;
    }
    return this;
  }

  end(chunk?: string | Uint8Array): void {
    if (this.state === FINISHED) return;
    if (this.useChain()) {
      this.finishChain(chunk === undefined ? new Brigade() : this.stageBody(chunk));
      return;
    }
    const lane = this.lane;
    try {
      if (this.state === FRESH) {
        const body = chunk ?? '';
        const allowed = this.bodyAllowed;
        if (typeof body === 'string') {
          const len = body.length === 0 ? 0 : Buffer.byteLength(body);
          const head = this.head(len);
          if (allowed) this.sentBody = len;
          if (!allowed || len === 0) lane.writeLatin1(head);
          else if (this.headAscii) lane.writeUtf8(head + body); // one copy into the slab
          else {
            lane.writeLatin1(head);
            lane.writeUtf8(body);
          }
        } else {
          lane.writeLatin1(this.head(body.length));
          if (allowed && body.length > 0) {
            lane.writeBytes(body);
            this.sentBody = body.length;
          }
        }
      } else {
        if (chunk !== undefined) this.writeBodyChunk(chunk);
        if (this.framing.chunked && this.bodyAllowed) lane.writeLatin1('0\r\n\r\n');
        // A declared Content-Length that was not honoured cannot be repaired: close.
        if (this.declaredLength >= 0 && this.sentBody !== this.declaredLength && this.bodyAllowed) this.framing.close = true;
      }
      this.finish();
    } catch (err) {
      lane.discard();
      throw err;
    }
  }

  json(value: unknown): void {
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    this.end(JSON.stringify(value));
  }

  sendFd(fd: number, offset: number, length: number): void {
    if (this.state !== FRESH) {
      fs.close(fd, () => {});
      throw new Error('sendFd: headers already sent');
    }
    if (this.useChain()) {
      // The request pool owns the fd: closed once the writer reached the EOR.
      this.req.pool.cleanup(() => closeQuietly(fd));
      this.sentBody = length;
      this.finishChain(new Brigade(length > 0 ? [new FileBucket(fd, offset, length)] : []));
      return;
    }
    const lane = this.lane;
    try {
      lane.writeLatin1(this.head(length));
    } catch (err) {
      lane.discard();
      fs.close(fd, () => {});
      throw err;
    }
    if (this.bodyAllowed && length > 0) {
      // The writer owns the fd from here on and closes it once the bytes are sent.
      lane.pushFile(fd, offset, length, true);
      this.sentBody = length;
    } else {
      fs.close(fd, () => {});
    }
    this.finish();
  }

  async sendFile(file: string, options: SendFileOptions = {}): Promise<void> {
    const r = await openFileRange(file, options);
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', r.contentType);
    this.sendFd(r.fd, r.offset, r.length);
  }

  /**
   * Resolves when writing more is reasonable: the output filters (if any)
   * have taken what was written, and the bytes the native writers hold unsent
   * are below the low-water mark (or the client is gone). A handler that
   * writes a large body awaits it between writes, as it would wait for
   * node:http's 'drain'; write() itself never blocks.
   */
  drained(): Promise<void> {
    const check = (): Promise<void> | undefined => this.lane.drained(() => this.aborted) ?? undefined;
    const tail = this.chainTail;
    if (tail) return tail.then(check);
    return check() ?? RESOLVED;
  }

  /** Forces everything written so far onto the wire (a FLUSH bucket through the chain). */
  flush(): void {
    if (this.state === FINISHED || !this.useChain()) return;
    this.state = STREAMING;
    this.sendBrigade(new Brigade([new FlushBucket()]));
  }

  /** Decides once, at the first output, whether a filter chain runs for this response. */
  private useChain(): boolean {
    if (this.chainDecided) return this.chain !== null;
    this.chainDecided = true;
    const regs = this.host.filters;
    if (regs.length === 0) return false;
    const method = this.req.method;
    const path = this.req.path;
    const type = this.getHeader('content-type');
    const user: Filter<unknown>[] = [];
    for (const r of regs) if (applies(r, method, path, type)) user.push(r.filter);
    if (user.length === 0) return false;
    const target = { lane: this.lane, conn: this.req.conn, seq: this.req.seq, framing: this.framing };
    const host = this.host;
    const chain = new FilterChain(
      [...user, httpHeaderFilter(this) as Filter<unknown>, chunkFilter(this.framing) as Filter<unknown>, networkFilter(target) as Filter<unknown>],
      this.req,
      this,
      host.subrequest ? (t: string) => host.subrequest!(this.req, t) : undefined,
    );
    // Every user filter declined in init(): the built-ins alone are what the fast path does.
    if (chain.names.length === 3) return false;
    this.chain = chain;
    return true;
  }

  /** Fast path, streaming: one body chunk into slab memory (chunk-framed when chunked). */
  private writeBodyChunk(chunk: string | Uint8Array): void {
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (len === 0 || !this.bodyAllowed) return;
    const lane = this.lane;
    if (this.framing.chunked) lane.writeLatin1(`${len.toString(16)}\r\n`);
    if (typeof chunk === 'string') lane.writeUtf8(chunk);
    else lane.writeBytes(chunk);
    if (this.framing.chunked) lane.writeLatin1('\r\n');
    this.sentBody += len;
  }

  /** Ends the response through the chain: the last body buckets, then EOS and EOR. */
  private finishChain(b: Brigade): void {
    b.append(new EosBucket(), new EorBucket(this.req.pool));
    this.state = FINISHED;
    this.sendBrigade(b);
    this.host.responseFinished(this.req, this);
  }

  /** Body bytes go straight into slab memory; the chain sees them as HEAP buckets. */
  private stageBody(chunk: string | Uint8Array): Brigade {
    const b = new Brigade();
    if (chunk.length === 0) return b;
    this.sentBody += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    for (const v of this.lane.stage(chunk)) b.append(new HeapBucket(v));
    return b;
  }

  /** Slabs holding this brigade's staged bytes: pinned until the chain is done with it. */
  private pinStaged(b: Brigade): number[] {
    const ids: number[] = [];
    for (const bk of b.buckets) {
      if (!(bk instanceof HeapBucket)) continue;
      const id = this.lane.slabOf(bk.bytes);
      if (id !== undefined && !ids.includes(id)) {
        ids.push(id);
        this.lane.pin(id);
      }
    }
    return ids;
  }

  /** Passes a brigade down the chain, in order, also when filters are async. */
  private sendBrigade(b: Brigade): void {
    const chain = this.chain!;
    const pinned = this.pinStaged(b);
    const unpin = (): void => {
      for (const id of pinned) this.lane.unpin(id);
    };
    const run = (): void | Promise<void> => chain.pass(b);
    if (this.chainTail) {
      this.chainTail = this.chainTail
        .then(run)
        .catch((err: unknown) => this.chainFailed(err))
        .finally(unpin);
      return;
    }
    try {
      const r = run();
      if (r && typeof (r as Promise<void>).then === 'function') {
        this.chainTail = (r as Promise<void>).catch((err: unknown) => this.chainFailed(err)).finally(unpin);
      } else {
        unpin();
      }
    } catch (err) {
      unpin();
      this.chainFailed(err);
    }
  }

  private chainFailed(err: unknown): void {
    process.emitWarning(`brigade: output filter failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    // Bytes may already be on the wire: the only honest ending is a close.
    this.framing.close = true;
    this.lane.discard();
    this.lane.pushMeta(L.KIND_EOR, (this.req.pool as Pool).id, L.BUCKET_CLOSE);
    this.lane.emit(this.req.conn, this.req.seq);
  }

  /** Handler failed after the head left: end the response abnormally and close. */
  abortStream(): void {
    if (this.state === FINISHED) return;
    this.framing.close = true;
    this.lane.pushMeta(L.KIND_EOR, this.req.poolIfAny?.id ?? 0, L.BUCKET_CLOSE);
    this.lane.emit(this.req.conn, this.req.seq);
    this.req.eorPassed = true;
    this.req.poolIfAny?.markEorPassed();
    this.state = FINISHED;
    this.host.responseFinished(this.req, this);
  }
}
