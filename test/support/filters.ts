// Small filters the tests register: pass-through, recording, async, buffering.
import { Brigade, type Bucket, type Filter, type FilterType } from '../../src/index.js';

/** Passes every brigade on unchanged (forces the chain path). */
export function passThrough(name = 'pass', type: FilterType = 'resource'): Filter<never> {
  return { name, type, filter: (ctx, b) => ctx.pass(b) };
}

/** Records `name` in log once per response (its first brigade), then passes. */
export function firstCall(name: string, type: FilterType, log: string[]): Filter<boolean> {
  return {
    name,
    type,
    filter(ctx, b) {
      if (!ctx.state) {
        ctx.state = true;
        log.push(name);
      }
      return ctx.pass(b);
    },
  };
}

/** Bucket kinds of a brigade, e.g. "heap,flush". */
export function kinds(b: Brigade): string {
  return b.buckets.map((x: Bucket) => x.kind).join(',');
}

/** Awaits a timer of 0..maxMs ms before passing each brigade on. */
export function asyncDelay(name: string, maxMs: number, type: FilterType = 'resource'): Filter<never> {
  return {
    name,
    type,
    async filter(ctx, b) {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * (maxMs + 1))));
      await ctx.pass(b);
    },
  };
}

/** Holds every brigade (set aside) until EOS, then passes the whole body as one brigade. */
export function buffering(name = 'buffer'): Filter<Brigade> {
  return {
    name,
    type: 'resource',
    filter(ctx, b) {
      const kept = (ctx.state ??= new Brigade());
      // Metadata other than EOS/EOR (a FLUSH) cannot be honoured while holding: drop it.
      kept.concat(b.setaside());
      if (!kept.hasEos) return;
      kept.buckets.splice(0, kept.buckets.length, ...kept.buckets.filter((x) => x.kind !== 'flush'));
      ctx.state = new Brigade();
      return ctx.pass(kept);
    },
  };
}
