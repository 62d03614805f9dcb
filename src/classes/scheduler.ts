// The goal-driven scheduler of the queue servers (docs/service-classes.md).
// Pure logic over an injected clock, so the tests drive it with a fake one.
//
// - Each class has a bounded FIFO queue; a full queue refuses (the caller answers 503).
// - next() picks the class whose head request a free queue server takes:
//   classes missing their goal first (performance index > 1), then those
//   meeting it, then classes without a goal, then discretionary ones; within a
//   group the more important class, then the higher index, then the older head.
// - Every class has a reservation ("servers") that evaluate() adapts each
//   interval, httpd-style: one step at a time, growing while the class has more
//   demand than servers, shrinking when it used fewer (unless it misses its
//   goal), taking a server from a
//   less important class for a class that misses its goal, and lending one of a
//   class that is well within its goal (index < 0.5) to unmet demand elsewhere. A class may run
//   beyond its reservation only on a server no other class has reserved and left
//   idle — so an important class always finds its servers free, and under light
//   load (everything meeting its goal, nothing reserved) nothing is held back.
// - 'fifo' mode ignores all that: the oldest request of any class goes first.
import { LatencyWindow } from './latency-window.js';
import type { ResolvedClass } from './resolve.js';
import type { ClassStats, SchedulerMode } from './types.js';

export interface Clock {
  now(): number;
}

export interface Dispatch<T> {
  classIndex: number;
  item: T;
  enqueuedAt: number;
}

interface Entry<T> {
  item: T;
  at: number;
  seq: number;
}

class ClassState<T> {
  readonly queue: Entry<T>[] = [];
  private qHead = 0;
  running = 0;
  /** Reserved queue servers (adapted by evaluate()). */
  servers = 0;
  /** Highest running + queued seen since the last evaluation. */
  peakDemand = 0;
  completed = 0;
  rejected = 0;
  pObserved: number | null = null;
  readonly window: LatencyWindow;
  readonly cls: ResolvedClass;

  constructor(cls: ResolvedClass, windowMs: number) {
    this.cls = cls;
    this.window = new LatencyWindow(windowMs);
  }

  get queued(): number {
    return this.queue.length - this.qHead;
  }

  get headEntry(): Entry<T> | undefined {
    return this.queue[this.qHead];
  }

  push(e: Entry<T>): void {
    this.queue.push(e);
    this.noteDemand();
  }

  shift(): Entry<T> {
    const e = this.queue[this.qHead]!;
    this.queue[this.qHead++] = undefined as unknown as Entry<T>; // let the item go
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
    return e;
  }

  clear(): T[] {
    const items = this.queue.slice(this.qHead).map((e) => e.item);
    this.queue.length = 0;
    this.qHead = 0;
    return items;
  }

  noteDemand(): void {
    const d = this.running + this.queued;
    if (d > this.peakDemand) this.peakDemand = d;
  }

  /** The goal's target in ms, or null without a goal. */
  get target(): number | null {
    const g = this.cls.goal;
    if (!g) return null;
    return 'averageMs' in g ? g.averageMs : g.ms;
  }

  /** Observed figure vs goal, counting the oldest waiting request as a sample already. */
  performanceIndex(now: number): number | null {
    const target = this.target;
    if (target === null) return null;
    const head = this.headEntry;
    const waited = head ? now - head.at : 0;
    return Math.max(this.pObserved ?? 0, waited) / target;
  }

  /** 0 missing its goal, 1 meeting it, 2 no goal, 3 discretionary. */
  group(pi: number | null): number {
    if (this.cls.discretionary) return 3;
    if (pi === null) return 2;
    return pi > 1 ? 0 : 1;
  }
}

export const DEFAULT_WINDOW_MS = 5000;
/** Below this performance index a class has servers to spare. */
export const SURPLUS_PI = 0.5;

export class Scheduler<T> {
  private readonly states: ClassState<T>[];
  private seq = 0;
  private busy = 0;

  readonly servers: number;
  readonly mode: SchedulerMode;
  private readonly clock: Clock;

  constructor(classes: readonly ResolvedClass[], servers: number, mode: SchedulerMode, clock: Clock, windowMs = DEFAULT_WINDOW_MS) {
    this.servers = servers;
    this.mode = mode;
    this.clock = clock;
    this.states = classes.map((c) => new ClassState<T>(c, windowMs));
  }

  /** Queues item in its class; false when the class's queue is full (answer 503). */
  offer(classIndex: number, item: T): boolean {
    const s = this.states[classIndex]!;
    // A request a free server takes at once is not refused, even with maxQueue 0.
    const takenAtOnce = s.queued === 0 && this.busy < this.servers;
    if (s.queued >= s.cls.maxQueue && !takenAtOnce) {
      ++s.rejected;
      return false;
    }
    s.push({ item, at: this.clock.now(), seq: this.seq++ });
    return true;
  }

  /** A queue server is free: the request it should run, or null (nothing eligible). */
  next(): Dispatch<T> | null {
    if (this.busy >= this.servers) return null;
    const s = this.mode === 'fifo' ? this.pickOldest() : this.pickByGoals();
    if (!s) return null;
    const e = s.shift();
    ++s.running;
    ++this.busy;
    return { classIndex: s.cls.index, item: e.item, enqueuedAt: e.at };
  }

  /** The dispatched request finished; record=false for one that never ran (client gone). */
  complete(d: Dispatch<T>, record = true): void {
    const s = this.states[d.classIndex]!;
    --s.running;
    --this.busy;
    if (!record) return;
    const now = this.clock.now();
    s.window.add(now, now - d.enqueuedAt);
    ++s.completed;
  }

  /** Empties every queue (shutdown); returns the items that never ran. */
  clear(): T[] {
    return this.states.flatMap((s) => s.clear());
  }

