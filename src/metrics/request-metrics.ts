// Request counters and latency histograms, kept in preallocated typed arrays so
// that recording a response costs a few array increments and no allocation.
// Dimensions: service class × method × status class (counts) and service class
// × status class (latency). Latency is measured on the JS thread from the
// moment the request is taken from the ring (the head is complete) until the
// response has been handed to the native writer in full.
import { METHOD_NAMES, METHOD_OTHER } from '../bridge/layout.js';

/** Upper bounds (seconds) of the latency buckets; +Inf is implied. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Method labels by native method code; the last one gathers the rest. */
export const METHOD_LABELS: readonly string[] = [...METHOD_NAMES, 'OTHER'];
export const STATUS_CLASSES: readonly string[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

const METHODS = METHOD_OTHER + 1;
const STATUSES = 5;

export interface LatencyHistogram {
  /** Cumulative counts per bucket bound (Prometheus "le"), then +Inf. */
  cumulative: number[];
  sum: number;
  count: number;
}

export class RequestMetrics {
  readonly buckets: readonly number[];
  readonly classNames: readonly string[];
  // [class][method][status]
  private readonly counts: Float64Array;
  // [class][status][bucket] (non-cumulative, last = +Inf)
  private readonly hist: Float64Array;
  // [class][status]
  private readonly sums: Float64Array;

  constructor(classNames: readonly string[] = ['default'], buckets: readonly number[] = DEFAULT_LATENCY_BUCKETS) {
    if (classNames.length === 0) throw new RangeError('brigade: metrics need at least one service class');
    for (let i = 1; i < buckets.length; ++i) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new RangeError('brigade: latency buckets must increase');
    }
    this.classNames = classNames;
    this.buckets = buckets;
    this.counts = new Float64Array(classNames.length * METHODS * STATUSES);
    this.hist = new Float64Array(classNames.length * STATUSES * (buckets.length + 1));
    this.sums = new Float64Array(classNames.length * STATUSES);
  }

  /** Records one finished response. methodCode: the native method code. */
  record(classIndex: number, methodCode: number, status: number, seconds: number): void {
    const m = methodCode < METHODS ? methodCode : METHOD_OTHER;
    const s = statusIndex(status);
    this.counts[(classIndex * METHODS + m) * STATUSES + s]! += 1;
    const nb = this.buckets.length + 1;
    const b = this.buckets;
    let k = 0;
    while (k < b.length && seconds > b[k]!) ++k;
    this.hist[(classIndex * STATUSES + s) * nb + k]! += 1;
    this.sums[classIndex * STATUSES + s]! += seconds;
  }

  requests(classIndex: number, methodIndex: number, statusClass: number): number {
    return this.counts[(classIndex * METHODS + methodIndex) * STATUSES + statusClass]!;
  }

  latency(classIndex: number, statusClass: number): LatencyHistogram {
    const nb = this.buckets.length + 1;
    const base = (classIndex * STATUSES + statusClass) * nb;
    const cumulative: number[] = [];
    let acc = 0;
    for (let k = 0; k < nb; ++k) {
      acc += this.hist[base + k]!;
      cumulative.push(acc);
    }
    return { cumulative, sum: this.sums[classIndex * STATUSES + statusClass]!, count: acc };
  }

  /** Responses recorded so far, all dimensions. */
  total(): number {
    let t = 0;
    for (const v of this.counts) t += v;
    return t;
  }
}

/** 1xx → 0 … 5xx → 4; anything outside 100..599 counts as 5xx. */
export function statusIndex(status: number): number {
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c - 1 : 4;
}
