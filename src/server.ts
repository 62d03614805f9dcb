// Server: the control plane. Owns the native server, its lanes, the router and
// the request pools; runs handlers for the requests each lane delivers.
import { lookup } from 'node:dns/promises';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { Lane, type LaneSink } from './bridge/lane.js';
import * as L from './bridge/layout.js';
import { LooperWorkers } from './workers/looper-workers.js';
import { currentWorkerId } from './workers/identity.js';
import { resolveOptions, type ResolvedOptions, type ServerOptions, type WorkerPlan } from './config.js';
import { hstsHeader, resolveTls, type TlsOptions } from './tls/options.js';
import { native, type NativeServerHandle, type NativeStats } from './native.js';
import { PoolRegistry } from './pool.js';
import { BodyTooLargeError, BrigadeRequest, RequestAbortedError } from './request.js';
import { BrigadeResponse, type ResponseHost } from './response.js';
import { Router } from './router.js';
import type { Filter, FilterRegistration, FilterScope, SubrequestResult } from './filters/filter.js';
import { runSubrequest, type SubrequestHost } from './subrequest.js';
import { contentTypeTable } from './static/mime.js';
import { nativeMounts, type RoutePattern } from './static/native-mounts.js';
import { createStaticMount, type StaticOptions } from './static/static-handler.js';
import type { Handler } from './types.js';
import { createFetchHandler } from './fetch/handler.js';
import { classStatus } from './status/class-status.js';
import { Observability } from './status/observability.js';
import type { FetchHandler, FetchServerOptions } from './fetch/types.js';
import { ServiceClasses } from './classes/service-classes.js';
import type { ClassStats, ServiceClassServerOptions } from './classes/types.js';

export interface ServerStats extends NativeStats {
  /** Request pools waiting for their EOR. */
  poolsLive: number;
  /** Requests whose handler has not finished the response yet. */
  requestsPending: number;
}

export interface ServerAddress {
  host: string;
  port: number;
}

export interface CloseOptions {
  /** ms to wait for in-flight requests before connections are aborted (default 10000). */
  timeout?: number;
  /**
   * After a hand-over only: ms during which idle keep-alive connections stay
   * open, so a request a client sends on one right now is still answered (with
   * Connection: close); then the idle ones left are closed. Default: 2000, at
   * most the keep-alive timeout.
   */
  idleGrace?: number;
}

export interface ListenOptions {
  /**
   * Take over the listening socket of this running server instead of binding
   * one (graceful reload): both accept from the same kernel queue until the
   * old one is closed, so no connection is refused or dropped. The host and
   * port options of this server are not used. See handOver().
   */
  from?: Server;
}

/** How many servers hold one listening socket: only the last to close shuts it. */
interface ListenerShare {
  holders: number;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

export class Server implements LaneSink, ResponseHost {
  private readonly opts: ResolvedOptions;
  private readonly router = new Router<Handler>();
  private readonly pools = new PoolRegistry();
  // The response of each pending request (a body failure is answered through it).
  private readonly responses = new WeakMap<BrigadeRequest, BrigadeResponse>();
  readonly filters: FilterRegistration[] = [];
  // Every route pattern in registration order, and the static mounts' own
  // filters: what decides which mounts the native fast path may serve.
  private readonly routePatterns: RoutePattern[] = [];
  private readonly mountFilters = new Set<FilterRegistration>();
  private nativeServer: NativeServerHandle | null = null;
  private lanes: Lane[] = [];
  // Unfinished requests by (lane, connection): they receive body chunks and aborts.
  private readonly pending = new Map<number, BrigadeRequest[]>();
  private pendingCount = 0;
  private drainedLanes = 0;
  private onDrained: (() => void) | null = null;
  private _closing = false;
  private _address: ServerAddress | null = null;
  private listenerShare: ListenerShare | null = null;
  // workers: N > 1 — the looper worker threads that serve instead of this one.
  private workerThreads: LooperWorkers | null = null;
  private routesAdded = false;
  // options.fetch: answers what no route matched (docs/fetch.md).
  private readonly fallback: Handler | null;
  /** Status page, metrics and access log (docs/observability.md); null when none is enabled. */
  readonly observability: Observability | null;
  /** options.app: service classes and queue servers (docs/service-classes.md); null otherwise. */
  readonly serviceClasses: ServiceClasses | null;

