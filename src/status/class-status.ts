// Service-class figures (src/classes) as the status page shows them.
import type { ClassStats } from '../classes/types.js';
import type { ServiceClassStatus } from './types.js';

export function classStatus(stats: readonly ClassStats[]): ServiceClassStatus[] {
  return stats.map((c) => {
    const g = c.goal;
    const goal = g === null ? null : 'averageMs' in g ? { percentile: 50, seconds: g.averageMs / 1000 } : { percentile: g.percentile, seconds: g.ms / 1000 };
    return {
      name: c.name,
      importance: c.discretionary ? null : c.importance,
      goal,
      queueLength: c.queued,
      observedSeconds: c.pObserved === null ? null : c.pObserved / 1000,
      performanceIndex: c.performanceIndex,
      servers: c.servers,
      requests: c.completed,
    };
  });
}
