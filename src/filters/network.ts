// NETWORK (the sink): turns each brigade into bucket descriptors for the native
// writer. Memory buckets that already live in slab memory are referenced, not
// copied; FILE buckets go to sendfile with their fd owned by the request pool.
import type { Lane } from '../bridge/lane.js';
import * as L from '../bridge/layout.js';
import type { Brigade } from '../brigade/brigade.js';
import { EorBucket, EosBucket, FileBucket, FlushBucket, HeapBucket, ImmortalBucket } from '../brigade/bucket.js';
import type { Pool } from '../pool.js';
import type { Filter, FilterContext } from './filter.js';
import type { Framing } from './http-header.js';

export interface NetworkTarget {
  readonly lane: Lane;
  readonly conn: number;
  readonly seq: number;
  readonly framing: Framing;
}

export function networkFilter(target: NetworkTarget): Filter<never> {
  return {
    name: 'network',
    type: 'network',
    filter(_ctx: FilterContext<never>, brigade: Brigade) {
      const lane = target.lane;
      let n = 0;
      for (const b of brigade.buckets) {
        if (b instanceof HeapBucket) {
          if (b.bytes.length > 0) lane.pushView(b.bytes);
        } else if (b instanceof ImmortalBucket) {
          lane.writeBytes(b.bytes);
        } else if (b instanceof FileBucket) {
          if (b.length > 0) lane.pushFile(b.fd, b.offset, b.length, false);
        } else if (b instanceof FlushBucket) {
          lane.pushMeta(L.KIND_FLUSH);
        } else if (b instanceof EosBucket) {
          lane.pushMeta(L.KIND_EOS);
        } else if (b instanceof EorBucket) {
          lane.pushMeta(L.KIND_EOR, (b.pool as Pool).id, target.framing.close ? L.BUCKET_CLOSE : 0);
          (b.pool as Pool).markEorPassed();
        }
        ++n;
      }
      if (n > 0) lane.emit(target.conn, target.seq);
      brigade.buckets.length = 0;
      // A producer that awaits pass() slows to the writers' pace (bounded memory).
      const wait = lane.backpressure();
      if (wait) return wait;
    },
  };
}
