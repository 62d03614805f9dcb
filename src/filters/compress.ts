// COMPRESS (content-set): gzip, brotli or deflate the response body on the
// fly, like httpd's mod_deflate and nginx's gzip filter.
//
// The decision is made on the first brigade, when status, headers and content
// type are final. The filter stays out (passes everything through untouched)
// for: HEAD requests, statuses without a useful body (1xx, 204, 205, 206, 3xx,
// 412, 416), `Cache-Control: no-transform`, a body that is already encoded,
// a missing or non-compressible content type (mime-db's `compressible` flag),
// a client that accepts none of our codings, and small complete responses
// (the first brigade holds EOS and fewer than `threshold` bytes).
//
// When it compresses it sets Content-Encoding, removes Content-Length (the
// header filter frames the new body), turns a strong ETag weak (the bytes
// differ from the identity representation, the meaning does not; this is what
// nginx does, and unlike httpd's "-gzip" suffix it keeps If-None-Match working
// with weak comparison), and says `Accept-Ranges: none` (a compressed stream
// is not range-addressable; the byterange filter respects that).
// `Vary: Accept-Encoding` is merged into any existing Vary whenever the
// response *could* be compressed, whatever this client was sent.
//
// Streaming with bounded memory: memory buckets are fed to zlib at most 64 KiB
// at a time, FILE buckets are read in ≤ 64 KiB parts (never whole), and the
// compressed output is passed on whenever 64 KiB of it accumulated. FLUSH maps
// to a zlib sync flush (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH), so what the
// client has received so far decompresses; EOS finishes the stream.
//
// A complete in-memory body of at most `syncLimit` bytes is compressed in one
// synchronous call instead and passed on as one brigade with EOS, so it still
// gets a Content-Length. gzip and deflate do that on a native zlib stream
// that is reset per response rather than created (WholeBodyCompressor).
import * as zlib from 'node:zlib';
import compressible from 'compressible';
import Negotiator from 'negotiator';
import { Brigade } from '../brigade/brigade.js';
import { Bucket, EosBucket, FileBucket, FlushBucket, HeapBucket, ImmortalBucket } from '../brigade/bucket.js';
import { native, type NativeWholeBodyDeflater } from '../native.js';
import type { Filter, FilterContext, ResponseHead } from './filter.js';
import { FILE_READ_CHUNK, readFileChunks, readFileChunksSync } from './read-file-chunks.js';

export type Coding = 'br' | 'gzip' | 'deflate';

export interface CompressOptions {
  /** Codings offered, in the server's order of preference for equal q-values. Default ['br', 'gzip', 'deflate']. */
  encodings?: readonly Coding[];
  /** Complete bodies shorter than this many bytes are sent as they are. Default 1024. */
  threshold?: number;
  /** zlib level for gzip and deflate, 0-9 (default 6). */
  level?: number;
  /** Brotli quality, 0-11 (default 4: on-the-fly speed; 11 is for precompressing). */
  brotliQuality?: number;
  /** Which content types to compress. Default: mime-db's `compressible` flag (and text/*, +json, +xml), but not application/octet-stream. */
  types?: (contentType: string) => boolean;
  /** Complete in-memory bodies up to this size are compressed synchronously in one call. Default 64 KiB. */
  syncLimit?: number;
}

const ALL_CODINGS: readonly Coding[] = ['br', 'gzip', 'deflate'];
/** Input fed to zlib per call, and compressed output gathered before it is passed on. */
const PIECE = FILE_READ_CHUNK;

interface Resolved {
  encodings: readonly Coding[];
  offered: string[];
  threshold: number;
  level: number;
  brotliQuality: number;
  types: (contentType: string) => boolean;
  syncLimit: number;
}

function resolve(options: CompressOptions): Resolved {
  const encodings = options.encodings ?? ALL_CODINGS;
  if (encodings.length === 0) throw new RangeError('compress: encodings must not be empty');
  for (const e of encodings) if (!ALL_CODINGS.includes(e)) throw new RangeError(`compress: unknown coding ${JSON.stringify(e)}`);
  const threshold = options.threshold ?? 1024;
  if (!Number.isInteger(threshold) || threshold < 0) throw new RangeError('compress: threshold must be a non-negative integer');
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError('compress: level must be an integer 0-9');
  const brotliQuality = options.brotliQuality ?? 4;
  if (!Number.isInteger(brotliQuality) || brotliQuality < 0 || brotliQuality > 11) {
    throw new RangeError('compress: brotliQuality must be an integer 0-11');
  }
  const syncLimit = options.syncLimit ?? 64 * 1024;
  if (!Number.isInteger(syncLimit) || syncLimit < 0) throw new RangeError('compress: syncLimit must be a non-negative integer');
  return {
    encodings,
    offered: [...encodings, 'identity'],
    threshold,
    level,
    brotliQuality,
    types: options.types ?? isCompressibleType,
    syncLimit,
  };
}

