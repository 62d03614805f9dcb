// Server options, their defaults and validation; turns them into the flat
// configuration the native side takes.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MpmName, NativeConfig } from './native.js';
import type { ObservabilityOptions } from './status/observability.js';
import { hstsHeader, resolveTls, type TlsOptions } from './tls/options.js';

export type { MpmName };

export interface LimitOptions {
  /** Request line bytes before 414 (default 8192). */
  maxRequestLine?: number;
  /** Header block bytes before 431 (default 65536). */
  maxHeaderBytes?: number;
  /** Header fields before 431 (default 100). */
  maxHeaders?: number;
  /** Bytes of one header field line (name, colon and value) before 431 (default 8192, as nginx and Apache). */
  maxHeaderLine?: number;
  /** Request body bytes before 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Open connections; accepting pauses above it (default 10000). */
  maxConnections?: number;
  /** Unfinished pipelined responses per connection before reading pauses (default 4). */
  maxPipelined?: number;
  /**
   * Unsent response bytes held in memory (not files) per connection before it
   * stops reading further pipelined requests (default 65536).
   */
  maxUnsentBytes?: number;
  /**
   * Input a connection holds before JS has it — a partial head, pipelined
   * requests waiting behind the ones in flight, body bytes waiting for the
   * bridge — in bytes. When full, the connection stops reading (the rest waits
   * in the kernel). Must be larger than maxHeaderBytes (default maxHeaderBytes + 64 KiB).
   */
  maxInputBuffer?: number;
  /** Requests per keep-alive connection, 0 = unlimited (default 0). */
  maxKeepAliveRequests?: number;
}

export interface TimeoutOptions {
  /** Window (ms) in which a request head must arrive at minReceiveRate (default 20000) — else 408. */
  header?: number;
  /**
   * The whole head (or a fresh connection's first request) must arrive within
   * this many ms, however fast each header window is (default 40000; checked
   * at the end of each window) — else 408.
   */
  headerTotal?: number;
  /** Same for request bodies (default 20000). */
  body?: number;
  /** Minimum receive rate in bytes/s for heads and bodies (default 500). */
  minReceiveRate?: number;
  /** Idle keep-alive connections are closed after this (default 15000). */
  keepAlive?: number;
  /** A response that makes no progress for this long is aborted (default 60000). */
  send?: number;
  /** Lingering close: how long to drain input before closing (default 2000). */
  linger?: number;
  /**
   * A handler that has not finished its response after this many ms gets a
   * 503 (or, if it already started the response, the connection is closed).
   * 0 = no limit (default).
   */
  handler?: number;
}

/** status / accessLog: see docs/observability.md. */
export interface ServerOptions extends ObservabilityOptions {
  /** Address to listen on (default "127.0.0.1"). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Listen backlog (default 511). */
  backlog?: number;
  /**
   * How native threads share the work (default "looper"):
   * - "event": native I/O thread(s) own the sockets; handlers run on the JS thread.
   * - "looper": no I/O thread; the JS thread's event loop watches the poller and
   *   runs handlers inline, in batches (fastest on one core).
   * - "worker": a listener thread and a pool of `threads` threads, each owning
   *   one connection for its whole life (httpd's worker MPM; the baseline).
   * - "leader": leader/followers over `threads` threads, no listener thread.
   */
  mpm?: MpmName;
  /** Threads of the worker and leader MPMs (default 32): at most this many connections are served at once. */
  threads?: number;
  /** Native I/O threads for the event MPM (default 1). */
  ioThreads?: number;
  limits?: LimitOptions;
  timeouts?: TimeoutOptions;
  /**
   * Looper MPM only: run this many loopers, each on its own worker thread
   * with its own listening socket bound with SO_REUSEPORT to the same
   * address (the kernel spreads connections). Each worker loads
   * `workerModule` and calls its `setup(server, workerData)`; routes, static mounts and filters
   * belong there, not on the server createServer() returned in this thread.
   * Default 1: no workers, this thread serves.
   */
  workers?: number;
  /** With workers > 1: module (URL or path) exporting `setup(server, workerData)`. */
  workerModule?: string | URL;
  /** With workers > 1: passed to each worker's setup() (structured-cloned). */
  workerData?: unknown;
  /** Bind the listening socket with SO_REUSEPORT (default false; workers set it). */
  reusePort?: boolean;
  /** Bytes of each lane's request ring (power of two, default 4 MiB). */
  requestRingBytes?: number;
  /** Bytes of each lane's response ring (power of two, default 1 MiB). */
  responseRingBytes?: number;
  /**
   * Serve HTTPS: certificate and key (PEM text or file paths), SNI
   * certificates, protocol floor, ciphers, HSTS. See docs/tls.md.
   */
  tls?: TlsOptions;
}

export interface WorkerPlan {
  count: number;
  /** file: URL of the app module. */
  app: string;
  appData: unknown;
  /** What each worker passes to createServer() (no functions: it is cloned). */
  options: ServerOptions;
}

export interface ResolvedOptions {
  /** null: this thread serves. */
  workers: WorkerPlan | null;
  reusePort: boolean;
  handlerTimeout: number;
  host: string;
  port: number;
  backlog: number;
  requestRingBytes: number;
  responseRingBytes: number;
  /** Strict-Transport-Security value for every response (TLS with hsts), else undefined. */
  hsts: string | undefined;
  native: NativeConfig;
}

