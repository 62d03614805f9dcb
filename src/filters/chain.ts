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
  private broken = false;
  private detached = false;
  private readonly request: Request;

  /**
   * filters: candidates in registration order (user filters first, then the
   * built-ins); each is placed by type, equal types keep their order.
   */
  constructor(filters: readonly Filter<unknown>[], request: Request, response: ResponseHead) {
    this.request = request;
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

  private detachRequest(): void {
    if (this.detached) return;
    this.detached = true;
    (this.request as { detach?: () => void }).detach?.();
  }

  get names(): string[] {
    return this.links.map((l) => l.filter.name);
  }

  /** true once a filter threw or rejected: the chain passes nothing more. */
  get failed(): boolean {
    return this.broken;
  }

  /**
   * Hands a brigade to the first filter. Once a filter failed, the response
   * has been ended (closed) on the failure path: later brigades of the same
   * response are dropped, so nothing (no second EOR, no stray bytes) follows
   * the end the writer already got.
   */
  pass(brigade: Brigade): void | Promise<void> {
    if (this.broken) {
      brigade.buckets.length = 0;
      return;
    }
    let r: void | Promise<void>;
    try {
      r = this.passFrom(0, brigade);
    } catch (err) {
      this.broken = true;
      throw err;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(undefined, () => {
        this.broken = true;
      });
    }
    return r;
  }

  private passFrom(index: number, brigade: Brigade): void | Promise<void> {
    const link = this.links[index];
    if (!link) return; // past the sink: nothing consumes it
    const r = link.filter.filter(link.ctx, brigade);
    // An async filter still holds this brigade while it awaits, and other
    // responses may meanwhile retire and reuse the slab its HEAP buckets view.
    // Copy what it holds now, before anything else runs (the sink empties the
    // brigade, so whatever already went out costs nothing here).
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      brigade.setaside();
      // The handler may have finished synchronously, leaving the request a view
      // of the lane's request ring, which later requests overwrite: copy it out
      // while it is still intact, so ctx.request stays valid after the await.
      this.detachRequest();
    }
    return r;
  }
}