/**
 * The default type test: mime-db's `compressible` flag, except for
 * application/octet-stream. mime-db (since 1.53) flags that as compressible,
 * but it is the type of every file whose kind is unknown — archives, images
 * and executables among them — so compressing it mostly burns CPU for nothing.
 * nginx and httpd never compress it by default either.
 */
export function isCompressibleType(contentType: string): boolean {
  const known = compressibleTypes.get(contentType);
  if (known !== undefined) return known;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  const answer = base !== 'application/octet-stream' && compressible(base) === true;
  if (compressibleTypes.size >= COMPRESSIBLE_TYPES_MAX) compressibleTypes.clear();
  compressibleTypes.set(contentType, answer);
  return answer;
}

/** isCompressibleType's answers by Content-Type value (a server sends few distinct ones); bounded. */
const compressibleTypes = new Map<string, boolean>();
const COMPRESSIBLE_TYPES_MAX = 256;

/** Does the status carry a body worth compressing? */
function compressibleStatus(s: number): boolean {
  if (s >= 200 && s < 300) return s !== 204 && s !== 205 && s !== 206;
  return s >= 400 && s !== 412 && s !== 416;
}

/** Is `token` one of the comma-separated tokens of a header value (case-insensitive)? */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const t = token.toLowerCase();
  return value.split(',').some((v) => v.trim().toLowerCase() === t);
}

/** Adds a field name to Vary unless it is there already (or Vary is "*"). */
export function mergeVary(response: ResponseHead, field: string): void {
  const vary = response.getHeader('vary');
  if (vary === undefined || vary.trim() === '') {
    response.setHeader('Vary', field);
    return;
  }
  if (hasToken(vary, '*') || hasToken(vary, field)) return;
  response.setHeader('Vary', `${vary}, ${field}`);
}

/**
 * Answers of negotiateEncoding by offer and header. Clients send a handful of
 * distinct Accept-Encoding values, and negotiator parses the header anew on
 * every call; bounded, and emptied when full (a client varying the header
 * cannot grow it).
 */
const negotiated = new Map<string, string | undefined>();
const NEGOTIATED_MAX = 256;

/** The coding the client prefers among those offered; 'identity', or undefined when nothing is acceptable. */
export function negotiateEncoding(acceptEncoding: string | undefined, offered: readonly string[]): string | undefined {
  const key = `${offered.join(',')}\n${acceptEncoding ?? ''}`;
  const known = negotiated.get(key);
  if (known !== undefined || negotiated.has(key)) return known;
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding ?? '' } });
  // negotiator ≥ 0.6.4 takes the server's preference order for ties (not in its type declarations).
  const encodings = negotiator.encodings as unknown as (available: readonly string[], options: { preferred: readonly string[] }) => string[];
  const chosen = encodings.call(negotiator, offered, { preferred: offered })[0];
  if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
  negotiated.set(key, chosen);
  return chosen;
}

function createStream(coding: Coding, o: Resolved, sizeHint: number): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress {
  if (coding === 'gzip') return zlib.createGzip({ level: o.level });
  if (coding === 'deflate') return zlib.createDeflate({ level: o.level });
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: o.brotliQuality };
  if (sizeHint > 0) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return zlib.createBrotliCompress({ params });
}

/**
 * One-call compression of a complete small body. gzip and deflate go through
 * a native zlib stream that is reset, not recreated, per response (creating
 * one costs more than compressing a few KiB); one per compress() instance and
 * coding, created on first use. Brotli uses Node's.
 */
class WholeBodyCompressor {
  private readonly o: Resolved;
  private gzip: NativeWholeBodyDeflater | null = null;
  private deflate: NativeWholeBodyDeflater | null = null;
  constructor(o: Resolved) {
    this.o = o;
  }
  compress(coding: Coding, parts: Uint8Array[]): Buffer {
    if (coding === 'gzip') return (this.gzip ??= new native.WholeBodyDeflater('gzip', this.o.level)).compress(parts);
    if (coding === 'deflate') return (this.deflate ??= new native.WholeBodyDeflater('deflate', this.o.level)).compress(parts);
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: this.o.brotliQuality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    });
  }
}

/**
 * One zlib/brotli stream driven step by step: every operation resolves once
 * zlib has consumed its input, and the output it produced meanwhile is
 * collected for take().
 */
class Compressor {
  private readonly z: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;
  private readonly syncFlag: number;
  private out: Buffer[] = [];
  private outBytes = 0;
  private failure: Error | null = null;
  private onFailure: ((err: Error) => void) | null = null;

