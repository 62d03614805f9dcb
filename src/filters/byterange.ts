// BYTERANGE (protocol): answers Range requests from a complete response, like
// httpd's byterange filter. It acts only on a GET whose 200 response has its
// whole body, with EOS, in the first brigade (so the length is known); any
// other response passes through untouched. It never reads the body: ranges
// are cut out of the brigade with partition(), so a FILE bucket stays a file
// range for sendfile, whatever its size.
//
// - one satisfiable range → 206 with Content-Range;
// - several → 206 multipart/byteranges (a random boundary; each part with
//   Content-Type and Content-Range), overlapping and adjacent ranges combined;
// - none satisfiable → 416 with `Content-Range: bytes */<length>`;
// - If-Range: an entity tag (strong comparison: a weak tag never matches) or
//   an HTTP date equal to Last-Modified (and at least a second old, so a
//   strong validator); a mismatch sends the whole 200;
// - a malformed Range, another unit, or one that looks like an amplification
//   attack (CVE-2011-3192: more than 200 ranges, or more than 20 overlapping
//   or 20 out-of-order ones) is ignored: the whole 200 goes out.
// `Accept-Ranges: bytes` is set on every response it could serve ranges of; a
// response that already says `Accept-Ranges: none` (a handler, or the
// compress filter) is left alone.
//
// It must run before the http-header filter (any user protocol filter does:
// registered filters come before the built-ins) and after the conditional
// filter when both are registered (register conditional first), so that 304
// and 412 win over 206.
import { randomBytes } from 'node:crypto';
import rangeParser from 'range-parser';
import { Brigade } from '../brigade/brigade.js';
import { Bucket, EosBucket, HeapBucket } from '../brigade/bucket.js';
import type { Filter, FilterContext, ResponseHead } from './filter.js';

export interface ByterangeOptions {
  /** More ranges than this in one request: the header is ignored (200). Default 200. */
  maxRanges?: number;
  /** More ranges than this overlapping an earlier one: the header is ignored. Default 20. */
  maxOverlaps?: number;
  /** More ranges than this starting before the previous one: the header is ignored. Default 20. */
  maxReversals?: number;
}

interface Range {
  start: number;
  end: number; // inclusive
}

/** What to do with a Range header for a body of known length. */
export type RangePlan = { kind: 'ignore' } | { kind: 'unsatisfiable' } | { kind: 'ranges'; ranges: Range[] };

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * Interprets a Range header for a representation of `size` bytes: ignore it
 * (malformed, other unit, amplification limits), 416, or the ranges to send
 * (overlapping and adjacent ones combined, in request order).
 */
export function planRanges(header: string, size: number, options: ByterangeOptions = {}): RangePlan {
  const maxRanges = options.maxRanges ?? 200;
  const maxOverlaps = options.maxOverlaps ?? 20;
  const maxReversals = options.maxReversals ?? 20;
  const eq = header.indexOf('=');
  // ranges-specifier = range-unit "=" range-set (RFC 9110 §14.1.1): no
  // whitespace around the "=" ("bytes = 0-9" is ignored, as nginx and Apache do).
  if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'bytes') return { kind: 'ignore' };
  const specs = header.slice(eq + 1).split(',');
  // Empty list elements are allowed by the list syntax (RFC 9110 §5.6.1); at least one spec must be there.
  const real = specs.filter((s) => s.trim() !== '');
  if (real.length === 0 || real.length > maxRanges) return { kind: 'ignore' };
  const norm: string[] = [];
  for (const s of real) {
    const m = SPEC.exec(s);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'ignore' };
    const first = Number(m[1] || 0);
    const last = Number(m[2] || 0);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return { kind: 'ignore' };
    // "last < first" makes the whole ranges-specifier invalid (RFC 9110 §14.1.1).
    if (m[1] !== '' && m[2] !== '' && last < first) return { kind: 'ignore' };
    // A zero-length representation: a non-zero suffix-range is its only
    // satisfiable form (RFC 9110 §14.1.1), but no Content-Range can express an
    // empty part, so the whole (empty) 200 is the answer rather than a 416.
    if (size === 0 && m[1] === '' && last > 0) return { kind: 'ignore' };
    // A suffix longer than the representation means all of it (range-parser would drop it).
    if (m[1] === '' && last > size) norm.push('0-');
    else norm.push(`${m[1]}-${m[2]}`);
  }
  const normalized = `bytes=${norm.join(',')}`;
  const parsed = rangeParser(size, normalized);
  if (parsed === -2) return { kind: 'ignore' };
  if (parsed === -1) return { kind: 'unsatisfiable' };
  let overlaps = 0;
  let reversals = 0;
  for (let i = 1; i < parsed.length; ++i) {
    const r = parsed[i]!;
    if (r.start < parsed[i - 1]!.start) ++reversals;
    for (let j = 0; j < i; ++j) {
      const o = parsed[j]!;
      if (r.start <= o.end && o.start <= r.end) {
        ++overlaps;
        break;
      }
    }
  }
  if (overlaps > maxOverlaps || reversals > maxReversals) return { kind: 'ignore' };
  const combined = rangeParser(size, normalized, { combine: true });
  if (combined === -1 || combined === -2) return { kind: 'unsatisfiable' }; // cannot happen after the above
  return { kind: 'ranges', ranges: combined.map((r) => ({ start: r.start, end: r.end })) };
}

