// CONDITIONAL (protocol): evaluates a request's preconditions against the
// validators (ETag, Last-Modified) a handler set on its response, in the
// order of RFC 9110 §13.2.2:
//
//   1. If-Match (strong comparison; "*" matches)        false → 412
//   2. else If-Unmodified-Since (needs Last-Modified)   false → 412
//   3. If-None-Match (weak comparison; "*" matches)     false → 304 for GET/HEAD, else 412
//   4. else If-Modified-Since, GET/HEAD only            false → 304
//   (5. If-Range is the byterange filter's business.)
//
// Preconditions apply only to responses that would be 2xx; anything else
// passes untouched. Steps 3-4 use the `fresh` package, given only the
// validator headers: unlike fresh on its own, a request's
// `Cache-Control: no-cache` does not turn a match into a 200 (RFC 9110 has no
// such rule, and the static handler's own 304 does not either). Invalid dates
// are ignored, as RFC 9110 requires.
//
// The decision is taken in init(), when the chain is assembled at the first
// output (status and validators are final then), so the filters after it in
// the chain — and the content-set filters before it, which decide on their
// first brigade — already see the 304/412. A 304 keeps the validators and
// cache headers and loses the body and representation metadata; a 412 gets a
// short text body instead of the handler's.
import fresh from 'fresh';
import { Brigade } from '../brigade/brigade.js';
import { HeapBucket } from '../brigade/bucket.js';
import type { Filter, FilterContext, ResponseHead } from './filter.js';
import type { Request } from '../types.js';

export type Precondition = 'none' | 304 | 412;

/** Splits an entity-tag list ("a", W/"b", *) into its members. */
function tags(list: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while (last < list.length && (m = re.exec(list)) !== null) {
    out.push(m[1]!);
    last = re.lastIndex;
    if (m[0] === '') break;
  }
  // Anything unparsable left over: be lenient, fall back to comma splitting.
  if (last < list.trimEnd().length) return list.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return out;
}

function strongMatch(list: string, etag: string | undefined): boolean {
  for (const t of tags(list)) {
    if (t === '*') return true;
    if (etag !== undefined && !t.startsWith('W/') && !etag.startsWith('W/') && t === etag) return true;
  }
  return false;
}

function weakMatch(list: string, etag: string | undefined): boolean {
  const opaque = (t: string): string => (t.startsWith('W/') ? t.slice(2) : t);
  for (const t of tags(list)) {
    if (t === '*') return true;
    if (etag !== undefined && opaque(t) === opaque(etag)) return true;
  }
  return false;
}

/** Evaluates the preconditions of request for the response as it stands (RFC 9110 §13.2.2). */
export function evaluatePreconditions(request: Pick<Request, 'method' | 'header'>, response: Pick<ResponseHead, 'statusCode' | 'getHeader'>): Precondition {
  const status = response.statusCode;
  if (status < 200 || status > 299) return 'none';
  const method = request.method;
  const safe = method === 'GET' || method === 'HEAD';
  const etag = response.getHeader('etag')?.trim();
  const lastModified = response.getHeader('last-modified');

  const ifMatch = request.header('if-match');
  if (ifMatch !== undefined) {
    if (!strongMatch(ifMatch, etag)) return 412;
  } else {
    const ius = request.header('if-unmodified-since');
    if (ius !== undefined && lastModified !== undefined) {
      const since = Date.parse(ius);
      const modified = Date.parse(lastModified);
      if (!Number.isNaN(since) && !Number.isNaN(modified) && modified > since) return 412;
    }
  }

  const ifNoneMatch = request.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (safe) {
      const matched = ifNoneMatch.trim() === '*' || fresh({ 'if-none-match': ifNoneMatch }, { etag });
      return matched ? 304 : 'none';
    }
    return weakMatch(ifNoneMatch, etag) ? 412 : 'none';
  }
  if (safe) {
    const ims = request.header('if-modified-since');
    if (ims !== undefined && lastModified !== undefined && fresh({ 'if-modified-since': ims }, { 'last-modified': lastModified })) return 304;
  }
  return 'none';
}

// Representation metadata a 304 does not repeat (RFC 9110 §15.4.5); the
// validators, Vary, Cache-Control, Expires and Content-Location stay.
const NOT_ON_304 = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-range', 'accept-ranges'];

/** The conditional-request output filter (protocol). Register it before byterange. */
export function conditional(): Filter<412 | 'sent'> {
  return {
    name: 'conditional',
    type: 'protocol',
    init(ctx: FilterContext<412 | 'sent'>): boolean {
      const res = ctx.response;
      if (res.headersSent) return false;
      const result = evaluatePreconditions(ctx.request, res);
      if (result === 'none') return false;
      if (result === 304) {
        res.statusCode = 304;
        for (const h of NOT_ON_304) res.removeHeader(h);
        return false; // the header filter drops a 304's body itself
      }
      res.statusCode = 412;
      for (const h of ['content-encoding', 'content-language', 'content-range', 'content-length', 'accept-ranges']) res.removeHeader(h);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      ctx.state = 412;
      return true;
    },
    filter(ctx: FilterContext<412 | 'sent'>, brigade: Brigade): void | Promise<void> {
      // 412: the handler's body is replaced; metadata (FLUSH, EOS, EOR) goes on.
      const out = new Brigade(brigade.buckets.filter((b) => b.length === 0));
      if (ctx.state === 412) {
        out.prepend(new HeapBucket(Buffer.from('Precondition Failed\n', 'latin1')));
        ctx.state = 'sent';
      }
      return ctx.pass(out);
    },
  };
}
