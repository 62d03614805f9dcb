// A REPLACE filter: upper-cases text/plain bodies chunk by chunk. Every data
// bucket is replaced by a new bucket with the transformed bytes and the old
// one is dropped (its slab memory is released as the response moves on).
//
// Streaming with bounded memory: a brigade is transformed as it arrives, and
// a file range (sendFile) is read and passed on in pieces of at most 64 KiB,
// one at a time, so a large file never sits in memory as a whole.
//
// Only ASCII letters change (a-z -> A-Z, byte by byte). That keeps the length
// (a Content-Length stays right) and never breaks a multi-byte UTF-8 sequence
// that a chunk boundary cuts in two: bytes >= 0x80 pass untouched.
//
//   npx tsx examples/filters/uppercase-filter.ts
import { Brigade, FileBucket, HeapBucket, ImmortalBucket, createServer, type Bucket, type Filter, type FilterContext } from '../../src/index.js';

/** Largest piece of a file read into memory at once. */
export const UPPERCASE_PIECE = 64 * 1024;

function upper(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; ++i) {
    const c = bytes[i]!;
    out[i] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  }
  return out;
}

/**
 * The uppercase filter. Register it for plain text:
 *   server.filter(uppercaseFilter, { contentTypes: ['text/plain'] })
 */
export const uppercaseFilter: Filter<boolean> = {
  name: 'uppercase',
  type: 'content-set',
  filter(ctx, brigade) {
    const first = ctx.state !== true;
    ctx.state = true;
    // The whole body is here (sendFile, end(...)): it keeps its length, so
    // declare it, because a file goes on in several brigades and the protocol
    // filter would otherwise have to fall back to chunked coding.
    if (first && brigade.hasEos && !ctx.response.headersSent) ctx.response.setHeader('Content-Length', brigade.length);
    const out: Bucket[] = [];
    for (let i = 0; i < brigade.buckets.length; ++i) {
      const b = brigade.buckets[i]!;
      if (b instanceof HeapBucket || b instanceof ImmortalBucket) {
        if (b.length > 0) out.push(new HeapBucket(upper(b.bytes)));
      } else if (b instanceof FileBucket) {
        if (b.length === 0) continue;
        // A file range: what is done so far goes out first, then the file in
        // pieces, then the rest of this brigade (order kept throughout).
        const rest = new Brigade(brigade.buckets.slice(i + 1)).setaside();
        return passFile(ctx, new Brigade(out), b, rest);
      } else {
        out.push(b); // FLUSH, EOS, EOR: in order
      }
    }
    return ctx.pass(new Brigade(out));
  },
};

async function passFile(ctx: FilterContext<boolean>, before: Brigade, file: FileBucket, rest: Brigade): Promise<void> {
  if (!before.isEmpty) await ctx.pass(before);
  while (file.length > 0) {
    const tail = file.length > UPPERCASE_PIECE ? (file.split(UPPERCASE_PIECE) as FileBucket) : null;
    const piece = await file.read();
    await ctx.pass(new Brigade([new HeapBucket(upper(piece))]));
    if (!tail) break;
    file = tail;
  }
  // The remaining buckets go through the same filter (they may hold more files).
  await uppercaseFilter.filter(ctx, rest);
}

// ---- a tiny demo server ----

/** Starts a demo server on a free port and prints its URL. */
async function main(): Promise<void> {
  const server = createServer({ port: 0 });
  server.filter(uppercaseFilter, { contentTypes: ['text/plain'] });
  server.get('/', async (_req, res) => {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    for (let i = 1; i <= 5; ++i) {
      res.write(`line ${i} of a streamed body, déjà vu\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
    res.end('the end\n');
  });
  server.get('/source', async (_req, res) => {
    // This file, sent with sendFile: read through the filter in 64 KiB pieces.
    await res.sendFile(new URL(import.meta.url).pathname, { contentType: 'text/plain; charset=utf-8' });
  });
  server.get('/html', (_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end('<p>not text/plain: left as it is</p>\n');
  });
  const { host, port } = await server.listen();
  console.log(`uppercase filter demo: http://${host}:${port}/  (and /source, /html); Ctrl-C to stop`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