  /** Periodic re-evaluation: observed figures, then one adaptation step of the reservations. */
  evaluate(): void {
    const now = this.clock.now();
    for (const s of this.states) {
      s.window.trim(now);
      const g = s.cls.goal;
      s.pObserved = g && 'averageMs' in g ? s.window.average() : s.window.percentile(g ? g.percentile : 90);
    }
    if (this.mode === 'goals') this.adapt(now);
    for (const s of this.states) {
      s.peakDemand = 0;
      s.noteDemand();
    }
  }

  stats(): ClassStats[] {
    const now = this.clock.now();
    return this.states.map((s) => ({
      name: s.cls.name,
      importance: s.cls.importance,
      discretionary: s.cls.discretionary,
      queued: s.queued,
      running: s.running,
      servers: this.mode === 'fifo' ? s.running : s.servers,
      completed: s.completed,
      rejected: s.rejected,
      pObserved: s.pObserved,
      goal: s.cls.goal,
      performanceIndex: s.performanceIndex(now),
    }));
  }

  private adapt(now: number): void {
    const pis = this.states.map((s) => s.performanceIndex(now));
    // Shrink what went unused (one step: a burst gap should not drop the whole
    // reservation) — but not for a class missing its goal: sparse important
    // requests would otherwise find their server gone each time they come.
    for (const s of this.states) if (s.servers > s.peakDemand && s.group(pis[s.cls.index]!) !== 0) --s.servers;
    const order = [...this.states].sort((a, b) => this.compare(a, pis[a.cls.index]!, b, pis[b.cls.index]!));
    let assigned = this.states.reduce((n, s) => n + s.servers, 0);
    // Grow from unreserved servers, one per class per pass, in priority order.
    for (let changed = true; changed && assigned < this.servers; ) {
      changed = false;
      for (const s of order) {
        if (assigned >= this.servers) break;
        if (s.peakDemand > s.servers && s.servers < s.cls.maxServers) {
          ++s.servers;
          ++assigned;
          changed = true;
        }
      }
    }
    // A class missing its goal takes one server from a less important one.
    for (const r of order) {
      const pi = pis[r.cls.index]!;
      if (r.group(pi) !== 0 || r.peakDemand <= r.servers || r.servers >= r.cls.maxServers) continue;
      const donor = this.donorFor(r, pis);
      if (!donor) continue;
      --donor.servers;
      ++r.servers;
    }
    // A class well within its goal lends one of several servers to unmet demand
    // elsewhere: reservations follow need, not the last burst.
    for (const r of order) {
      if (r.peakDemand <= r.servers || r.servers >= r.cls.maxServers) continue;
      const lender = this.lenderFor(r, pis);
      if (!lender) continue;
      --lender.servers;
      ++r.servers;
    }
  }

  private lenderFor(r: ClassState<T>, pis: readonly (number | null)[]): ClassState<T> | null {
    let best: ClassState<T> | null = null;
    for (const d of this.states) {
      const pi = pis[d.cls.index]!;
      if (d === r || d.servers <= 1 || pi === null || pi >= SURPLUS_PI) continue;
      if (best === null || d.cls.importance > best.cls.importance) best = d;
    }
    return best;
  }

  private donorFor(r: ClassState<T>, pis: readonly (number | null)[]): ClassState<T> | null {
    let best: ClassState<T> | null = null;
    let bestKey = -Infinity;
    for (const d of this.states) {
      if (d === r || d.servers === 0) continue;
      const pi = pis[d.cls.index]!;
      const g = d.group(pi);
      // Only work that matters less gives: no goal, discretionary, less important, or equal and meeting its goal.
      const gives = g >= 2 || d.cls.importance > r.cls.importance || (d.cls.importance === r.cls.importance && g === 1);
      if (!gives) continue;
      // Discretionary first, then no goal, then the least important, then the lowest index.
      const key = g * 100 + d.cls.importance * 10 - Math.min(9, pi ?? 0);
      if (key > bestKey) {
        bestKey = key;
        best = d;
      }
    }
    return best;
  }

  /** Negative when a should be served before b. */
  private compare(a: ClassState<T>, pa: number | null, b: ClassState<T>, pb: number | null): number {
    const ga = a.group(pa);
    const gb = b.group(pb);
    if (ga !== gb) return ga - gb;
    if (a.cls.importance !== b.cls.importance) return a.cls.importance - b.cls.importance;
    if ((pa ?? 0) !== (pb ?? 0)) return (pb ?? 0) - (pa ?? 0);
    return (a.headEntry?.seq ?? Infinity) - (b.headEntry?.seq ?? Infinity);
  }

  private pickByGoals(): ClassState<T> | null {
    const now = this.clock.now();
    const free = this.servers - this.busy;
    // Servers reserved by a class and idle: not lent to anybody else.
    let idleReserved = 0;
    for (const s of this.states) idleReserved += Math.max(0, s.servers - s.running);
    let best: ClassState<T> | null = null;
    let bestPi: number | null = null;
    for (const s of this.states) {
      if (s.queued === 0 || s.running >= s.cls.maxServers) continue;
      const ownIdle = Math.max(0, s.servers - s.running);
      if (ownIdle === 0 && free - (idleReserved - ownIdle) <= 0) continue;
      const pi = s.performanceIndex(now);
      if (best === null || this.compare(s, pi, best, bestPi) < 0) {
        best = s;
        bestPi = pi;
      }
    }
    return best;
  }

  private pickOldest(): ClassState<T> | null {
    let best: ClassState<T> | null = null;
    for (const s of this.states) {
      if (s.queued === 0 || s.running >= s.cls.maxServers) continue;
      if (best === null || s.headEntry!.seq < best.headEntry!.seq) best = s;
    }
    return best;
  }
}
