// Process-level leak checks: open file descriptors (Linux /proc) and the
// server's own resource gauges, compared against a baseline with a deadline
// instead of a blind sleep.
import * as fs from 'node:fs';
import type { Server } from '../../src/index.js';
import { waitUntil } from './server.js';

/** Open descriptors of this process (-1 where /proc is unavailable). */
export function fdCount(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

export interface Baseline {
  fds: number;
  connectionsOpen: number;
  slabsInUse: number;
}

/**
 * Waits until the server is quiet (no connection, pool or file fd left from
 * earlier work, e.g. a previous test's connection still closing), then records
 * what it holds.
 */
export async function baseline(server: Server, deadlineMs = 5000): Promise<Baseline> {
  await waitUntil(
    () => {
      const s = server.stats();
      return s.connectionsOpen === 0 && s.poolsLive === 0 && s.fileFdsOpen === 0 && s.requestsPending === 0;
    },
    deadlineMs,
    () => JSON.stringify(server.stats()),
  );
  const s = server.stats();
  return { fds: fdCount(), connectionsOpen: s.connectionsOpen, slabsInUse: s.slabs.slabsInUse };
}

/**
 * Lanes the server runs (each keeps its current slab in use between
 * responses). Not public API: read for the slab bound only, 1 if unknown.
 */
export function laneCount(server: Server): number {
  const lanes = (server as unknown as { lanes?: unknown[] }).lanes;
  return Array.isArray(lanes) && lanes.length > 0 ? lanes.length : 1;
}

/**
 * Waits until the server holds no more than at the baseline: no file fds, no
 * extra connections, no live pools or pending requests, slabs back to the
 * baseline plus each lane's current slab, and no extra process fds.
 */
export async function settled(server: Server, b: Baseline, deadlineMs = 5000): Promise<void> {
  const lanes = laneCount(server);
  const ok = (): boolean => {
    const s = server.stats();
    const fds = fdCount();
    return (
      s.fileFdsOpen === 0 &&
      s.connectionsOpen === b.connectionsOpen &&
      s.poolsLive === 0 &&
      s.requestsPending === 0 &&
      s.slabs.slabsInUse <= b.slabsInUse + lanes &&
      (fds < 0 || fds <= b.fds)
    );
  };
  await waitUntil(ok, deadlineMs, () => {
    const s = server.stats();
    return JSON.stringify({
      baseline: b,
      fds: fdCount(),
      fileFdsOpen: s.fileFdsOpen,
      connectionsOpen: s.connectionsOpen,
      poolsLive: s.poolsLive,
      requestsPending: s.requestsPending,
      slabsInUse: s.slabs.slabsInUse,
    });
  });
}
