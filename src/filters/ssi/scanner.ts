// The streaming directive scanner: finds `<!--#...-->` in a body that
// arrives in arbitrary pieces. It never holds body bytes: a possible start of
// a directive at the end of a piece is remembered as a count of matched
// prefix bytes (the prefix is a constant), and a directive under way as its
// text (bounded by maxLength). Everything else is reported as ranges of the
// piece, so the caller can pass the original bytes on without copying.

const PREFIX = Uint8Array.from([0x3c, 0x21, 0x2d, 0x2d, 0x23]); // <!--#
const DASH = 0x2d;
const GT = 0x3e;

export type ScanEvent =
  /** Bytes [start, end) of the piece just fed are plain text. */
  | { kind: 'text'; start: number; end: number }
  /** Constant bytes that turned out to be text (a partial prefix that did not complete). */
  | { kind: 'literal'; bytes: Uint8Array }
  /** A complete directive: the text between `<!--#` and `-->`, as latin1. */
  | { kind: 'directive'; text: string }
  /** A directive longer than maxLength: dropped up to its `-->`. */
  | { kind: 'too-long' };

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

export class DirectiveScanner {
  private matched = 0;
  private inDirective = false;
  private dir = '';
  private skipping = false;
  private skipDashes = 0;
  private readonly maxLength: number;

  constructor(maxLength: number) {
    this.maxLength = maxLength;
  }

  /** Scans the next piece of the body. */
  feed(bytes: Uint8Array): ScanEvent[] {
    const ev: ScanEvent[] = [];
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (this.skipping) {
        i = this.skip(bytes, i);
        continue;
      }
      if (this.inDirective) {
        const before = this.dir.length;
        // Room for the longest directive plus its terminator.
        const take = Math.min(n - i, this.maxLength + 3 - before);
        this.dir += latin1(bytes, i, i + take);
        const e = this.dir.indexOf('-->', Math.max(0, before - 2));
        if (e >= 0) {
          // (dir holds at most maxLength + 3 chars, so e <= maxLength.)
          ev.push({ kind: 'directive', text: this.dir.slice(0, e) });
          i += e + 3 - before;
          this.dir = '';
          this.inDirective = false;
          continue;
        }
        i += take;
        const dashes = trailingDashes(this.dir);
        if (this.dir.length - dashes > this.maxLength) {
          ev.push({ kind: 'too-long' });
          this.inDirective = false;
          this.skipping = true;
          this.skipDashes = dashes;
          this.dir = '';
        }
        continue;
      }
      if (this.matched > 0) {
        let k = this.matched;
        while (k < PREFIX.length && i < n && bytes[i] === PREFIX[k]) {
          k++;
          i++;
        }
        if (k === PREFIX.length) {
          this.matched = 0;
          this.inDirective = true;
          continue;
        }
        if (i === n) {
          this.matched = k;
          break;
        }
        // Not a directive after all: the held prefix is text; bytes[i] is looked at again.
        ev.push({ kind: 'literal', bytes: PREFIX.subarray(0, k) });
        this.matched = 0;
        continue;
      }
      let from = i;
      for (;;) {
        const j = bytes.indexOf(PREFIX[0]!, from);
        if (j < 0) {
          ev.push({ kind: 'text', start: i, end: n });
          i = n;
          break;
        }
        let m = 1;
        while (m < PREFIX.length && j + m < n && bytes[j + m] === PREFIX[m]) m++;
        if (m === PREFIX.length || j + m === n) {
          if (j > i) ev.push({ kind: 'text', start: i, end: j });
          i = j + m;
          if (m === PREFIX.length) this.inDirective = true;
          else this.matched = m;
          break;
        }
        from = j + 1;
      }
    }
    return ev;
  }

  /** Drops bytes up to and including the next `-->`; returns the new position. */
  private skip(bytes: Uint8Array, i: number): number {
    const n = bytes.length;
    while (i < n) {
      const c = bytes[i++]!;
      if (c === GT && this.skipDashes >= 2) {
        this.skipping = false;
        this.skipDashes = 0;
        return i;
      }
      this.skipDashes = c === DASH ? this.skipDashes + 1 : 0;
    }
    return i;
  }

  /** The body ended: what is held (a partial prefix or an unfinished directive) is text. */
  end(): Uint8Array | null {
    let out: Uint8Array | null = null;
    if (this.matched > 0) out = PREFIX.slice(0, this.matched);
    else if (this.inDirective) out = Buffer.concat([PREFIX, Buffer.from(this.dir, 'latin1')]);
    this.matched = 0;
    this.inDirective = false;
    this.dir = '';
    this.skipping = false;
    return out;
  }
}

function trailingDashes(s: string): number {
  let k = 0;
  while (k < 2 && s.charCodeAt(s.length - 1 - k) === DASH) k++;
  return k;
}
