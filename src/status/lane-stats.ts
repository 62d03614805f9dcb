// Decodes the native per-lane figures (native/conn/lane_stats.h: seven doubles
// per lane, in this order) into scoreboard rows.
import type { ConnectionCounts, ThreadState, ThreadStatus } from './types.js';

export const LANE_STATS_FIELDS = 7;
const OPEN = 0, REQUESTS = 1, BYTES = 2, READING = 3, WRITING = 4, KEEPALIVE = 5, LINGERING = 6;

export type ThreadKind = ThreadStatus['kind'];

export function threadKind(mpm: string): ThreadKind {
  if (mpm === 'event') return 'io';
  if (mpm === 'worker' || mpm === 'leader' || mpm === 'looper') return mpm;
  return 'io';
}

/** The busiest state among a thread's connections; "idle" without any. */
export function threadState(c: ConnectionCounts): ThreadState {
  if (c.writing > 0) return 'writing';
  if (c.reading > 0) return 'reading';
  if (c.lingering > 0) return 'lingering';
  if (c.keepAlive > 0) return 'keep-alive';
  return 'idle';
}

export function decodeLaneStats(rows: Float64Array, mpm: string): ThreadStatus[] {
  const kind = threadKind(mpm);
  const out: ThreadStatus[] = [];
  for (let i = 0; i + LANE_STATS_FIELDS <= rows.length; i += LANE_STATS_FIELDS) {
    const connections: ConnectionCounts = {
      open: rows[i + OPEN]!,
      reading: rows[i + READING]!,
      writing: rows[i + WRITING]!,
      keepAlive: rows[i + KEEPALIVE]!,
      lingering: rows[i + LINGERING]!,
    };
    out.push({
      index: i / LANE_STATS_FIELDS,
      kind,
      state: threadState(connections),
      connections,
      requests: rows[i + REQUESTS]!,
      bytesOut: rows[i + BYTES]!,
    });
  }
  return out;
}
