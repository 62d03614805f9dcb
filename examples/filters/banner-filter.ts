// An INSERT filter: puts a banner right after the opening <body ...> tag of
// text/html responses. Untouched bytes are never copied: the filter splits the
// bucket that holds the end of the tag and inserts one new bucket there.
//
// The tag may straddle buckets (`<bo` in one res.write(), `dy>` in the next):
// a possible start of the tag at the end of a brigade is held back (set
// aside, since it views slab memory that is reused) and scanned again with
// the next brigade. File ranges (sendFile) are read in bounded pieces only
// until the tag is found (and only within the first MiB); everything after it
// keeps going out with sendfile.
//
//   npx tsx examples/filters/banner-filter.ts
import { Brigade, FileBucket, HeapBucket, ImmortalBucket, createServer, type Filter, type FilterContext } from '../../src/index.js';

/** Bytes of a FILE bucket read into memory per step while looking for the tag. */
const FILE_PIECE = 64 * 1024;
/** Longest `<body ...>` tag (with attributes) the filter waits for across brigades. */
const MAX_TAG = 4096;
/** Bytes scanned without finding <body> after which the filter stops looking. */
const MAX_SCAN = 1024 * 1024;

interface BannerState {
  /** The banner is in: everything else passes untouched. */
  done: boolean;
  /** A possible start of the tag, held back from the previous brigade (set aside). */
  held: Brigade | null;
  /** Bytes scanned so far. */
  scanned: number;
}

const BODY_TAG = /<body(?:[\s/][^>]*)?>/i;

/** Could s (which starts with "<") be the beginning of a body tag still to be completed? */
function couldStartTag(s: string): boolean {
  if (s.length > MAX_TAG) return false;
  const lower = s.slice(0, 5).toLowerCase();
  if (s.length <= 5) return '<body'.startsWith(lower);
  if (lower !== '<body') return false;
  return /^[\s/]/.test(s[5]!) && !s.includes('>');
}

/**
 * The banner filter. Register it for HTML:
 *   server.filter(bannerFilter('<div class="banner">Hello</div>'), { contentTypes: ['text/html'] })
 * It also checks the content type itself (init), so it stays out of other responses.
 */
export function bannerFilter(banner: string): Filter<BannerState> {
  const bannerBytes = Buffer.from(banner, 'utf8');
  return {
    name: 'banner',
    type: 'resource',
    init(ctx) {
      const type = (ctx.response.getHeader('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (type !== 'text/html') return false;
      ctx.state = { done: false, held: null, scanned: 0 };
      // The body grows: a Content-Length the handler declared would be wrong.
      // (The protocol filter computes the real one when the whole body is in one brigade.)
      if (!ctx.response.headersSent) ctx.response.removeHeader('content-length');
      return true;
    },
    filter(ctx, brigade) {
      const st = ctx.state!;
      if (st.done) return ctx.pass(brigade);
      if (st.held) {
        brigade.prepend(...st.held.buckets);
        st.held = null;
      }
      return scan(ctx, brigade, bannerBytes);
    },
  };
}

/** Looks for the tag in brigade; passes it on (with the banner, or holding back a possible tag start). */
function scan(ctx: FilterContext<BannerState>, brigade: Brigade, banner: Uint8Array): void | Promise<void> {
  const st = ctx.state!;
  // Text of the leading memory buckets (latin1: one char per byte, so offsets are byte offsets).
  let text = '';
  let i = 0;
  for (; i < brigade.buckets.length; ++i) {
    const b = brigade.buckets[i]!;
    if (b instanceof HeapBucket || b instanceof ImmortalBucket) {
      text += Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.length).toString('latin1');
    } else if (b instanceof FileBucket && b.length > 0) {
      break; // read in pieces below
    }
  }
  const m = BODY_TAG.exec(text);
  if (m) {
    const at = brigade.partition(m.index + m[0].length);
    brigade.buckets.splice(at, 0, new ImmortalBucket(banner));
    st.done = true;
    return ctx.pass(brigade);
  }
  st.scanned += text.length;
  if (st.scanned > MAX_SCAN) {
    st.done = true; // no <body> near the start: not an HTML page we decorate
    return ctx.pass(brigade);
  }
  // Where a possible (incomplete) tag starts, if anywhere.
  const lt = text.lastIndexOf('<');
  const hold = lt >= 0 && couldStartTag(text.slice(lt)) ? lt : text.length;
  if (i < brigade.buckets.length) {
    // A file range follows: pass on what is scanned, read the file's next
    // piece into memory and go on; the rest of the file stays a FILE bucket.
    const rest = brigade.split(hold).setaside(); // kept across the await below
    const fi = rest.buckets.findIndex((b) => b instanceof FileBucket && b.length > 0);
    const file = rest.buckets[fi] as FileBucket;
    if (file.length > FILE_PIECE) rest.buckets.splice(fi + 1, 0, file.split(FILE_PIECE));
    const sent = brigade.isEmpty ? undefined : ctx.pass(brigade);
    return Promise.resolve(sent)
      .then(() => file.read())
      .then((bytes) => {
        rest.buckets[fi] = new HeapBucket(bytes);
        return scan(ctx, rest, banner);
      });
  }
  if (hold < text.length && !brigade.hasEos) {
    // Hold back the possible tag start for the next brigade. Metadata behind
    // it (a FLUSH) still goes out now.
    const tail = brigade.split(hold);
    const meta = tail.buckets.filter((b) => b.isMetadata);
    st.held = new Brigade(tail.buckets.filter((b) => !b.isMetadata)).setaside();
    brigade.append(...meta);
  }
  if (brigade.isEmpty) return;
  return ctx.pass(brigade);
}

// ---- a tiny demo server ----

/** Starts a demo server on a free port and prints its URL. */
async function main(): Promise<void> {
  const server = createServer({ port: 0 });
  server.filter(bannerFilter('<div style="background:#fe0;padding:4px">Served through the banner filter</div>'), {
    contentTypes: ['text/html'],
  });
  server.get('/', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    // The tag straddles two writes on purpose.
    res.write('<!doctype html><html><head><title>banner</title></head><bo');
    res.write('dy class="page">\n<h1>Hello</h1>\n');
    res.end('</body></html>\n');
  });
  server.get('/plain', (_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end('<body> is left alone in text/plain\n');
  });
  const { host, port } = await server.listen();
  console.log(`banner filter demo: http://${host}:${port}/  (and /plain); Ctrl-C to stop`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
