// The native one-call deflater behind compress()'s small-body path: one zlib
// stream reused (deflateReset) for every response. Each output must be a
// complete, independent gzip/zlib stream whatever came before it on the same
// stream, however the body is cut into parts.
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../src/native.js';

const text = Buffer.from('<p>a server-side include page, assembled on every request</p>\n'.repeat(200));

test('gzip: a complete stream that Node gunzips, call after call on one stream', () => {
  const d = new native.WholeBodyDeflater('gzip', 6);
  const bodies = [text, randomBytes(50_000), Buffer.alloc(0), text.subarray(0, 7), text];
  const outs = bodies.map((b) => d.compress([b]));
  bodies.forEach((b, i) => assert.equal(zlib.gunzipSync(outs[i]!), b, `body ${i}`));
  // Reset really resets: the same input gives the same bytes as on a fresh stream.
  assert.equal(outs[4], outs[0]);
  assert.equal(outs[0], new native.WholeBodyDeflater('gzip', 6).compress([text]));
  assert.equal(outs[0]!.subarray(0, 2), Buffer.from([0x1f, 0x8b]));
});

test('deflate is the zlib format (RFC 1950), as HTTP and Node mean it', () => {
  const d = new native.WholeBodyDeflater('deflate', 6);
  const out = d.compress([text]);
  assert.equal(zlib.inflateSync(out), text);
  assert.equal(out, zlib.deflateSync(text, { level: 6 }));
});

test('parts are one body: any split, empty parts included, gives the same stream', () => {
  const d = new native.WholeBodyDeflater('gzip', 6);
  const whole = d.compress([text]);
  for (const cut of [0, 1, 100, text.length - 1, text.length]) {
    const parts = [text.subarray(0, cut), Buffer.alloc(0), text.subarray(cut)];
    assert.equal(d.compress(parts), whole, `cut at ${cut}`);
  }
  assert.equal(zlib.gunzipSync(d.compress([])), Buffer.alloc(0));
  assert.equal(zlib.gunzipSync(d.compress([Buffer.alloc(0), Buffer.alloc(0)])), Buffer.alloc(0));
});

test('levels: 0 stores, 9 compresses; each decompresses to the input', () => {
  const stored = new native.WholeBodyDeflater('gzip', 0).compress([text]);
  const best = new native.WholeBodyDeflater('gzip', 9).compress([text]);
  assert.ok(stored.length > text.length, 'level 0 stores');
  assert.ok(best.length < text.length / 10, 'level 9 compresses');
  assert.equal(zlib.gunzipSync(stored), text);
  assert.equal(zlib.gunzipSync(best), text);
});

test('bad arguments throw instead of crashing', () => {
  const Ctor = native.WholeBodyDeflater as unknown as new (...a: unknown[]) => { compress(p: unknown): Buffer };
  assert.throws(() => new Ctor('br', 6), /WholeBodyDeflater/);
  assert.throws(() => new Ctor('gzip', 10), /WholeBodyDeflater/);
  assert.throws(() => new Ctor('gzip', -1), /WholeBodyDeflater/);
  assert.throws(() => new Ctor('gzip'), /WholeBodyDeflater/);
  const d = new Ctor('gzip', 6);
  assert.throws(() => d.compress('text'), /parts/);
  assert.throws(() => d.compress([new Uint16Array(4)]), /Uint8Array/);
  assert.throws(() => d.compress(['x']), /Uint8Array/);
  // Still usable afterwards.
  assert.equal(zlib.gunzipSync(d.compress([text])), text);
});

test.run();
