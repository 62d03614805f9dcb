// Subrequests: a synthetic GET for another path of the same server, run
// through the same router, handlers and static mounts, whose body is handed
// back as brigades instead of being written to a socket (httpd's
// ap_sub_req_lookup_uri + ap_run_sub_req; SSI's `include virtual`).
//
// Decisions:
// - The subrequest carries the parent's request headers, minus those that
//   would change what the body is: Range/If-Range, the preconditions (a 304
//   or 412 has nothing to splice) and Accept-Encoding (an included fragment
//   must be identity, never a precompressed sibling).
// - Only `resource` filters run on its output (SSI in an included page, a
//   templating filter); content-set filters such as compress and the
//   protocol filters belong to the main response, as in httpd, where
//   mod_deflate and the byterange filter stay out of subrequests.
// - Its pool is the parent's: fds of included files stay open until the
//   parent's response is on the wire (the FILE buckets are spliced, not read).
// - Flow control: each body brigade is handed to the consumer one at a time;
//   a filter of the subrequest that awaits ctx.pass() waits for the consumer.
import * as fs from 'node:fs';
import { openFileRange } from './open-file-range.js';
import { Brigade } from './brigade/brigade.js';
import { EosBucket, FileBucket, HeapBucket } from './brigade/bucket.js';
import { closeQuietly } from './fd.js';
import { FilterChain } from './filters/chain.js';
import { applies, type Filter, type FilterRegistration, type SubrequestResult } from './filters/filter.js';
import type { HeaderValue, Handler, Request, RequestPool, Response, SendFileOptions } from './types.js';

/** What the server lends a subrequest. */
export interface SubrequestHost {
  readonly filters: readonly FilterRegistration[];
  /** The handler for a GET of path (with its route params), or null: 404. */
  route(path: string): { handler: Handler; params: Record<string, string> } | null;
  /** ms a subrequest's handler may take to finish its response (0: no limit); the server's handler timeout. */
  readonly timeoutMs: number;
}

/** Headers never copied from the parent. */
const DROPPED_HEADERS = new Set([
  'range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'accept-encoding',
  'content-length',
  'transfer-encoding',
]);

/** A synthetic GET request for target, inheriting the parent's headers, address and pool. */
export class Subrequest implements Request {
  readonly method = 'GET';
  readonly path: string;
  readonly query: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly remoteAddress: string;
  readonly secure: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly pool: RequestPool;
  /** The request this one was made for. */
  readonly parent: Request;
  /** 1 for a subrequest of a client's request, 2 for one of a subrequest, ... */
  readonly depth: number;
  params: Readonly<Record<string, string>> = {};
  private _search: URLSearchParams | undefined;

  constructor(parent: Request, target: string) {
    const q = target.indexOf('?');
    this.path = q < 0 ? target : target.slice(0, q);
    this.query = q < 0 ? '' : target.slice(q + 1);
    this.url = target;
    this.parent = parent;
    this.depth = parent instanceof Subrequest ? parent.depth + 1 : 1;
    this.httpVersion = parent.httpVersion;
    this.remoteAddress = parent.remoteAddress;
    this.secure = parent.secure;
    this.pool = parent.pool;
    const h: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(parent.headers)) if (!DROPPED_HEADERS.has(k)) h[k] = v;
    this.headers = h;
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  get searchParams(): URLSearchParams {
    this._search ??= new URLSearchParams(this.query);
    return this._search;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(0);
  }
  async text(): Promise<string> {
    return '';
  }
  async json<T = unknown>(): Promise<T> {
    throw new SyntaxError('a subrequest has no body');
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<Uint8Array> {
    return;
  }
}

/** The request paths from this one up to the client's request, nearest first. */
export function requestAncestry(req: Request): string[] {
  const out: string[] = [];
  let r: Request | undefined = req;
  while (r) {
    out.push(r.path);
    r = r instanceof Subrequest ? r.parent : undefined;
  }
  return out;
}

/** Hands brigades from the producer to one consumer, one at a time. */
class BodyQueue {
  private items: Brigade[] = [];
  private taken: (() => void)[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  private error: unknown = null;
  cancelled = false;

  /** Resolves once the consumer took the brigade (or went away). */
  push(b: Brigade): Promise<void> {
    if (this.cancelled || this.ended) return Promise.resolve();
    this.items.push(b);
    this.wake();
    return new Promise<void>((resolve) => this.taken.push(resolve));
  }
  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (err !== undefined) this.error = err;
    this.wake();
  }
  cancel(): void {
    this.cancelled = true;
    this.items = [];
    for (const t of this.taken.splice(0)) t();
  }
  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  async *drain(): AsyncGenerator<Brigade> {
    try {
      for (;;) {
        const b = this.items.shift();
        if (b) {
          this.taken.shift()?.();
          yield b;
          continue;
        }
        if (this.ended) {
          if (this.error !== null) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
      }
    } finally {
      this.cancel();
    }
  }
}

/** The subrequest's response: headers kept here, body through its resource filters into a queue. */
class SubResponse implements Response {
  statusCode = 200;
  private readonly fields = new Map<string, { name: string; values: string[] }>();
  private started = false;
  private done = false;
  private chain: FilterChain | null = null;
  private tail: Promise<void> = Promise.resolve();
  readonly queue = new BodyQueue();
  private readonly onStart: (r: SubResponse) => void;
  private readonly host: SubrequestHost;
  private readonly req: Subrequest;
  private readonly nested: (target: string) => Promise<SubrequestResult>;