  constructor(coding: Coding, o: Resolved, sizeHint: number) {
    this.z = createStream(coding, o, sizeHint);
    this.syncFlag = coding === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
    this.z.on('data', (c: Buffer) => {
      this.out.push(c);
      this.outBytes += c.length;
    });
    this.z.on('error', (err: Error) => {
      this.failure = err;
      this.onFailure?.(err);
    });
  }

  get pending(): number {
    return this.outBytes;
  }

  private step(start: (done: (err?: Error | null) => void) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error | null): void => {
        if (settled) return;
        settled = true;
        this.onFailure = null;
        if (err) reject(err);
        else resolve();
      };
      this.onFailure = settle;
      start(settle);
    });
  }

  /** Feeds bytes the caller will not touch until this resolves. */
  write(data: Uint8Array): Promise<void> {
    return this.step((done) => this.z.write(data, (err) => done(err)));
  }

  /** Sync flush: everything written so far becomes decompressible output. */
  flush(): Promise<void> {
    return this.step((done) => this.z.flush(this.syncFlag, () => done()));
  }

  /** Ends the stream: the trailer is in the output once this resolves. */
  finish(): Promise<void> {
    return this.step((done) => {
      this.z.once('end', () => done());
      this.z.end();
    });
  }

  /** The output produced so far, as buckets. */
  take(): Bucket[] {
    const out = this.out.map((c) => new HeapBucket(c));
    this.out = [];
    this.outBytes = 0;
    return out;
  }

  close(): void {
    this.z.close();
  }
}

interface CompressState {
  /**
   * 'pass': stays out; 'collect': a small body arriving in pieces is held
   * until EOS (then compressed in one call) or until it outgrows syncLimit;
   * 'compress': streaming; 'done': EOS went through.
   */
  mode: 'pass' | 'collect' | 'compress' | 'done';
  z: Compressor | null;
  coding: Coding | null;
  held: Brigade | null;
}

/**
 * Can this (partial) body still be compressed in one synchronous call at EOS?
 * Small file ranges count too (an SSI page splices included files in as FILE
 * buckets): they are read synchronously, like the page itself.
 */
function collectable(b: Brigade, o: Resolved): boolean {
  return b.length <= o.syncLimit && !b.hasFlush;
}

/** The compression output filter (content-set). Register it with server.filter(compress(), scope). */
export function compress(options: CompressOptions = {}): Filter<CompressState> {
  const o = resolve(options);
  const whole = new WholeBodyCompressor(o);
  return {
    name: 'compress',
    type: 'content-set',
    // Stay out early when nothing will be compressed, so the response keeps
    // the fast path (no chain) — the brigade-dependent checks come later.
    init(ctx: FilterContext<CompressState>): boolean {
      return decide(ctx, null, o) !== null;
    },
    filter(ctx: FilterContext<CompressState>, brigade: Brigade): void | Promise<void> {
      let state = ctx.state;
      if (!state) {
        const coding = decide(ctx, brigade, o);
        if (coding === null) {
          ctx.state = { mode: 'pass', z: null, coding: null, held: null };
          return ctx.pass(brigade);
        }
        setEncodingHeaders(ctx.response, coding);
        state = { mode: 'collect', z: null, coding, held: new Brigade() };
        ctx.state = state;
      }
      if (state.mode === 'collect') {
        // A body of a few KiB that comes in several brigades (a filter such as
        // SSI in front, a handler's writes) is still compressed in one call
        // rather than through a zlib stream and the thread pool.
        const held = state.held!.concat(brigade.hasEos ? brigade : brigade.setaside());
        if (collectable(held, o)) {
          if (!held.hasEos) return;
          state.mode = 'done';
          state.held = null;
          return ctx.pass(compressWhole(state.coding!, whole, held));
        }
        state.mode = 'compress';
        state.held = null;
        state.z = new Compressor(state.coding!, o, held.hasEos ? held.length : 0);
        return compressStream(ctx, state, held);
      }
      if (state.mode !== 'compress') return ctx.pass(brigade);
      return compressStream(ctx, state, brigade);
    },
  };
}

