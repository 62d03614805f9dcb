// Buckets: the units a brigade is made of (DESIGN §2). Data buckets carry
// bytes in memory (HEAP — usually a view of native slab memory — or IMMORTAL)
// or a range of an open file (FILE: sent with sendfile, never read unless a
// filter asks). Metadata buckets carry meaning: FLUSH, EOS, EOR.
import * as fs from 'node:fs';
import type { RequestPool } from '../types.js';

export type BucketKind = 'heap' | 'file' | 'immortal' | 'flush' | 'eos' | 'eor';

export abstract class Bucket {
  abstract readonly kind: BucketKind;
  /** Bytes of data (0 for metadata). */
  abstract get length(): number;
  get isMetadata(): boolean {
    return this.length === 0 && this.kind !== 'heap' && this.kind !== 'immortal' && this.kind !== 'file';
  }
  /** Splits at offset: this keeps [0, offset), the returned bucket holds the rest. */
  split(offset: number): Bucket {
    throw new RangeError(`cannot split a ${this.kind} bucket at ${offset}`);
  }
  /** The bytes (reads the file for FILE buckets — only filters that transform should). */
  abstract read(): Promise<Uint8Array>;
}

export class HeapBucket extends Bucket {
  readonly kind = 'heap';
  bytes: Uint8Array;
  // Set by setaside(): bytes that lie in this buffer are a private copy.
  private ownBuffer: ArrayBufferLike | null = null;
  constructor(bytes: Uint8Array) {
    super();
    this.bytes = bytes;
  }
  static fromString(s: string): HeapBucket {
    return new HeapBucket(Buffer.from(s, 'utf8'));
  }
  get length(): number {
    return this.bytes.length;
  }
  override split(offset: number): Bucket {
    checkOffset(offset, this.bytes.length);
    const tail = new HeapBucket(this.bytes.subarray(offset));
    tail.ownBuffer = this.ownBuffer;
    this.bytes = this.bytes.subarray(0, offset);
    return tail;
  }
  async read(): Promise<Uint8Array> {
    return this.bytes;
  }
  /** Latin1/UTF-8 text of the bytes (for filters that scan text). */
  text(encoding: BufferEncoding = 'utf8'): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).toString(encoding);
  }
  /**
   * Copies the bytes into memory the bucket owns, so it may be kept across
   * calls. Once set aside (split halves included), doing it again copies
   * nothing, unless `bytes` was since pointed at other memory.
   */
  setaside(): void {
    if (this.ownBuffer !== null && this.bytes.buffer === this.ownBuffer) return;
    this.bytes = Uint8Array.prototype.slice.call(this.bytes);
    this.ownBuffer = this.bytes.buffer;
  }
}

export class ImmortalBucket extends Bucket {
  readonly kind = 'immortal';
  /** Static bytes: never written to; a split makes views of them, never copies. */
  bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    super();
    this.bytes = bytes;
  }
  get length(): number {
    return this.bytes.length;
  }
  override split(offset: number): Bucket {
    checkOffset(offset, this.bytes.length);
    const tail = new ImmortalBucket(this.bytes.subarray(offset));
    this.bytes = this.bytes.subarray(0, offset);
    return tail;
  }
  async read(): Promise<Uint8Array> {
    return this.bytes;
  }
}

export class FileBucket extends Bucket {
  readonly kind = 'file';
  readonly fd: number;
  offset: number;
  private len: number;
  constructor(fd: number, offset: number, length: number) {
    super();
    this.fd = fd;
    this.offset = offset;
    this.len = length;
  }
  get length(): number {
    return this.len;
  }
  override split(offset: number): Bucket {
    checkOffset(offset, this.len);
    const tail = new FileBucket(this.fd, this.offset + offset, this.len - offset);
    this.len = offset;
    return tail;
  }
  async read(): Promise<Uint8Array> {
    const out = Buffer.allocUnsafe(this.len);
    let done = 0;
    while (done < this.len) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(this.fd, out, done, this.len - done, this.offset + done, (err, bytes) => (err ? reject(err) : resolve(bytes))),
      );
      if (n === 0) throw new Error('file shorter than its bucket (truncated?)');
      done += n;
    }
    return out;
  }
}

function checkOffset(offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > length) {
    throw new RangeError(`split offset ${offset} outside the bucket (0..${length})`);
  }
}

abstract class MetaBucket extends Bucket {
  get length(): number {
    return 0;
  }
  async read(): Promise<Uint8Array> {
    return new Uint8Array(0);
  }
}

export class FlushBucket extends MetaBucket {
  readonly kind = 'flush';
}

export class EosBucket extends MetaBucket {
  readonly kind = 'eos';
}

export class EorBucket extends MetaBucket {
  readonly kind = 'eor';
  readonly pool: RequestPool;
  constructor(pool: RequestPool) {
    super();
    this.pool = pool;
  }
}
