// Requests/s and bytes/s from monotonically growing counters: the rate over the
// last completed interval of at least `minIntervalMs`, so several pages polling
// at once all see per-second figures rather than rates over a few ms.
export interface Rates {
  requestsPerSecond: number;
  bytesPerSecond: number;
  intervalSeconds: number;
}

export class RateMeter {
  private t: number;
  private requests: number;
  private bytes: number;
  private last: Rates = { requestsPerSecond: 0, bytesPerSecond: 0, intervalSeconds: 0 };

  private readonly minIntervalMs: number;

  constructor(now: number, requests: number, bytes: number, minIntervalMs = 1000) {
    this.minIntervalMs = minIntervalMs;
    this.t = now;
    this.requests = requests;
    this.bytes = bytes;
  }

  /** now in ms; counters as totals. Returns the latest completed interval's rates. */
  sample(now: number, requests: number, bytes: number): Rates {
    const dt = now - this.t;
    if (dt < this.minIntervalMs) return this.last;
    const s = dt / 1000;
    this.last = {
      requestsPerSecond: Math.max(0, requests - this.requests) / s,
      bytesPerSecond: Math.max(0, bytes - this.bytes) / s,
      intervalSeconds: s,
    };
    this.t = now;
    this.requests = requests;
    this.bytes = bytes;
    return this.last;
  }
}