/** The coding to use for this response, or null to stay out. Sets Vary as a side effect. */
function decide(ctx: FilterContext<CompressState>, brigade: Brigade | null, o: Resolved): Coding | null {
  const res = ctx.response;
  if (res.headersSent) return null;
  const status = res.statusCode;
  if (status === 304) {
    // A 304 carries the Vary its 200 would (RFC 9110 §15.4.5); its type is often unknown.
    const type = res.getHeader('content-type');
    if (type === undefined || o.types(type)) mergeVary(res, 'Accept-Encoding');
    return null;
  }
  if (!compressibleStatus(status)) return null;
  if (hasToken(res.getHeader('cache-control'), 'no-transform')) return null;
  const existing = res.getHeader('content-encoding');
  if (existing !== undefined && existing.trim().toLowerCase() !== 'identity') return null;
  const type = res.getHeader('content-type');
  if (type === undefined || !o.types(type)) return null;
  // From here the representation depends on Accept-Encoding, whatever this client gets.
  mergeVary(res, 'Accept-Encoding');
  if (ctx.request.method === 'HEAD') return null; // like expressjs/compression: HEAD answers identity
  const declared = Number(res.getHeader('content-length'));
  if (res.hasHeader('content-length') && Number.isFinite(declared) && declared < o.threshold) return null;
  if (brigade && brigade.hasEos && brigade.length < o.threshold) return null;
  const chosen = negotiateEncoding(ctx.request.header('accept-encoding'), o.offered);
  // undefined: not even identity is acceptable (identity;q=0). We send identity
  // anyway (RFC 9110 §12.5.3 allows it) rather than a 406 the client cannot use.
  if (chosen === undefined || chosen === 'identity') return null;
  return chosen as Coding;
}

function setEncodingHeaders(res: ResponseHead, coding: Coding): void {
  res.setHeader('Content-Encoding', coding);
  res.removeHeader('Content-Length');
  const etag = res.getHeader('etag');
  if (etag !== undefined && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`);
  res.setHeader('Accept-Ranges', 'none');
}

function compressWhole(coding: Coding, whole: WholeBodyCompressor, brigade: Brigade): Brigade {
  const parts: Uint8Array[] = [];
  const rest: Bucket[] = [];
  let eos = false;
  for (const b of brigade.buckets) {
    if (eos) {
      if (b.length === 0) rest.push(b);
    } else if (b instanceof HeapBucket || b instanceof ImmortalBucket) {
      parts.push(b.bytes);
    } else if (b instanceof FileBucket) {
      for (const piece of readFileChunksSync(b)) parts.push(piece);
    } else if (b instanceof EosBucket) {
      eos = true;
    }
    // FLUSH before EOS in a complete body changes nothing: dropped.
  }
  const body = whole.compress(coding, parts);
  return new Brigade([new HeapBucket(body), new EosBucket(), ...rest]);
}

/**
 * Streams one brigade through the compressor, in order: data in ≤ 64 KiB
 * pieces, FLUSH as a sync flush, EOS as the end of the stream; metadata after
 * it (EOR) follows the final output. Output is passed on whenever 64 KiB
 * accumulated, at FLUSH/EOS, and at the end of the brigade.
 */
async function compressStream(ctx: FilterContext<CompressState>, state: CompressState, brigade: Brigade): Promise<void> {
  const z = state.z!;
  // Memory buckets may be views of slab memory that is reused once the lane
  // moves on; this call waits for zlib and the disk, so it copies them first,
  // before its first await (the filter contract's setaside).
  brigade.setaside();
  const buckets = brigade.buckets.splice(0);
  let out = new Brigade();
  const drain = async (force: boolean): Promise<void> => {
    if (z.pending > 0 && (force || z.pending >= PIECE)) out.append(...z.take());
    if (out.isEmpty || (!force && out.length < PIECE)) return;
    const b = out;
    out = new Brigade();
    await ctx.pass(b);
  };
  try {
    for (const b of buckets) {
      if (state.mode === 'done') {
        // After EOS only metadata belongs to this response (EOR).
        if (b.length === 0) out.append(b);
        continue;
      }
      if (b instanceof FileBucket) {
        for await (const part of readFileChunks(b, PIECE)) {
          await z.write(part);
          await drain(false);
          // The pool (and with it the fd) is gone: the server shut down or the
          // response was dropped. Stop reading a descriptor that may be reused.
          if (ctx.request.pool.destroyed) {
            z.close();
            state.mode = 'done';
            state.z = null;
            return;
          }
        }
      } else if (b instanceof HeapBucket || b instanceof ImmortalBucket) {
        // Set aside above: these bytes are ours now; zlib takes them a piece at a time.
        for (let off = 0; off < b.bytes.length; off += PIECE) {
          await z.write(b.bytes.subarray(off, Math.min(off + PIECE, b.bytes.length)));
          await drain(false);
        }
      } else if (b instanceof FlushBucket) {
        await z.flush();
        out.append(...z.take(), b);
        await drain(true);
      } else if (b instanceof EosBucket) {
        await z.finish();
        out.append(...z.take(), b);
        state.mode = 'done';
        state.z = null;
      } else {
        out.append(b);
      }
    }
    await drain(true);
  } catch (err) {
    z.close();
    state.mode = 'done';
    state.z = null;
    throw err;
  }
}
