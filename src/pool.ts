// RequestPool: what a request owns until its response is on the wire (DESIGN §4).
// The pool is destroyed when the native writer reaches the request's EOR bucket
// (or drops it on abort) — not when the handler returns. Cleanups run once.
import type { RequestPool } from './types.js';

export class Pool implements RequestPool {
  /** Id carried by the EOR bucket; 0 until a cleanup is registered (then native reports back). */
  id = 0;
  private fns: (() => void)[] | null = null;
  private done = false;
  private readonly registry: PoolRegistry;

  constructor(registry: PoolRegistry) {
    this.registry = registry;
  }

  get destroyed(): boolean {
    return this.done;
  }

  cleanup(fn: () => void): void {
    if (this.done) {
      runSafely(fn);
      return;
    }
    if (this.passedWithoutId) {
      // The EOR already left without asking to be reported: nothing will
      // announce the end any more, so the pool ends now (next tick).
      this.done = true;
      setImmediate(() => runSafely(fn));
      return;
    }
    if (this.fns === null) {
      this.fns = [];
      this.id = this.registry.register(this);
    }
    this.fns.push(fn);
  }

  private passedWithoutId = false;

  /** The response's EOR bucket was handed to the writer (carrying this.id). */
  markEorPassed(): void {
    if (this.id === 0) this.passedWithoutId = true;
  }

  /** Runs the cleanups (last registered first, like APR pools). Idempotent. */
  destroy(): void {
    if (this.done) return;
    this.done = true;
    if (this.id !== 0) this.registry.unregister(this.id);
    const fns = this.fns;
    this.fns = null;
    if (fns) for (let i = fns.length - 1; i >= 0; --i) runSafely(fns[i]!);
  }
}

function runSafely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`brigade: request pool cleanup threw: ${String(err)}`);
  }
}

/** Pools waiting for their EOR, by id (what the native side reports back). */
export class PoolRegistry {
  private next = 1;
  private readonly live = new Map<number, Pool>();

  register(p: Pool): number {
    const id = this.next;
    this.next = this.next === 0xffffffff ? 1 : this.next + 1;
    this.live.set(id, p);
    return id;
  }

  unregister(id: number): void {
    this.live.delete(id);
  }

  /** The writer reached (or dropped) the EOR carrying this pool id. */
  complete(id: number): void {
    this.live.get(id)?.destroy();
  }

  get size(): number {
    return this.live.size;
  }

  destroyAll(): void {
    for (const p of [...this.live.values()]) p.destroy();
  }
}
