// Loads the native addon (prebuilt binary or local build, via node-gyp-build)
// and types its surface. BRIGADE_ADDON_PATH points at another build (the
// sanitizer builds in build-asan/ use it).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeMountDescriptor } from './static/native-mounts.js';
import type { NativeTlsConfig } from './tls/options.js';

export interface NativeStats {
  connectionsOpen: number;
  connectionsTotal: number;
  requestsTotal: number;
  responsesTotal: number;
  bytesWritten: number;
  fileFdsOpen: number;
  abortedTotal: number;
  errorsTotal: number;
  timeoutsTotal: number;
  staleResponses: number;
  reading: number;
  writing: number;
  keepAlive: number;
  lingering: number;
  /** Bytes of input connections hold that JS has not received yet (partial or pipelined requests). */
  inputBufferedBytes: number;
  /** File ranges not in the page cache that the event MPM's read pool fetched (the I/O thread did not wait). */
  fileReadsOffloaded: number;
  /** Requests answered by the native static fast path, without JS. */
  staticFastHits: number;
  slabs: {
    slabsTotal: number;
    slabsInUse: number;
    bytesInUse: number;
    bytesReserved: number;
    remoteFrees: number;
    localFrees: number;
    allocations: number;
  };
  tls?: NativeTlsStats;
}

export type MpmName = 'event' | 'looper' | 'worker' | 'leader';

/** TLS counters (present when the server listens with TLS). */
export interface NativeTlsStats {
  /** Completed handshakes. */
  handshakes: number;
  handshakeFailures: number;
  /** Handshakes completed by session resumption (tickets). */
  resumed: number;
  /** Plaintext HTTP requests that reached the TLS port (answered 400). */
  plainHttp: number;
  tls13: number;
  tls12: number;
  /** Established connections whose records OpenSSL encrypts in user space (the fallback path). */
  userspace: number;
  /** Established connections whose records the kernel encrypts (kTLS). */
  ktls: number;
  /** Established connections whose records brigade's software kTLS check encrypts (tls.ktls 'software', tests/debug). */
  ktlsSoftware: number;
  /** Hand-offs tried and refused (setsockopt TCP_ULP/TLS_TX failed): those connections use OpenSSL. */
  ktlsFailures: number;
  /** Connections where kTLS was wanted but not tried: no tls ULP ('auto'), or a cipher the kernel cannot take. */
  ktlsUnavailable: number;
  /** Connections closed because the peer asked for a KeyUpdate after the hand-off (the kernel cannot rekey TX). */
  ktlsKeyUpdateCloses: number;
  /** Records OpenSSL wrote under the handed-off keys before the hand-off, summed (the starting sequence numbers). */
  ktlsHandoffRecords: number;
  /** Whether this kernel offers the "tls" TCP ULP at all. */
  kernelKtls: boolean;
}

export interface NativeConfig {
  mpm: MpmName;
  ioThreads: number;
  threads: number;
  maxRequestLine: number;
  maxHeaderBytes: number;
  maxHeaders: number;
  maxHeaderLine: number;
  maxBodyBytes: number;
  inlineBodyMax: number;
  headerTimeout: number;
  headerTotalTimeout: number;
  bodyTimeout: number;
  minReceiveRate: number;
  keepAliveTimeout: number;
  sendTimeout: number;
  lingerTimeout: number;
  maxPipelined: number;
  maxUnsentBytes: number;
  maxInputBuffer: number;
  maxSendPerTurn: number;
  maxConnections: number;
  maxKeepAliveRequests: number;
  tls?: NativeTlsConfig;
  /** Service-class rules for the native classifier (src/classes/native-rules.ts); absent = off. */
  classRules?: NativeClassRule[];
  /** Index of the default class (after the rules). */
  defaultClass?: number;
}

/** One service class's match rules as the native classifier takes them. */
export interface NativeClassRule {
  /** Method codes (native Method enum order); empty = any method. */
  methods: number[];
  /** A method outside the enum is named: such requests are left to TypeScript. */
  methodOther: boolean;
  pathPrefix?: string;
  /** Lower case, without port. */
  host?: string;
  /** Lower case. */
  headerName?: string;
  headerValue?: string;
  /** A rule native code cannot evaluate (header regex, unknown method): TypeScript decides. */
  jsOnly: boolean;
}

export interface NativeServerHandle {
  listen(host: string, port: number, backlog: number, reusePort?: boolean): number;
  /** Listens on a duplicate of another server's listening socket; returns its port. */
  adoptListener(fd: number): number;
  /** The listening descriptor, -1 when none. */
  listenFd(): number;
  attachLane(
    index: number,
    control: Int32Array,
    requestRing: Uint8Array,
    responseRing: Uint8Array,
    doorbell: () => void,
    maxSlabs: number,
  ): void;
  start(): void;
  allocSlab(lane: number, minBytes: number): number;
  slabBuffer(lane: number, id: number): ArrayBuffer | undefined;
  wake(lane: number): void;
  /**
   * Stops accepting; requests read from now on are answered with Connection: close.
   * closeIdle (default true): close idle connections now. shutListener (default
   * true): shut the listening socket so the backlog is refused (not after a hand-over).
   */
  drain(closeIdle?: boolean, shutListener?: boolean): void;
  abortAll(): void;
  stop(): void;
  stats(): NativeStats;
  /** Seven figures per lane (native/conn/lane_stats.h, decoded by src/status/lane-stats.ts). */
  laneStats(): Float64Array;
  laneCount(): number;
  /** Before start(): the static mounts served natively (src/static/native-mounts.ts). */
  setStaticMounts(mounts: NativeMountDescriptor[], mime: string[], options: { cacheEntries: number; validMs: number }): void;
  /** Routes changed while running: every request goes to JS from now on. */
  disableStaticFastPath(): void;
  reloadTls(tls: NativeTlsConfig): void;
}

/** One reusable zlib stream for small complete bodies (native/compress/whole_body_deflater.h). */
export interface NativeWholeBodyDeflater {
  /** The whole compressed stream of the parts, concatenated. */
  compress(parts: readonly Uint8Array[]): Buffer;
}

interface NativeModule {
  NativeServer: new (config: NativeConfig) => NativeServerHandle;
  WholeBodyDeflater: new (format: 'gzip' | 'deflate', level: number) => NativeWholeBodyDeflater;
  abiVersion: number;
}

const require = createRequire(import.meta.url);

function load(): NativeModule {
  const override = process.env['BRIGADE_ADDON_PATH'];
  if (override) return require(override) as NativeModule;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  return nodeGypBuild(root) as NativeModule;
}

export const native: NativeModule = load();