  constructor(options: ServerOptions & FetchServerOptions & ServiceClassServerOptions = {}) {
    this.opts = resolveOptions(options);
    this.serviceClasses = ServiceClasses.fromOptions(options);
    // The native side classifies each request when its head is complete.
    if (this.serviceClasses) Object.assign(this.opts.native, this.serviceClasses.nativeRules());
    this.fallback = this.serviceClasses?.handler ?? (options.fetch ? createFetchHandler(options.fetch, this) : null);
    // Metrics carry the class label 'default' for now: per-class latency is on the status page (classStats).
    this.observability = Observability.create(options, this.opts.native.mpm);
    const sc = this.serviceClasses;
    if (this.observability && sc) this.observability.extensions = { classes: () => classStatus(sc.stats()) };
    // Registered first, so the status paths belong to brigade when enabled (and do not exist otherwise).
    for (const r of this.observability?.routes ?? []) this.router.add('GET', r.path, r.handler);
  }

  get closing(): boolean {
    return this._closing;
  }

  /** Where the server listens (after listen()). */
  get address(): ServerAddress {
    if (!this._address) throw new Error('brigade: server is not listening');
    return this._address;
  }

  get listening(): boolean {
    return (this.nativeServer !== null || this.workerThreads !== null) && !this._closing;
  }

  /** Which looper worker thread this server runs on (workers: N), 0 outside workers. */
  get workerId(): number {
    return currentWorkerId();
  }

  // ---- routes ----

  route(method: string, pattern: string, handler: Handler): this {
    this.routesAdded = true;
    this.router.add(method === '*' ? '*' : method.toUpperCase(), pattern, handler);
    this.routesChanged({ pattern });
    return this;
  }

  /** Routes added while listening may shadow a natively served mount: stop serving any natively. */
  private routesChanged(route: RoutePattern): void {
    this.routePatterns.push(route);
    this.nativeServer?.disableStaticFastPath();
  }
  get(pattern: string, handler: Handler): this {
    return this.route('GET', pattern, handler);
  }
  post(pattern: string, handler: Handler): this {
    return this.route('POST', pattern, handler);
  }
  put(pattern: string, handler: Handler): this {
    return this.route('PUT', pattern, handler);
  }
  patch(pattern: string, handler: Handler): this {
    return this.route('PATCH', pattern, handler);
  }
  delete(pattern: string, handler: Handler): this {
    return this.route('DELETE', pattern, handler);
  }
  options(pattern: string, handler: Handler): this {
    return this.route('OPTIONS', pattern, handler);
  }
  all(pattern: string, handler: Handler): this {
    return this.route('*', pattern, handler);
  }
  /** A fetch-style handler (WHATWG Request in, Response out) for every method at pattern. */
  fetch(pattern: string, handler: FetchHandler): this {
    return this.route('*', pattern, createFetchHandler(handler, this));
  }

  /** Serves files under dir at prefix (index.html, MIME types, HEAD, 404, no escaping dir). */
  static(prefix: string, dir: string, options?: StaticOptions): this {
    const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    this.routesAdded = true;
    const mount = createStaticMount(path.resolve(dir), options);
    this.router.add('*', `${p}/*`, mount.handler);
    this.routesChanged({ pattern: `${p}/*`, mount: { ...mount.config, prefix: p } });
    // The mount's filters (byterange, compress) act only on its own file responses.
    for (const filter of mount.filters) {
      const reg: FilterRegistration = { filter, scope: { path: p } };
      this.filters.push(reg);
      this.mountFilters.add(reg);
    }
    return this;
  }

  // ---- output filters ----

  /**
   * Adds an output filter for the responses in scope (path prefix, content
   * types — decided when the first output brigade leaves, like httpd's
   * AddOutputFilterByType — and methods). Its place in the chain follows its
   * type; filters of the same type run in registration order.
   */
  filter<S>(filter: Filter<S>, scope: FilterScope = {}): this {
    if (this.nativeServer) throw new Error('brigade: add filters before listen()');
    this.filters.push({ filter: filter as Filter<unknown>, scope });
    return this;
  }

