// Builds StatusSnapshots from the server's native counters, the per-lane
// scoreboard and the JS thread's event-loop utilisation.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { ServerStats } from '../server.js';
import { decodeLaneStats } from './lane-stats.js';
import { RateMeter } from './rate-meter.js';
import type { JsThreadStatus, ServiceClassStatus, StatusSnapshot } from './types.js';
import { packageVersion } from './version.js';

/** What the collector reads; the Server provides it. */
export interface StatusSource {
  stats(): ServerStats;
  laneStats(): Float64Array;
}

/** Per-class rows (service classes) and queue-server rows; empty until configured. */
export interface StatusExtensions {
  classes?: () => ServiceClassStatus[];
  workers?: () => JsThreadStatus[];
}

export class StatusCollector {
  private readonly startedMs = Date.now();
  private readonly rates: RateMeter;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private utilization = 0;
  private eluAt = 0;
  private readonly source: StatusSource;
  private readonly mpm: string;
  // Read at each snapshot: rows may be plugged in after listen().
  private readonly ext: () => StatusExtensions;

  constructor(source: StatusSource, mpm: string, ext: () => StatusExtensions = () => ({})) {
    this.source = source;
    this.mpm = mpm;
    this.ext = ext;
    const s = source.stats();
    this.rates = new RateMeter(performance.now(), s.requestsTotal, s.bytesWritten);
  }

  snapshot(): StatusSnapshot {
    const s = this.source.stats();
    const nowPerf = performance.now();
    const nowMs = Date.now();
    const ext = this.ext();
    const rates = this.rates.sample(nowPerf, s.requestsTotal, s.bytesWritten);
    // Utilisation over the same kind of interval as the rates.
    if (nowPerf - this.eluAt >= 1000) {
      const cur = performance.eventLoopUtilization();
      this.utilization = performance.eventLoopUtilization(cur, this.elu).utilization;
      this.elu = cur;
      this.eluAt = nowPerf;
    }
    const main: JsThreadStatus = {
      name: 'main',
      kind: 'main',
      state: s.requestsPending > 0 || this.utilization >= 0.5 ? 'busy' : 'idle',
      utilization: this.utilization,
      requestsPending: s.requestsPending,
    };
    return {
      version: packageVersion(),
      mpm: this.mpm,
      startedAt: new Date(this.startedMs).toISOString(),
      uptimeSeconds: Math.floor((nowMs - this.startedMs) / 1000),
      now: new Date(nowMs).toISOString(),
      totals: {
        requests: s.requestsTotal,
        responses: s.responsesTotal,
        bytesOut: s.bytesWritten,
        connectionsAccepted: s.connectionsTotal,
        connectionsClosed: s.connectionsTotal - s.connectionsOpen,
        nativeErrors: s.errorsTotal,
        timeouts: s.timeoutsTotal,
        aborted: s.abortedTotal,
      },
      rates,
      connections: {
        open: s.connectionsOpen,
        reading: s.reading,
        writing: s.writing,
        keepAlive: s.keepAlive,
        lingering: s.lingering,
      },
      threads: decodeLaneStats(this.source.laneStats(), this.mpm),
      jsThreads: [main, ...(ext.workers?.() ?? [])],
      classes: ext.classes?.() ?? [],
      slabs: {
        slabsTotal: s.slabs.slabsTotal,
        slabsInUse: s.slabs.slabsInUse,
        bytesInUse: s.slabs.bytesInUse,
        bytesReserved: s.slabs.bytesReserved,
      },
    };
  }
}
