// Response times of one class over a sliding time window: the "observed" side
// of the performance index. A fixed ring of (time, ms) samples; the oldest fall
// out by age (trim) or when the ring is full.
export class LatencyWindow {
  private readonly at: Float64Array;
  private readonly ms: Float64Array;
  private head = 0; // index of the oldest sample
  private size = 0;

  private readonly windowMs: number;

  constructor(windowMs: number, capacity = 4096) {
    this.windowMs = windowMs;
    this.at = new Float64Array(capacity);
    this.ms = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  add(now: number, latencyMs: number): void {
    const cap = this.at.length;
    const i = (this.head + this.size) % cap;
    this.at[i] = now;
    this.ms[i] = latencyMs;
    if (this.size < cap) ++this.size;
    else this.head = (this.head + 1) % cap;
  }

  /** Drops samples older than the window. */
  trim(now: number): void {
    const cap = this.at.length;
    while (this.size > 0 && now - this.at[this.head]! > this.windowMs) {
      this.head = (this.head + 1) % cap;
      --this.size;
    }
  }

  /** Nearest-rank percentile (p in (0, 100)); null when empty. */
  percentile(p: number): number | null {
    if (this.size === 0) return null;
    const sorted = this.values().sort();
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
  }

  average(): number | null {
    if (this.size === 0) return null;
    let sum = 0;
    for (const v of this.values()) sum += v;
    return sum / this.size;
  }

  private values(): Float64Array {
    const out = new Float64Array(this.size);
    const cap = this.at.length;
    for (let k = 0; k < this.size; ++k) out[k] = this.ms[(this.head + k) % cap]!;
    return out;
  }
}