  // ---- subrequests ----

  /**
   * A synthetic GET for target (absolute path, optional query) through the
   * router, on behalf of parent (SSI's include virtual; src/subrequest.ts).
   */
  subrequest(parent: BrigadeRequest, target: string): Promise<SubrequestResult> {
    const host: SubrequestHost = {
      filters: this.filters,
      route: (p) => {
        const m = this.router.match('GET', p);
        if (m.handler) return { handler: m.handler, params: m.params };
        return this.fallback ? { handler: this.fallback, params: {} } : null;
      },
      timeoutMs: this.opts.handlerTimeout,
    };
    return runSubrequest(host, parent, target);
  }

  // ---- lifecycle ----

  async listen(options: ListenOptions = {}): Promise<ServerAddress> {
    if (this.nativeServer || this.workerThreads) throw new Error('brigade: already listening');
    const o = this.opts;
    const from = options.from;
    if (o.workers) {
      if (from) throw new Error('brigade: listen({ from }) is not supported with workers (each worker has its own socket)');
      return this.listenOnWorkers(o.workers);
    }
    if (from && (!from.nativeServer || from._closing || !from.listenerShare)) {
      throw new Error('brigade: listen({ from }) needs a server that is listening');
    }
    const host = from ? from.address.host : isIP(o.host) ? o.host : (await lookup(o.host, { family: 4 })).address;
    // Before the native server: an access log that cannot be opened, or an
    // app module that fails to load in the queue servers, leaves nothing to undo.
    await this.observability?.start(this);
    await this.serviceClasses?.start();
    let ns: NativeServerHandle;
    let port: number;
    try {
      ns = new native.NativeServer(o.native);
      port = from ? ns.adoptListener(from.nativeServer!.listenFd()) : ns.listen(host, o.port, o.backlog, o.reusePort);
    } catch (err) {
      await this.serviceClasses?.close(); // the queue servers must not outlive a failed listen()
      await this.observability?.close();
      throw err;
    }
    if (from) {
      this.listenerShare = from.listenerShare!;
      ++this.listenerShare.holders;
    } else {
      this.listenerShare = { holders: 1 };
    }
    const maxSlabs = 65536;
    this.lanes = [];
    const lanes = ns.laneCount();
    // Many lanes (thread-per-connection MPMs) each serve one connection: small rings do.
    const reqBytes = lanes > 4 ? Math.min(o.requestRingBytes, 512 * 1024) : o.requestRingBytes;
    const respBytes = lanes > 4 ? Math.min(o.responseRingBytes, 256 * 1024) : o.responseRingBytes;
    for (let i = 0; i < lanes; ++i) {
      this.lanes.push(new Lane(i, ns, this, reqBytes, respBytes, lanes > 4 ? 4096 : maxSlabs));
    }
    // Responses made natively would carry no HSTS header and reach neither the
    // access log nor the metrics: with those, every request goes through JS.
    const nativeAllowed = this.observability === null && this.opts.hsts === undefined;
    const mounts = nativeAllowed ? nativeMounts(this.routePatterns, this.filters.filter((r) => !this.mountFilters.has(r))) : [];
    if (mounts.length > 0) ns.setStaticMounts(mounts, contentTypeTable(), { cacheEntries: 1024, validMs: 1000 });
    ns.start();
    this.nativeServer = ns;
    this._closing = false;
    this._address = { host, port };
    return this._address;
  }

  // workers: N > 1 — routes live in the app module, loaded by every worker.
  private async listenOnWorkers(plan: WorkerPlan): Promise<ServerAddress> {
    if (this.routesAdded || this.filters.length > 0 || this.fallback) {
      throw new Error('brigade: with workers, register routes, static mounts and filters in the workerModule');
    }
    const workers = new LooperWorkers(plan);
    const port = await workers.start();
    this.workerThreads = workers;
    this._closing = false;
    this._address = { host: this.opts.host, port };
    return this._address;
  }

