// Buckets and brigades without a server: splitting buckets, partitioning and
// splitting brigades at every offset (file ranges included), reading bytes,
// setaside copies and the errors for offsets that do not exist.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Brigade,
  Bucket,
  EorBucket,
  EosBucket,
  FileBucket,
  FlushBucket,
  HeapBucket,
  ImmortalBucket,
  type RequestPool,
} from '../src/index.js';

const test = suite('brigade');

// A temp file with known bytes: "0123456789abcdefghijklmnopqrstuvwxyz".
const FILE_TEXT = '0123456789abcdefghijklmnopqrstuvwxyz';
let dir = '';
let file = '';
let fd = -1;

test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-test-'));
  file = path.join(dir, 'data.txt');
  fs.writeFileSync(file, FILE_TEXT);
  fd = fs.openSync(file, 'r');
});

test.after(() => {
  if (fd >= 0) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

const fakePool: RequestPool = { cleanup() {}, destroyed: false };

/** Data of a bucket as text, synchronously for memory buckets, from the file for FILE. */
function bucketText(b: Bucket): string {
  if (b instanceof HeapBucket || b instanceof ImmortalBucket) return Buffer.from(b.bytes).toString('latin1');
  if (b instanceof FileBucket) return FILE_TEXT.slice(b.offset, b.offset + b.length);
  return '';
}

function brigadeText(b: Brigade): string {
  return b.buckets.map(bucketText).join('');
}

/**
 * A brigade of every kind: memory, metadata between data, file ranges, an
 * empty HEAP bucket, an immortal bucket, EOS and EOR at the end.
 */
function mixed(): { brigade: Brigade; text: string } {
  const brigade = new Brigade([
    HeapBucket.fromString('abc'),
    new FlushBucket(),
    new FileBucket(fd, 2, 5), // "23456"
    new HeapBucket(new Uint8Array(0)),
    HeapBucket.fromString('defg'),
    new FileBucket(fd, 20, 1), // "k"
    new ImmortalBucket(Buffer.from('HI')),
    new FileBucket(fd, 30, 6), // "uvwxyz"
    new EosBucket(),
    new EorBucket(fakePool),
  ]);
  return { brigade, text: 'abc' + '23456' + 'defg' + 'k' + 'HI' + 'uvwxyz' };
}

// ---- buckets ----

test('HeapBucket.split keeps the head, returns the tail, shares memory', () => {
  const backing = Buffer.from('hello world');
  const b = new HeapBucket(backing);
  const tail = b.split(5);
  assert.instance(tail, HeapBucket);
  assert.is(b.length, 5);
  assert.is(tail.length, 6);
  assert.is(b.text(), 'hello');
  assert.is((tail as HeapBucket).text(), ' world');
  // No copy: both halves are views of the same memory.
  backing[0] = 'J'.charCodeAt(0);
  backing[6] = 'W'.charCodeAt(0);
  assert.is(b.text(), 'Jello');
  assert.is((tail as HeapBucket).text(), ' World');
  // Splits at the edges give empty buckets.
  const whole = HeapBucket.fromString('xy');
  const empty = whole.split(2);
  assert.is(empty.length, 0);
  assert.is(whole.length, 2);
  const all = whole.split(0);
  assert.is(whole.length, 0);
  assert.is((all as HeapBucket).text(), 'xy');
});

test('HeapBucket.text decodes UTF-8 and latin1 from a view with an offset', () => {
  const buf = Buffer.from('xx€yy', 'utf8');
  const b = new HeapBucket(buf.subarray(2, 5));
  assert.is(b.text(), '€');
  assert.is(new HeapBucket(Buffer.from([0xe9])).text('latin1'), 'é');
});

test('FileBucket.split moves the file offset; read() returns the range', async () => {
  const b = new FileBucket(fd, 10, 20); // "abcdefghijklmnopqrst"
  const tail = b.split(7);
  assert.instance(tail, FileBucket);
  const t = tail as FileBucket;
  assert.is(b.fd, fd);
  assert.is(t.fd, fd);
  assert.is(b.offset, 10);
  assert.is(b.length, 7);
  assert.is(t.offset, 17);
  assert.is(t.length, 13);
  assert.is(Buffer.from(await b.read()).toString(), 'abcdefg');
  assert.is(Buffer.from(await t.read()).toString(), 'hijklmnopqrst');
  // Split at every offset of a file bucket: the halves always cover the range.
  for (let k = 0; k <= 20; ++k) {
    const f = new FileBucket(fd, 10, 20);
    const rest = f.split(k) as FileBucket;
    assert.is(f.length, k);
    assert.is(rest.length, 20 - k);
    assert.is(rest.offset, 10 + k);
    assert.is(Buffer.from(await f.read()).toString() + Buffer.from(await rest.read()).toString(), FILE_TEXT.slice(10, 30));
  }
});

test('FileBucket.read rejects when the file is shorter than the bucket', async () => {
  const b = new FileBucket(fd, 30, 100);
  try {
    await b.read();
    assert.unreachable('read should fail');
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, /shorter/);
  }
});

test('ImmortalBucket splits into views of the same static bytes', () => {
  const bytes = Buffer.from('static');
  const b = new ImmortalBucket(bytes);
  const tail = b.split(2) as ImmortalBucket;
  assert.instance(tail, ImmortalBucket);
  assert.is(Buffer.from(b.bytes).toString(), 'st');
  assert.is(Buffer.from(tail.bytes).toString(), 'atic');
  assert.is(tail.bytes.buffer, bytes.buffer);
});

test('metadata buckets: zero length, isMetadata, no split', async () => {
  const meta = [new FlushBucket(), new EosBucket(), new EorBucket(fakePool)];
  for (const m of meta) {
    assert.is(m.length, 0);
    assert.ok(m.isMetadata, m.kind);
    assert.is((await m.read()).length, 0);
    assert.throws(() => m.split(0), (e: unknown) => e instanceof RangeError);
  }
  assert.is(meta.map((m) => m.kind).join(','), 'flush,eos,eor');
  assert.is((meta[2] as EorBucket).pool, fakePool);
  for (const d of [HeapBucket.fromString(''), new ImmortalBucket(new Uint8Array(0)), new FileBucket(fd, 0, 0)]) {
    assert.not.ok(d.isMetadata, `${d.kind} is data even when empty`);
  }
});

test('bucket splits reject offsets outside the bucket and non-integers', () => {
  const bad = [-1, 4, 1.5, Number.NaN, Infinity];
  for (const off of bad) {
    assert.throws(() => HeapBucket.fromString('abc').split(off), (e: unknown) => e instanceof RangeError, `heap ${off}`);
    assert.throws(() => new FileBucket(fd, 0, 3).split(off), (e: unknown) => e instanceof RangeError, `file ${off}`);
    assert.throws(() => new ImmortalBucket(Buffer.from('abc')).split(off), (e: unknown) => e instanceof RangeError, `immortal ${off}`);
  }
  // A failed split leaves the bucket as it was.
  const f = new FileBucket(fd, 4, 3);
  assert.throws(() => f.split(9));
  assert.is(f.offset, 4);
  assert.is(f.length, 3);
});

// ---- brigades ----

test('Brigade.of, append, prepend, concat, length, isEmpty', () => {
  const b = Brigade.of('ab', Buffer.from('cd'), new FileBucket(fd, 0, 3));
  assert.is(b.buckets.length, 3);
  assert.instance(b.buckets[0], HeapBucket);
  assert.instance(b.buckets[1], HeapBucket);
  assert.is(b.length, 7);
  assert.is(brigadeText(b), 'abcd012');
  const first = HeapBucket.fromString('>');
  const last = new EosBucket();
  assert.is(b.prepend(first), b, 'prepend returns the brigade');
  assert.is(b.append(last), b, 'append returns the brigade');
  assert.is(b.buckets[0], first);
  assert.is(b.buckets[b.buckets.length - 1], last);
  assert.is(b.length, 8);
  // prepend/append several keep their order.
  const x = new Brigade().append(HeapBucket.fromString('1'), HeapBucket.fromString('2')).prepend(HeapBucket.fromString('a'), HeapBucket.fromString('b'));
  assert.is(brigadeText(x), 'ab12');
  // concat moves the buckets (the other brigade is left empty), same objects.
  const other = Brigade.of('xy', 'z');
  const moved = [...other.buckets];
  assert.is(x.concat(other), x);
  assert.ok(other.isEmpty);
  assert.is(other.length, 0);
  assert.is(x.buckets[4], moved[0]);
  assert.is(x.buckets[5], moved[1]);
  assert.is(brigadeText(x), 'ab12xyz');
  assert.ok(new Brigade().isEmpty);
  assert.not.ok(new Brigade([new EosBucket()]).isEmpty, 'a metadata-only brigade is not empty');
  assert.is(new Brigade([new EosBucket()]).length, 0);
});

test('hasEos and hasFlush', () => {
  assert.not.ok(Brigade.of('a').hasEos);
  assert.not.ok(Brigade.of('a').hasFlush);
  assert.ok(Brigade.of('a', new EosBucket()).hasEos);
  assert.ok(Brigade.of(new FlushBucket(), 'a').hasFlush);
  assert.not.ok(Brigade.of(new FlushBucket()).hasEos);
  assert.not.ok(Brigade.of(new EosBucket()).hasFlush);
  assert.not.ok(Brigade.of(new EorBucket(fakePool)).hasEos, 'EOR is not EOS');
});

test('partition at every offset: a boundary exactly there, bytes and order kept', () => {
  const { brigade: probe, text } = mixed();
  const total = text.length;
  assert.is(probe.length, total);
  for (let off = 0; off <= total; ++off) {
    const { brigade } = mixed();
    const before = [...brigade.buckets];
    const i = brigade.partition(off);
    let sum = 0;
    for (let k = 0; k < i; ++k) sum += brigade.buckets[k]!.length;
    assert.is(sum, off, `bytes before index ${i} at offset ${off}`);
    assert.is(brigade.length, total, `length kept at ${off}`);
    assert.is(brigadeText(brigade), text, `bytes kept at ${off}`);
    // At most one new bucket, and every original bucket still there in order.
    assert.ok(brigade.buckets.length - before.length <= 1, `one split at most (${off})`);
    const still = brigade.buckets.filter((b) => before.includes(b));
    assert.equal(still, before, `original buckets kept in order at ${off}`);
    // The bucket at i starts exactly at off: it is the first data at or after it.
    if (i < brigade.buckets.length) {
      const b = brigade.buckets[i]!;
      if (b.length > 0) assert.is(bucketText(b)[0], text[off], `bucket at ${i} starts at byte ${off}`);
    } else {
      assert.is(off, total);
    }
    // Partitioning again at the same offset is a no-op.
    const n = brigade.buckets.length;
    assert.is(brigade.partition(off), i);
    assert.is(brigade.buckets.length, n);
  }
});

test('partition puts metadata and empty buckets at a boundary after it', () => {
  const { brigade } = mixed();
  // Offset 3 is the end of "abc": the FLUSH that follows starts the tail.
  const i = brigade.partition(3);
  assert.is(i, 1);
  assert.instance(brigade.buckets[1], FlushBucket);
  // The end: EOS/EOR are at or after the returned index.
  const { brigade: b2, text } = mixed();
  const j = b2.partition(text.length);
  assert.instance(b2.buckets[j], EosBucket);
  // A brigade of metadata only: offset 0 is index 0; the end of an empty brigade is 0.
  assert.is(Brigade.of(new FlushBucket(), new EosBucket()).partition(0), 0);
  assert.is(new Brigade().partition(0), 0);
});

test('split at every offset: lengths and bytes preserved, file ranges correct', async () => {
  const { text } = mixed();
  for (let off = 0; off <= text.length; ++off) {
    const { brigade } = mixed();
    const tail = brigade.split(off);
    assert.is(brigade.length, off, `head length at ${off}`);
    assert.is(tail.length, text.length - off, `tail length at ${off}`);
    assert.is(brigadeText(brigade), text.slice(0, off), `head bytes at ${off}`);
    assert.is(brigadeText(tail), text.slice(off), `tail bytes at ${off}`);
    // The same through read(): file buckets are read from the file.
    assert.is(await brigade.text(), text.slice(0, off));
    assert.is(await tail.text(), text.slice(off));
    // The metadata at the end always stays with the tail; the head has none of it.
    assert.ok(tail.hasEos, `tail keeps EOS at ${off}`);
    assert.not.ok(brigade.hasEos, `head has no EOS at ${off}`);
    assert.instance(tail.buckets[tail.buckets.length - 1], EorBucket);
    // Every file bucket still lies inside its original range.
    for (const b of [...brigade.buckets, ...tail.buckets]) {
      if (b instanceof FileBucket) {
        assert.ok(b.offset >= 0 && b.offset + b.length <= FILE_TEXT.length, 'file range inside the file');
      }
    }
  }
});

test('split twice (a window in the middle) at every pair of offsets', () => {
  const { text } = mixed();
  for (let a = 0; a <= text.length; ++a) {
    for (let b = a; b <= text.length; ++b) {
      const { brigade } = mixed();
      const rest = brigade.split(a);
      const after = rest.split(b - a);
      assert.is(brigadeText(brigade) + '|' + brigadeText(rest) + '|' + brigadeText(after), `${text.slice(0, a)}|${text.slice(a, b)}|${text.slice(b)}`);
    }
  }
});

test('splitAfter at every index moves the same bucket objects', () => {
  const { brigade: probe } = mixed();
  const n = probe.buckets.length;
  for (let i = -1; i < n; ++i) {
    const { brigade } = mixed();
    const all = [...brigade.buckets];
    const tail = brigade.splitAfter(i);
    assert.is(brigade.buckets.length, i + 1, `head count after ${i}`);
    assert.is(tail.buckets.length, n - i - 1, `tail count after ${i}`);
    assert.equal([...brigade.buckets, ...tail.buckets], all, `same buckets, same order (${i})`);
  }
});

test('partition/split/splitAfter reject bad offsets and leave the brigade intact', () => {
  const { brigade, text } = mixed();
  const before = [...brigade.buckets];
  for (const off of [-1, text.length + 1, 1e9, 2.5, Number.NaN]) {
    assert.throws(() => brigade.partition(off), (e: unknown) => e instanceof RangeError, `partition(${off})`);
    assert.throws(() => brigade.split(off), (e: unknown) => e instanceof RangeError, `split(${off})`);
  }
  assert.equal(brigade.buckets, before, 'unchanged after failed partitions');
  assert.is(brigadeText(brigade), text);
  for (const idx of [-2, before.length, 1.5]) {
    assert.throws(() => brigade.splitAfter(idx), (e: unknown) => e instanceof RangeError, `splitAfter(${idx})`);
  }
  assert.equal(brigade.buckets, before, 'unchanged after failed splitAfter');
});

test('bytes() and text() read file buckets from the file, in order', async () => {
  const b = new Brigade([
    HeapBucket.fromString('<'),
    new FileBucket(fd, 0, 10),
    new FlushBucket(),
    new ImmortalBucket(Buffer.from('|')),
    new FileBucket(fd, 26, 10),
    HeapBucket.fromString('>'),
    new EosBucket(),
  ]);
  assert.is(await b.text(), '<0123456789|qrstuvwxyz>');
  const bytes = await b.bytes();
  assert.instance(bytes, Uint8Array);
  assert.is(bytes.length, b.length);
  // Multi-byte UTF-8 split across buckets decodes as one character.
  const euro = Buffer.from('€');
  const u = new Brigade([new HeapBucket(euro.subarray(0, 1)), new HeapBucket(euro.subarray(1, 2)), new HeapBucket(euro.subarray(2))]);
  assert.is(await u.text(), '€');
  assert.is(await new Brigade().text(), '');
  // A larger file read in full.
  const big = path.join(dir, 'big.bin');
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; ++i) data[i] = (i * 31 + 7) & 0xff;
  fs.writeFileSync(big, data);
  const bfd = fs.openSync(big, 'r');
  try {
    const fb = new Brigade([new FileBucket(bfd, 0, data.length)]);
    const tail = fb.split(123_457);
    assert.ok(Buffer.from(await fb.bytes()).equals(data.subarray(0, 123_457)));
    assert.ok(Buffer.from(await tail.bytes()).equals(data.subarray(123_457)));
  } finally {
    fs.closeSync(bfd);
  }
});