  constructor(host: SubrequestHost, req: Subrequest, onStart: (r: SubResponse) => void, nested: (target: string) => Promise<SubrequestResult>) {
    this.host = host;
    this.req = req;
    this.onStart = onStart;
    this.nested = nested;
  }

  get finished(): boolean {
    return this.done;
  }
  get headersSent(): boolean {
    return this.started;
  }
  get aborted(): boolean {
    return this.queue.cancelled;
  }
  status(code: number): this {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`invalid status code ${code}`);
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: HeaderValue): this {
    const values = Array.isArray(value) ? (value as readonly string[]).map(String) : [String(value)];
    this.fields.set(name.toLowerCase(), { name, values });
    return this;
  }
  appendHeader(name: string, value: string): this {
    const f = this.fields.get(name.toLowerCase());
    if (f) f.values.push(value);
    else this.fields.set(name.toLowerCase(), { name, values: [value] });
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.fields.get(name.toLowerCase())?.values.join(', ');
  }
  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }
  removeHeader(name: string): this {
    this.fields.delete(name.toLowerCase());
    return this;
  }

  write(chunk: string | Uint8Array): this {
    if (this.done) throw new Error('write after end');
    this.send(new Brigade(chunk.length > 0 ? [bytesBucket(chunk)] : []));
    return this;
  }
  end(chunk?: string | Uint8Array): void {
    if (this.done) return;
    const b = new Brigade(chunk !== undefined && chunk.length > 0 ? [bytesBucket(chunk)] : []);
    b.append(new EosBucket());
    this.send(b);
    this.done = true;
  }
  json(value: unknown): void {
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    this.end(JSON.stringify(value));
  }
  sendFd(fd: number, offset: number, length: number): void {
    if (this.started) {
      fs.close(fd, () => {});
      throw new Error('sendFd: headers already sent');
    }
    // Spliced into the parent's body as it is: the fd lives until the parent's EOR.
    this.req.pool.cleanup(() => closeQuietly(fd));
    const b = new Brigade(length > 0 ? [new FileBucket(fd, offset, length)] : []);
    b.append(new EosBucket());
    this.send(b);
    this.done = true;
  }
  async sendFile(file: string, options: SendFileOptions = {}): Promise<void> {
    const r = await openFileRange(file, options);
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', r.contentType);
    this.sendFd(r.fd, r.offset, r.length);
  }
  flush(): void {
    // Nothing to push: the parent decides when its body goes out.
  }
  /** The including page takes each brigade in turn: resolves once it took all written so far. */
  drained(): Promise<void> {
    return this.tail;
  }

  /** Ends the subrequest abnormally (its handler failed). */
  fail(err: unknown): void {
    if (!this.started) {
      this.statusCode = (err as { status?: number } | null)?.status ?? 500;
      if (this.statusCode < 400 || this.statusCode > 599) this.statusCode = 500;
      this.start();
    }
    this.done = true;
    this.tail = this.tail.then(() => this.queue.end(err));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const type = this.getHeader('content-type');
    const filters: Filter<unknown>[] = [];
    for (const r of this.host.filters) if (r.filter.type === 'resource' && applies(r, 'GET', this.req.path, type)) filters.push(r.filter);
    const queue = this.queue;
    const sink: Filter<unknown> = {
      name: 'subrequest-sink',
      type: 'network',
      filter(_ctx, brigade) {
        const eos = brigade.hasEos;
        const data = new Brigade(brigade.buckets.filter((b) => !b.isMetadata));
        const pushed = data.isEmpty ? undefined : queue.push(data);
        if (eos) queue.end();
        return pushed;
      },
    };
    this.chain = new FilterChain([...filters, sink], this.req, this, this.nested);
    this.onStart(this);
  }

  private send(b: Brigade): void {
    this.start();
    const chain = this.chain!;
    this.tail = this.tail.then(() => chain.pass(b)).catch((err: unknown) => this.queue.end(err));
  }
}

function bytesBucket(chunk: string | Uint8Array): HeapBucket {
  // A copy: the handler may reuse its buffer, and these bytes outlive the call.
  return typeof chunk === 'string' ? HeapBucket.fromString(chunk) : new HeapBucket(Uint8Array.prototype.slice.call(chunk));
}

/**
 * Runs a GET for target (an absolute path, optional query) on behalf of
 * parent. Resolves when the subrequest's head is final (its first output):
 * status, headers and the body as an async iterable of data brigades.
 */
export function runSubrequest(host: SubrequestHost, parent: Request, target: string): Promise<SubrequestResult> {
  const req = new Subrequest(parent, target);
  return new Promise<SubrequestResult>((resolve) => {
    const nested = (t: string): Promise<SubrequestResult> => runSubrequest(host, req, t);
    const res = new SubResponse(host, req, (r) => resolve({ status: r.statusCode, getHeader: (n) => r.getHeader(n), body: r.queue.drain() }), nested);
    const found = host.route(req.path);
    if (!found) {
      res.status(404).setHeader('Content-Type', 'text/plain; charset=utf-8').end('Not Found\n');
      return;
    }
    req.params = found.params;
    try {
      const r = found.handler(req, res);
      if (r && typeof r.then === 'function') r.then(undefined, (err: unknown) => res.fail(err));
    } catch (err) {
      res.fail(err);
    }
    if (host.timeoutMs > 0 && !res.finished) {
      // A handler that never finishes would hold the including page forever.
      const timer = setTimeout(() => {
        if (!res.finished) res.fail(Object.assign(new Error('subrequest timed out'), { status: 504 }));
      }, host.timeoutMs);
      timer.unref();
      req.pool.cleanup(() => clearTimeout(timer));
    }
  });
}
