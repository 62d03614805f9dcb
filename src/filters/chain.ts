// FilterChain: the per-response pipe of filters, assembled when the first
// output brigade arrives (so by-content-type membership sees the final type)
// and frozen from then on: resource -> content-set -> protocol -> transcode ->
// connection -> network.
import type { Brigade } from '../brigade/brigade.js';
import { FILTER_ORDER, type Filter, type FilterContext, type ResponseHead, type SubrequestResult } from './filter.js';
import type { Request } from '../types.js';

interface Link {
  filter: Filter<unknown>;
  ctx: FilterContext<unknown>;
}

export class FilterChain {
  private readonly links: Link[] = [];
  private broken = false;
  private detached = false;
  // Brigades handed to filters that went async during the pass() under way.
  private heldAsync: Brigade[] | null = null;
  private readonly request: Request;

  /**
   * filters: candidates in registration order (user filters first, then the
   * built-ins); each is placed by type, equal types keep their order.
   * subrequest: what ctx.subrequest does (absent: filters get none).
   */
  constructor(
    filters: readonly Filter<unknown>[],
    request: Request,
    response: ResponseHead,
    subrequest?: (target: string) => Promise<SubrequestResult>,
  ) {
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
      if (subrequest) ctx.subrequest = subrequest;
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
    const heldAsync: Brigade[] = [];
    this.heldAsync = heldAsync;
    try {
      r = this.passFrom(0, brigade);
    } catch (err) {
      this.broken = true;
      throw err;
    } finally {
      this.heldAsync = null;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      (r as Promise<void>).then(undefined, () => {
        this.broken = true;
      });
    } else if (heldAsync.length > 0) {
      // A filter went async but the pass returned at once (a filter in front
      // did not return ctx.pass()'s promise): the response thinks the chain is
      // done and unpins the slabs, while the async filter still holds buckets.
      // Copy them now, before that memory can be reused.
      for (const b of heldAsync) b.setaside();
    }
    return r;
  }

  private passFrom(index: number, brigade: Brigade): void | Promise<void> {
    const link = this.links[index];
    if (!link) return; // past the sink: nothing consumes it
    const r = link.filter.filter(link.ctx, brigade);
    // An async filter goes on after this tick. The slabs its HEAP buckets view
    // stay pinned until the pass's promise settles (BrigadeResponse.sendBrigade),
    // so nothing needs copying, unless that promise never reaches the response
    // (see pass()). And the handler may have finished synchronously, leaving the
    // request a view of the lane's request ring, which later requests
    // overwrite: copy it out while it is still intact, so ctx.request stays
    // valid after the await.
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      this.heldAsync?.push(brigade);
      this.detachRequest();
    }
    return r;
  }
}