/** Does If-Range allow a partial response (RFC 9110 §13.1.5)? */
export function ifRangeMatches(value: string, response: ResponseHead, now = Date.now()): boolean {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    // Strong comparison: both tags strong and identical.
    const etag = response.getHeader('etag')?.trim();
    return etag !== undefined && !v.startsWith('W/') && !etag.startsWith('W/') && v === etag;
  }
  const date = Date.parse(v);
  const lm = response.getHeader('last-modified');
  if (Number.isNaN(date) || lm === undefined) return false;
  const modified = Date.parse(lm);
  // Exact match, and Last-Modified must be a strong validator (a second or more in the past).
  return modified === date && now - modified >= 1000;
}

function part(text: string): HeapBucket {
  return new HeapBucket(Buffer.from(text, 'latin1'));
}

/** The body's data buckets (before EOS) and everything from EOS on. */
function splitAtEos(brigade: Brigade): { body: Brigade; tail: Bucket[] } {
  const eos = brigade.buckets.findIndex((b) => b instanceof EosBucket);
  const tail = brigade.buckets.splice(eos);
  // Metadata before EOS (a FLUSH) means nothing for a complete body.
  const body = new Brigade(brigade.buckets.splice(0).filter((b) => b.length > 0));
  return { body, tail };
}

/** The buckets covering [start, end] of a brigade already partitioned at those offsets. */
function slice(body: Brigade, start: number, end: number): Bucket[] {
  const out: Bucket[] = [];
  let pos = 0;
  for (const b of body.buckets) {
    const len = b.length;
    if (pos >= start && pos + len <= end + 1) out.push(b);
    pos += len;
    if (pos > end) break;
  }
  return out;
}

/** The byterange output filter (protocol). Register it with server.filter(byterange(), scope). */
export function byterange(options: ByterangeOptions = {}): Filter<boolean> {
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) throw new RangeError(`byterange: ${k} must be a non-negative integer`);
  }
  return {
    name: 'byterange',
    type: 'protocol',
    // Without a Range header there is nothing to do but advertise ranges: stay
    // out of the chain so the response keeps the fast path.
    init(ctx: FilterContext<boolean>): boolean {
      const res = ctx.response;
      const method = ctx.request.method;
      if (res.statusCode !== 200 || (method !== 'GET' && method !== 'HEAD')) return false;
      if (ctx.request.header('range') !== undefined) return true;
      if (!res.hasHeader('accept-ranges') && !res.hasHeader('content-range')) res.setHeader('Accept-Ranges', 'bytes');
      return false;
    },
    filter(ctx: FilterContext<boolean>, brigade: Brigade): void | Promise<void> {
      if (ctx.state) return ctx.pass(brigade);
      ctx.state = true;
      const res = ctx.response;
      const method = ctx.request.method;
      if (res.headersSent || res.statusCode !== 200 || (method !== 'GET' && method !== 'HEAD')) return ctx.pass(brigade);
      if (!brigade.hasEos || res.hasHeader('content-range')) return ctx.pass(brigade);
      const accept = res.getHeader('accept-ranges');
      if (accept !== undefined && accept.trim().toLowerCase() === 'none') return ctx.pass(brigade);
      if (accept === undefined) res.setHeader('Accept-Ranges', 'bytes');
      const range = ctx.request.header('range');
      if (method !== 'GET' || range === undefined) return ctx.pass(brigade);
      const ifRange = ctx.request.header('if-range');
      if (ifRange !== undefined && !ifRangeMatches(ifRange, res)) return ctx.pass(brigade);

      const { body, tail } = splitAtEos(brigade);
      const size = body.length;
      const plan = planRanges(range, size, options);
      if (plan.kind === 'ignore') return ctx.pass(new Brigade([...body.buckets, ...tail]));
      if (plan.kind === 'unsatisfiable') {
        res.statusCode = 416;
        res.setHeader('Content-Range', `bytes */${size}`);
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.removeHeader('Content-Encoding');
        res.removeHeader('Content-Length');
        return ctx.pass(new Brigade([part('Range Not Satisfiable\n'), ...tail]));
      }

      const ranges = plan.ranges;
      for (const r of ranges) {
        body.partition(r.start);
        body.partition(r.end + 1);
      }
      res.statusCode = 206;
      res.removeHeader('Content-Length');
      if (ranges.length === 1) {
        const r = ranges[0]!;
        res.setHeader('Content-Range', `bytes ${r.start}-${r.end}/${size}`);
        return ctx.pass(new Brigade([...slice(body, r.start, r.end), ...tail]));
      }
      const boundary = `brigade-${randomBytes(12).toString('hex')}`;
      const type = res.getHeader('content-type');
      res.setHeader('Content-Type', `multipart/byteranges; boundary=${boundary}`);
      const out = new Brigade();
      ranges.forEach((r, i) => {
        const typeLine = type === undefined ? '' : `Content-Type: ${type}\r\n`;
        out.append(part(`${i === 0 ? '' : '\r\n'}--${boundary}\r\n${typeLine}Content-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`));
        out.append(...slice(body, r.start, r.end));
      });
      out.append(part(`\r\n--${boundary}--\r\n`), ...tail);
      return ctx.pass(out);
    },
  };
}