  /**
   * Graceful reload: `next` (configured, not yet listening) takes over this
   * server's listening socket and starts accepting at once; then this server
   * drains (see close()) without ever closing the shared socket. Resolves
   * when this server is closed; `next` serves from the first moment on.
   */
  async handOver(next: Server, options: CloseOptions = {}): Promise<void> {
    await next.listen({ from: this });
    await this.close(options);
  }

  /**
   * Graceful shutdown: stop accepting, close idle keep-alive connections,
   * let in-flight requests finish (up to timeout), then stop the threads.
   * While another server still holds the listening socket (after a
   * hand-over), the socket is left open and idle keep-alive connections get
   * `idleGrace` ms to deliver one more request before they are closed.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.workerThreads && !this._closing) {
      this._closing = true;
      await this.workerThreads.close(options.timeout ?? 10000);
      this.workerThreads = null;
      return;
    }
    const ns = this.nativeServer;
    if (!ns || this._closing) return;
    this._closing = true;
    const timeout = options.timeout ?? 10000;
    const drained = new Promise<void>((resolve) => {
      this.onDrained = resolve;
    });
    this.drainedLanes = 0;
    const share = this.listenerShare;
    const handedOver = share !== null && share.holders > 1;
    if (share) --share.holders;
    let timer: NodeJS.Timeout | undefined;
    const waitDrained = (ms: number): Promise<boolean> =>
      Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    const started = Date.now();
    if (handedOver) {
      const grace = Math.min(options.idleGrace ?? 2000, this.opts.native.keepAliveTimeout, timeout);
      ns.drain(false, false);
      if (await waitDrained(grace)) ns.drain(true, false);
    } else {
      ns.drain(true, true);
    }
    const timedOut = await waitDrained(Math.max(0, timeout - (Date.now() - started)));
    if (timedOut) {
      ns.abortAll();
      await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
    }
    for (const lane of this.lanes) lane.retireCurrent();
    // Leave any native call stack (the looper runs JS inline) before stopping it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    ns.stop();
    // Whatever the writer never reported (stop raced a completion) is released now.
    for (const lane of this.lanes) lane.drain();
    for (const list of this.pending.values()) for (const r of list) r.abort();
    this.pending.clear();
    this.pendingCount = 0;
    this.pools.destroyAll();
    this.nativeServer = null;
    this.listenerShare = null;
    await this.observability?.close();
    await this.serviceClasses?.close();
  }

  /** Reopens the access log (after logrotate renamed it); SIGHUP and SIGUSR2 do the same. */
  reopenLogs(): Promise<void> {
    return this.observability ? this.observability.reopenLogs() : Promise.resolve();
  }

  /** Per-lane figures for the status scoreboard (src/status/lane-stats.ts). */
  laneStats(): Float64Array {
    return this.nativeServer ? this.nativeServer.laneStats() : new Float64Array(0);
  }

  /**
   * Replaces the TLS certificates and settings (e.g. after certificate
   * renewal): new connections use them, established ones keep theirs. Throws,
   * keeping the current ones, when the new ones are unusable.
   */
  reloadTls(tls: TlsOptions): void {
    if (!this.opts.native.tls) throw new Error('brigade: reloadTls() needs a server created with the tls option');
    const resolved = resolveTls(tls);
    const hsts = hstsHeader(tls.hsts);
    this.nativeServer?.reloadTls(resolved);
    this.opts.native.tls = resolved;
    this.opts.hsts = hsts;
    // The native static fast path sends no HSTS header.
    if (hsts !== undefined) this.nativeServer?.disableStaticFastPath();
  }

  /** Per-class queue and goal figures; empty without service classes. */
  classStats(): ClassStats[] {
    return this.serviceClasses?.stats() ?? [];
  }

