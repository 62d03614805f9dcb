// Server options, their defaults and validation; turns them into the flat
// configuration the native side takes.
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
  /** Request body bytes before 413 (default 1 MiB). */
  maxBodyBytes?: number;
  /** Open connections; accepting pauses above it (default 10000). */
  maxConnections?: number;
  /** Unfinished pipelined responses per connection before reading pauses (default 4). */
  maxPipelined?: number;
  /** Requests per keep-alive connection, 0 = unlimited (default 0). */
  maxKeepAliveRequests?: number;
}

export interface TimeoutOptions {
  /** Window (ms) in which a request head must arrive at minReceiveRate (default 20000) — else 408. */
  header?: number;
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

export interface ResolvedOptions {
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
  return {
    handlerTimeout: int('timeouts.handler', t.handler, 0, 0, U32),
    host: o.host ?? '127.0.0.1',
    port: int('port', o.port, 8080, 0, 65535),
    backlog: int('backlog', o.backlog, 511, 1, 65535),
    requestRingBytes,
    responseRingBytes: pow2('responseRingBytes', o.responseRingBytes, 1 << 20),
    hsts: o.tls ? hstsHeader(o.tls.hsts) : undefined,
    native: {
      ...(o.tls ? { tls: resolveTls(o.tls) } : {}),
      mpm: resolveMpm(o.mpm),
      ioThreads: int('ioThreads', o.ioThreads, 1, 1, 64),
      threads: int('threads', o.threads ?? envInt('BRIGADE_THREADS'), 32, 1, 1024),
      maxRequestLine: int('limits.maxRequestLine', l.maxRequestLine, 8192, 256, 1 << 20),
      maxHeaderBytes,
      maxHeaders: int('limits.maxHeaders', l.maxHeaders, 100, 1, 128),
      maxBodyBytes: int('limits.maxBodyBytes', l.maxBodyBytes, 1 << 20, 0, Number.MAX_SAFE_INTEGER),
      inlineBodyMax: 64 * 1024,
      headerTimeout: int('timeouts.header', t.header, 20000, 1, U32),
      bodyTimeout: int('timeouts.body', t.body, 20000, 1, U32),
      minReceiveRate: int('timeouts.minReceiveRate', t.minReceiveRate, 500, 0, U32),
      keepAliveTimeout: int('timeouts.keepAlive', t.keepAlive, 15000, 1, U32),
      sendTimeout: int('timeouts.send', t.send, 60000, 1, U32),
      lingerTimeout: int('timeouts.linger', t.linger, 2000, 1, U32),
      maxPipelined: int('limits.maxPipelined', l.maxPipelined, 4, 1, 1024),
      maxUnsentBytes: 64 * 1024,
      maxSendPerTurn: 2 << 20,
      maxConnections: int('limits.maxConnections', l.maxConnections, 10000, 1, 1 << 20),
      maxKeepAliveRequests: int('limits.maxKeepAliveRequests', l.maxKeepAliveRequests, 0, 0, U32),
    },
  };
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
