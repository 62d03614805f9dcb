// CHUNK (transcode): frames the body in chunked transfer coding when the
// header filter chose it: each brigade's data becomes one chunk, and EOS gets
// the last-chunk "0\r\n\r\n" in front of it. Never copies body bytes.
import type { Brigade } from '../brigade/brigade.js';
import { EosBucket, ImmortalBucket } from '../brigade/bucket.js';
import type { Filter, FilterContext } from './filter.js';
import type { Framing } from './http-header.js';

// Shared static bytes; every use gets its own bucket object, because a later
// filter may split a bucket in place (a shared bucket would change for all).
const CRLF = Buffer.from('\r\n');
const LAST = Buffer.from('0\r\n\r\n');

export function chunkFilter(framing: Framing): Filter<boolean> {
  return {
    name: 'chunk',
    type: 'transcode',
    filter(ctx: FilterContext<boolean>, brigade: Brigade) {
      if (!framing.chunked) return ctx.pass(brigade);
      // The first brigade starts with the serialised head: never chunk it.
      const first = ctx.state !== true;
      ctx.state = true;
      const start = first ? 1 : 0;
      const eos = brigade.buckets.findIndex((b) => b instanceof EosBucket);
      const end = eos < 0 ? brigade.buckets.length : eos;
      let size = 0;
      for (let i = start; i < end; ++i) size += brigade.buckets[i]!.length;
      if (size > 0) {
        brigade.buckets.splice(end, 0, new ImmortalBucket(CRLF));
        brigade.buckets.splice(start, 0, new ImmortalBucket(Buffer.from(`${size.toString(16)}\r\n`, 'latin1')));
      }
      if (eos >= 0) {
        const at = brigade.buckets.findIndex((b) => b instanceof EosBucket);
        brigade.buckets.splice(at, 0, new ImmortalBucket(LAST));
      }
      return ctx.pass(brigade);
    },
  };
}