function int(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`brigade: option ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function pow2(name: string, v: number | undefined, dflt: number): number {
  const n = int(name, v, dflt, 65536, 1 << 30);
  if ((n & (n - 1)) !== 0) throw new RangeError(`brigade: option ${name} must be a power of two`);
  return n;
}

const U32 = 0xffffffff;

export function resolveOptions(o: ServerOptions = {}): ResolvedOptions {
  const l = o.limits ?? {};
  const t = o.timeouts ?? {};
  const requestRingBytes = pow2('requestRingBytes', o.requestRingBytes, 4 << 20);
  const maxHeaderBytes = int('limits.maxHeaderBytes', l.maxHeaderBytes, 65536, 1024, 1 << 20);
  if (maxHeaderBytes * 2 > requestRingBytes / 4) {
    throw new RangeError('brigade: requestRingBytes must be at least 8 x limits.maxHeaderBytes');
  }
  const maxInputBuffer = int('limits.maxInputBuffer', l.maxInputBuffer, maxHeaderBytes + 64 * 1024, 1, U32);
  if (maxInputBuffer <= maxHeaderBytes) {
    // A head that fits maxHeaderBytes must fit the input buffer, or it could never complete.
    throw new RangeError('brigade: limits.maxInputBuffer must be larger than limits.maxHeaderBytes');
  }
  const native: NativeConfig = {
    ...(o.tls ? { tls: resolveTls(o.tls) } : {}),
    mpm: resolveMpm(o.mpm),
    ioThreads: int('ioThreads', o.ioThreads, 1, 1, 64),
    threads: int('threads', o.threads ?? envInt('BRIGADE_THREADS'), 32, 1, 1024),
    maxRequestLine: int('limits.maxRequestLine', l.maxRequestLine, 8192, 256, 1 << 20),
    maxHeaderBytes,
    maxHeaders: int('limits.maxHeaders', l.maxHeaders, 100, 1, 128),
    maxHeaderLine: int('limits.maxHeaderLine', l.maxHeaderLine, 8192, 256, 1 << 20),
    maxBodyBytes: int('limits.maxBodyBytes', l.maxBodyBytes, 1 << 20, 0, Number.MAX_SAFE_INTEGER),
    inlineBodyMax: 64 * 1024,
    headerTimeout: int('timeouts.header', t.header, 20000, 1, U32),
    headerTotalTimeout: int('timeouts.headerTotal', t.headerTotal, 40000, 1, U32),
    bodyTimeout: int('timeouts.body', t.body, 20000, 1, U32),
    minReceiveRate: int('timeouts.minReceiveRate', t.minReceiveRate, 500, 0, U32),
    keepAliveTimeout: int('timeouts.keepAlive', t.keepAlive, 15000, 1, U32),
    sendTimeout: int('timeouts.send', t.send, 60000, 1, U32),
    lingerTimeout: int('timeouts.linger', t.linger, 2000, 1, U32),
    maxPipelined: int('limits.maxPipelined', l.maxPipelined, 4, 1, 1024),
    maxUnsentBytes: int('limits.maxUnsentBytes', l.maxUnsentBytes, 64 * 1024, 1, U32),
    maxInputBuffer,
    maxSendPerTurn: 2 << 20,
    maxConnections: int('limits.maxConnections', l.maxConnections, 10000, 1, 1 << 20),
    maxKeepAliveRequests: int('limits.maxKeepAliveRequests', l.maxKeepAliveRequests, 0, 0, U32),
  };
  return {
    workers: resolveWorkers(o),
    reusePort: o.reusePort ?? false,
    handlerTimeout: int('timeouts.handler', t.handler, 0, 0, U32),
    host: o.host ?? '127.0.0.1',
    port: int('port', o.port, 8080, 0, 65535),
    backlog: int('backlog', o.backlog, 511, 1, 65535),
    requestRingBytes,
    responseRingBytes: pow2('responseRingBytes', o.responseRingBytes, 1 << 20),
    hsts: o.tls ? hstsHeader(o.tls.hsts) : undefined,
    native,
  };
}

// workers > 1: what each worker needs to build the same server (docs/architecture.md "workers").
// workers implies the looper: only an explicit other mpm is an error (BRIGADE_MPM does not apply).
function resolveWorkers(o: ServerOptions & { fetch?: unknown }): WorkerPlan | null {
  const count = int('workers', o.workers, 1, 1, 256);
  if (count === 1) return null;
  if (o.mpm !== undefined && o.mpm !== 'looper') throw new RangeError(`brigade: option workers needs mpm 'looper', got '${o.mpm}'`);
  if (o.workerModule === undefined) throw new TypeError('brigade: option workers needs option workerModule (a module exporting setup(server, workerData))');
  if ('app' in o || 'classes' in o) throw new TypeError('brigade: service classes (app, classes) run on queue servers of one looper; they do not combine with workers');
  if (o.fetch !== undefined) throw new TypeError('brigade: with workers, register the fetch handler in the app module');
  const m = o.workerModule;
  const app = m instanceof URL ? m.href : /^file:/.test(m) ? m : pathToFileURL(path.resolve(m)).href;
  const { workers: _w, workerModule: _m, workerData, fetch: _f, ...rest } = o;
  return { count, app, appData: workerData, options: { ...rest, mpm: 'looper', reusePort: true } };
}

const MPMS: readonly MpmName[] = ['event', 'looper', 'worker', 'leader'];

function resolveMpm(m: string | undefined): MpmName {
  const v = m ?? process.env['BRIGADE_MPM'] ?? 'looper';
  if (!(MPMS as readonly string[]).includes(v)) {
    throw new RangeError(`brigade: option mpm must be one of ${MPMS.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as MpmName;
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}
