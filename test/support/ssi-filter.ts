// An SSI-like insert filter for the straddle tests: replaces
// `<!--#echo var="NAME" -->` with the variable's value. Untouched bytes stay in
// their buckets (partition/split, no copies); only the directive's bytes are
// dropped and one new bucket takes their place.
//
// A directive may straddle brigades (two res.write() calls): a possible start
// of one at the end of a brigade is held back — set aside, because it views
// slab memory — and scanned again in front of the next brigade. FILE buckets
// are not scanned (a directive across a file boundary is not recognised).
import { Brigade, FileBucket, HeapBucket, ImmortalBucket, type Bucket, type Filter } from '../../src/index.js';

const LEAD = '<!--#echo var="';
const DIRECTIVE = /<!--#echo var="([A-Za-z0-9_]{1,64})" -->/g;

/** Could s (starting with "<") still grow into a directive? */
export function couldStartDirective(s: string): boolean {
  if (s.length <= LEAD.length) return LEAD.startsWith(s);
  if (!s.startsWith(LEAD)) return false;
  return /^[A-Za-z0-9_]{0,64}("( (-(-)?)?)?)?$/.test(s.slice(LEAD.length));
}

export interface SsiState {
  held: Brigade | null;
  /** Directives replaced so far. */
  replaced: number;
  /** Calls of filter() (one per brigade). */
  calls: number;
}

/** Text of memory buckets, one char per byte (latin1), so string offsets are byte offsets. */
function latin1(b: Bucket): string {
  if (b instanceof HeapBucket || b instanceof ImmortalBucket) return Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.length).toString('latin1');
  return '';
}

export function ssiFilter(vars: Record<string, string>, onDone?: (s: SsiState) => void): Filter<SsiState> {
  return {
    name: 'ssi-echo',
    type: 'resource',
    init(ctx) {
      ctx.state = { held: null, replaced: 0, calls: 0 };
      // The body changes length: a declared Content-Length cannot hold.
      ctx.response.removeHeader('content-length');
    },
    filter(ctx, brigade) {
      const st = ctx.state!;
      st.calls++;
      if (st.held) {
        brigade.prepend(...st.held.buckets);
        st.held = null;
      }
      const out = new Brigade();
      // Runs of memory buckets are scanned; FILE buckets and metadata break runs.
      while (!brigade.isEmpty) {
        let n = 0;
        while (n < brigade.buckets.length && !(brigade.buckets[n] instanceof FileBucket) && !brigade.buckets[n]!.isMetadata) ++n;
        if (n === 0) {
          out.append(brigade.buckets.shift()!);
          continue;
        }
        let run = new Brigade(brigade.buckets.splice(0, n));
        const text = run.buckets.map(latin1).join('');
        let consumed = 0;
        for (const m of text.matchAll(DIRECTIVE)) {
          const rest = run.split(m.index! - consumed);
          out.concat(run);
          run = rest.split(m[0].length); // the directive's own buckets are dropped
          out.append(HeapBucket.fromString(vars[m[1]!] ?? '(none)'));
          consumed = m.index! + m[0].length;
          st.replaced++;
        }
        // The end of the data so far: hold back a possible directive start.
        const lastData = !brigade.buckets.some((b) => b.length > 0 || b instanceof FileBucket);
        if (lastData && !brigade.hasEos) {
          const lt = text.lastIndexOf('<');
          if (lt >= consumed && couldStartDirective(text.slice(lt))) {
            st.held = run.split(lt - consumed).setaside();
          }
        }
        out.concat(run);
      }
      if (out.hasEos) onDone?.(st);
      if (out.isEmpty) return;
      return ctx.pass(out);
    },
  };
}
