// Loads the native addon (prebuilt binary or local build, via node-gyp-build)
// and types its surface. BRIGADE_ADDON_PATH points at another build (the
// sanitizer builds in build-asan/ use it).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeMountDescriptor } from './static/native-mounts.js';

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
}

export type MpmName = 'event' | 'looper' | 'worker' | 'leader';

export interface NativeConfig {
  mpm: MpmName;
  ioThreads: number;
  threads: number;
  maxRequestLine: number;
  maxHeaderBytes: number;
  maxHeaders: number;
  maxBodyBytes: number;
  inlineBodyMax: number;
  headerTimeout: number;
  bodyTimeout: number;
  minReceiveRate: number;
  keepAliveTimeout: number;
  sendTimeout: number;
  lingerTimeout: number;
  maxPipelined: number;
  maxUnsentBytes: number;
  maxSendPerTurn: number;
  maxConnections: number;
  maxKeepAliveRequests: number;
}

export interface NativeServerHandle {
  listen(host: string, port: number, backlog: number): number;
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
  drain(): void;
  abortAll(): void;
  stop(): void;
  stats(): NativeStats;
  laneCount(): number;
  /** Before start(): the static mounts served natively (src/static/native-mounts.ts). */
  setStaticMounts(mounts: NativeMountDescriptor[], mime: string[], options: { cacheEntries: number; validMs: number }): void;
  /** Routes changed while running: every request goes to JS from now on. */
  disableStaticFastPath(): void;
}

interface NativeModule {
  NativeServer: new (config: NativeConfig) => NativeServerHandle;
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