test('setaside copies memory buckets so later changes to the source do not show', () => {
  const source = Buffer.from('slab memory here');
  const heap = new HeapBucket(source.subarray(5, 11)); // "memory"
  const imm = new ImmortalBucket(Buffer.from('imm'));
  const file = new FileBucket(fd, 1, 2);
  const b = new Brigade([heap, imm, file, new EosBucket()]);
  assert.is(b.setaside(), b, 'setaside returns the brigade');
  assert.is.not(heap.bytes.buffer, source.buffer, 'heap bytes now live in their own memory');
  source.fill(0x2e); // the "slab" is reused
  assert.is(heap.text(), 'memory');
  assert.is(heap.bytes.byteOffset, 0);
  assert.is(heap.length, 6);
  // File buckets stay ranges of the same fd; the rest is unchanged.
  assert.is(file.fd, fd);
  assert.is(file.offset, 1);
  assert.is(file.length, 2);
  assert.is(brigadeText(b), 'memoryimm12');
  // A single bucket can be set aside too, and a split after setaside still shares the copy.
  const src2 = Buffer.from('abcdef');
  const h2 = new HeapBucket(src2);
  h2.setaside();
  const t2 = h2.split(3) as HeapBucket;
  src2.fill(0);
  assert.is(h2.text() + t2.text(), 'abcdef');
  assert.is(t2.bytes.buffer, h2.bytes.buffer);
});

test.run();
