// HTTP_HEADER (protocol): serialises the status line and headers when the
// first brigade reaches it — late, so filters above may still change headers —
// and decides the framing: Content-Length when the whole body (with EOS) is in
// that first brigade, else chunked on HTTP/1.1, else close-delimited (1.0).
// HEAD responses and 1xx/204/304 keep their head but lose their body bytes.
import { Brigade } from '../brigade/brigade.js';
import { Bucket, HeapBucket } from '../brigade/bucket.js';
import type { Filter, FilterContext } from './filter.js';

/** What the header filter decided, read by the chunk filter and the network sink. */
export interface Framing {
  chunked: boolean;
  close: boolean;
}

/** The response-side hooks the header filter needs. */
export interface HeadSerializer {
  /** Serialises the head for the given body length (-1: unknown) and marks headers sent. */
  serializeHead(bodyLength: number): string;
  readonly framing: Framing;
  readonly bodyAllowed: boolean;
}

export function httpHeaderFilter(response: HeadSerializer): Filter<boolean> {
  return {
    name: 'http-header',
    type: 'protocol',
    filter(ctx: FilterContext<boolean>, brigade: Brigade) {
      if (!ctx.state) {
        ctx.state = true;
        const length = brigade.hasEos ? brigade.length : -1;
        const head = response.serializeHead(length);
        brigade.prepend(new HeapBucket(Buffer.from(head, 'latin1')));
        if (!response.bodyAllowed) {
          // The head may announce chunked coding (HEAD shows GET's headers), but
          // no body follows: not even the last-chunk, which would be read as
          // the start of the next response on this connection.
          response.framing.chunked = false;
          dropBody(brigade, 1);
        }
        return ctx.pass(brigade);
      }
      if (!response.bodyAllowed) dropBody(brigade, 0);
      return ctx.pass(brigade);
    },
  };
}

function dropBody(brigade: Brigade, from: number): void {
  const keep: Bucket[] = brigade.buckets.slice(0, from);
  for (const b of brigade.buckets.slice(from)) if (b.length === 0) keep.push(b);
  brigade.buckets.splice(0, brigade.buckets.length, ...keep);
}
