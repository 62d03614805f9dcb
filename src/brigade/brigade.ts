// Brigade: an ordered list of buckets — what filters receive and pass on.
import { Bucket, EosBucket, FlushBucket, HeapBucket } from './bucket.js';

export class Brigade {
  readonly buckets: Bucket[];

  constructor(buckets: Bucket[] = []) {
    this.buckets = buckets;
  }

  static of(...items: (Bucket | string | Uint8Array)[]): Brigade {
    return new Brigade(items.map((i) => (i instanceof Bucket ? i : typeof i === 'string' ? HeapBucket.fromString(i) : new HeapBucket(i))));
  }

  append(...b: Bucket[]): this {
    this.buckets.push(...b);
    return this;
  }

  prepend(...b: Bucket[]): this {
    this.buckets.unshift(...b);
    return this;
  }

  /** Moves every bucket of other to the end of this brigade. */
  concat(other: Brigade): this {
    this.buckets.push(...other.buckets.splice(0));
    return this;
  }

  get isEmpty(): boolean {
    return this.buckets.length === 0;
  }

  /** Bytes of data in the brigade (file ranges included). */
  get length(): number {
    let n = 0;
    for (const b of this.buckets) n += b.length;
    return n;
  }

  /** true if the brigade ends the response body. */
  get hasEos(): boolean {
    return this.buckets.some((b) => b instanceof EosBucket);
  }

  get hasFlush(): boolean {
    return this.buckets.some((b) => b instanceof FlushBucket);
  }

  /**
   * Makes sure a bucket boundary falls at byte offset and returns the index of
   * the first bucket at or after it (buckets.length if offset is the end).
   */
  partition(offset: number): number {
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`bad partition offset ${offset}`);
    let pos = 0;
    for (let i = 0; i < this.buckets.length; ++i) {
      const b = this.buckets[i]!;
      if (pos === offset) return i;
      const len = b.length;
      if (offset < pos + len) {
        this.buckets.splice(i + 1, 0, b.split(offset - pos));
        return i + 1;
      }
      pos += len;
    }
    if (pos === offset) return this.buckets.length;
    throw new RangeError(`partition offset ${offset} beyond brigade length ${pos}`);
  }

  /** Splits at byte offset: this keeps [0, offset), the returned brigade the rest. */
  split(offset: number): Brigade {
    const i = this.partition(offset);
    return new Brigade(this.buckets.splice(i));
  }

  /** Splits after the bucket at index: this keeps [0, index], the returned brigade the rest. */
  splitAfter(index: number): Brigade {
    // -1 moves every bucket; a negative splice index would count from the end.
    if (!Number.isInteger(index) || index < -1 || index >= this.buckets.length) {
      throw new RangeError(`splitAfter index ${index} outside the brigade (-1..${this.buckets.length - 1})`);
    }
    return new Brigade(this.buckets.splice(index + 1));
  }

  /** All data as one byte array (reads files): meant for small bodies. */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (const b of this.buckets) if (b.length > 0) parts.push(await b.read());
    return Buffer.concat(parts);
  }

  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  /** Copies memory buckets so the brigade may be kept across filter calls. */
  setaside(): this {
    for (const b of this.buckets) if (b instanceof HeapBucket) b.setaside();
    return this;
  }
}
