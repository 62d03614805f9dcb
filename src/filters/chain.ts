// FilterChain: the per-response pipe of filters, assembled when the first
// output brigade arrives (so by-content-type membership sees the final type)
// and frozen from then on: resource -> content-set -> protocol -> transcode ->
// connection -> network.
import type { Brigade } from '../brigade/brigade.js';
import { FILTER_ORDER, type Filter, type FilterContext, type ResponseHead } from './filter.js';
import type { Request } from '../types.js';

interface Link {
  filter: Filter<unknown>;
  ctx: FilterContext<unknown>;
}

export class FilterChain {
  private readonly links: Link[] = [];

  /**
   * filters: candidates in registration order (user filters first, then the
   * built-ins); each is placed by type, equal types keep their order.
   */
  constructor(filters: readonly Filter<unknown>[], request: Request, response: ResponseHead) {
    const ordered = filters
      .map((f, i) => ({ f, i }))
      .sort((a, b) => FILTER_ORDER[a.f.type] - FILTER_ORDER[b.f.type] || a.i - b.i)
      .map((x) => x.f);
    for (const filter of ordered) {
      const index = this.links.length;
      const ctx: FilterContext<unknown> = {
        request,
        response,
        state: undefined,
        pass: (b: Brigade) => this.passFrom(index + 1, b),
      };
      if (filter.init && filter.init(ctx) === false) continue;
      this.links.push({ filter, ctx });
    }
    // Re-bind pass() to the final positions (filters that declined are gone).
    this.links.forEach((link, i) => {
      link.ctx.pass = (b: Brigade) => this.passFrom(i + 1, b);
    });
  }

  get names(): string[] {
    return this.links.map((l) => l.filter.name);
  }

  /** Hands a brigade to the first filter. */
  pass(brigade: Brigade): void | Promise<void> {
    return this.passFrom(0, brigade);
  }

  private passFrom(index: number, brigade: Brigade): void | Promise<void> {
    const link = this.links[index];
    if (!link) return; // past the sink: nothing consumes it
    return link.filter.filter(link.ctx, brigade);
  }
}