  stats(): ServerStats {
    const ns = this.nativeServer;
    const base: NativeStats = ns
      ? ns.stats()
      : {
          connectionsOpen: 0, connectionsTotal: 0, requestsTotal: 0, responsesTotal: 0, bytesWritten: 0,
          fileFdsOpen: 0, abortedTotal: 0, errorsTotal: 0, timeoutsTotal: 0, staleResponses: 0, reading: 0,
          writing: 0, keepAlive: 0, lingering: 0, inputBufferedBytes: 0, fileReadsOffloaded: 0, staticFastHits: 0,
          slabs: { slabsTotal: 0, slabsInUse: 0, bytesInUse: 0, bytesReserved: 0, remoteFrees: 0, localFrees: 0, allocations: 0 },
        };
    return { ...base, poolsLive: this.pools.size, requestsPending: this.pendingCount };
  }

  // ---- messages from the native side ----

  onMessage(lane: Lane, type: number, pos: number): void {
    switch (type) {
      case L.MSG_REQUEST:
        this.onRequest(lane, pos);
        return;
      case L.MSG_BODY: {
        const u32 = lane.reqU32;
        const req = this.findPending(lane, u32[(pos + L.EV_CONN) >> 2]!, u32[(pos + L.EV_SEQ) >> 2]!);
        if (!req) return;
        const len = u32[(pos + L.BODY_DATA_LEN) >> 2]!;
        const start = pos + L.BODY_FIXED;
        const chunk = Uint8Array.prototype.slice.call(lane.reqU8, start, start + len);
        req.pushBody(chunk, (lane.reqU8[pos + L.EV_FLAGS]! & L.BODY_LAST) !== 0);
        return;
      }
      case L.MSG_BODY_ERROR: {
        const u32 = lane.reqU32;
        const req = this.findPending(lane, u32[(pos + L.EV_CONN) >> 2]!, u32[(pos + L.EV_SEQ) >> 2]!);
        const status = lane.reqU8[pos + L.EV_AUX]! | (lane.reqU8[pos + L.EV_AUX + 1]! << 8);
        // No req: its response is complete already (the native side closes after it).
        if (!req) return;
        req.failBody(bodyError(status));
        this.answerBodyError(req, status);
        return;
      }
      case L.MSG_ABORT: {
        const u32 = lane.reqU32;
        const key = lane.index * 0x100000000 + u32[(pos + L.EV_CONN) >> 2]!;
        const first = u32[(pos + L.EV_SEQ) >> 2]!;
        const list = this.pending.get(key);
        if (!list) return;
        for (const r of list) if (r.seq - first >= 0) r.abort();
        return;
      }
      case L.MSG_EOR_DONE:
        this.pools.complete(lane.reqU32[(pos + L.EV_POOL) >> 2]!);
        return;
      case L.MSG_DRAINED:
        if (++this.drainedLanes === this.lanes.length) this.onDrained?.();
        return;
      default:
        return;
    }
  }

  private findPending(lane: Lane, conn: number, seq: number): BrigadeRequest | undefined {
    const list = this.pending.get(lane.index * 0x100000000 + conn);
    return list?.find((r) => r.seq === seq);
  }

  private onRequest(lane: Lane, pos: number): void {
    const req = new BrigadeRequest(lane.reqBuf, lane.reqU32, pos, this.pools);
    const res = new BrigadeResponse(this, lane, req);
    if (this.opts.hsts !== undefined) res.setHeader('Strict-Transport-Security', this.opts.hsts);
    if (this.observability !== null) res.startedAt = performance.now();
    let result: void | Promise<void>;
    try {
      const handler = this.resolve(req, res);
      if (!handler) return;
      result = handler(req, res);
    } catch (err) {
      this.handlerFailed(req, res, err);
      return;
    }
    if (res.finished) return; // the common, synchronous case: nothing to keep
    // The handler goes on after this tick: copy the request out of the ring.
    req.detach();
    this.responses.set(req, res);
    const key = lane.index * 0x100000000 + req.conn;
    req.pendingKey = key;
    const list = this.pending.get(key);
    if (list) list.push(req);
    else this.pending.set(key, [req]);
    ++this.pendingCount;
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(undefined, (err: unknown) => this.handlerFailed(req, res, err));
    }
    if (this.opts.handlerTimeout > 0) this.armHandlerTimeout(req, res);
  }

  /** Routes the request; answers 404/405/501 itself and returns null then. */
  private resolve(req: BrigadeRequest, res: BrigadeResponse): Handler | null {
    const method = req.method;
    const p = req.path;
    if (p === '*') {
      if (method === 'OPTIONS') {
        res.status(204).setHeader('Allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS').end();
      } else {
        res.status(400).setHeader('Content-Type', 'text/plain; charset=utf-8').end('Bad Request\n');
      }
      return null;
    }
    const m = this.router.match(method, p);
    if (m.handler) {
      req.params = m.params;
      return m.handler;
    }
    if (this.fallback) return this.fallback;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (m.allow.length > 0) {
      res.status(405).setHeader('Allow', m.allow.join(', ')).end('Method Not Allowed\n');
    } else if (!KNOWN_METHODS.has(method)) {
      res.status(501).end('Not Implemented\n');
    } else {
      res.status(404).end('Not Found\n');
    }
    return null;
  }

  /**
   * The request's body failed natively (too large, malformed, too slow): the
   * native side sends no error page for a request JS owns, so the answer is
   * ours, before the handler even learns of it. A response that started is cut off.
   */
  private answerBodyError(req: BrigadeRequest, status: number): void {
    const res = this.responses.get(req);
    if (!res || res.finished) return;
    if (res.headersSent) {
      res.abortStream();
      return;
    }
    try {
      res.status(status).setHeader('Content-Type', 'text/plain; charset=utf-8').setHeader('Connection', 'close');
      res.end(`${STATUS_CODES[status] ?? 'Error'}\n`);
    } catch {
      res.abortStream();
    }
  }

  /** Only handlers that went async are timed: a synchronous one has already finished. */
  private armHandlerTimeout(req: BrigadeRequest, res: BrigadeResponse): void {
    const timer = setTimeout(() => {
      if (res.finished || req.aborted) return;
      if (!res.headersSent) {
        try {
          res.status(503).setHeader('Content-Type', 'text/plain; charset=utf-8').setHeader('Retry-After', '1');
          res.end('Service Unavailable: the handler did not answer in time\n');
          return;
        } catch {
          // fall through: end the response abnormally
        }
      }
      res.abortStream();
    }, this.opts.handlerTimeout);
    timer.unref();
    req.pool.cleanup(() => clearTimeout(timer));
  }

  private handlerFailed(req: BrigadeRequest, res: BrigadeResponse, err: unknown): void {
    if (res.finished) return;
    const e = err as { code?: string; status?: number } | null;
    if (!res.headersSent) {
      let status = 500;
      if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 600) status = e.status;
      else if (e && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) status = 404;
      try {
        res.status(status).setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(status === 404 ? 'Not Found\n' : status === 500 ? 'Internal Server Error\n' : `Error ${status}\n`);
      } catch {
        res.abortStream();
      }
    } else {
      res.abortStream();
    }
    // A client that went away is not a handler failure worth a warning.
    if (status500(err) && !(err instanceof RequestAbortedError)) process.emitWarning(`brigade: handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }

  responseFinished(req: BrigadeRequest, res: BrigadeResponse): void {
    if (this.observability !== null) this.observability.onResponse(req, res);
    const k = req.pendingKey;
    if (k < 0) return; // finished synchronously: never pending
    req.pendingKey = -1;
    const list = this.pending.get(k);
    const i = list ? list.indexOf(req) : -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (list!.length === 0) this.pending.delete(k);
    --this.pendingCount;
  }
}

/** What a handler reading a failed body gets; `status` is what the client was answered. */
function bodyError(status: number): Error {
  if (status === 413) return new BodyTooLargeError();
  const why = status === 408 ? 'request body timed out' : 'malformed request body';
  return Object.assign(new Error(`${why} (${status})`), { status });
}

function status500(err: unknown): boolean {
  const e = err as { code?: string; status?: number } | null;
  return !(e && (typeof e.status === 'number' || e.code === 'ENOENT' || e.code === 'ENOTDIR'));
}

export function createServer(options?: ServerOptions & FetchServerOptions & ServiceClassServerOptions): Server {
  return new Server(options);
}
