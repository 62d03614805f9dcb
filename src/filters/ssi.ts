// SSI (resource): server-side includes in text/html bodies, like httpd's
// mod_include and nginx's ssi module. Directives: include (virtual, file),
// echo, set, config (timefmt, errmsg, echomsg), if/elif/else/endif
// (docs/static.md has the full list, the variables and the limits).
//
// Streaming: the body is scanned as it arrives (DirectiveScanner). Memory
// buckets without a directive go on as they are; text around a directive is
// passed as views of the original bytes; FILE buckets (a static .shtml) are
// read in ≤ 64 KiB parts, because SSI must see the bytes: synchronously, as
// nginx does (a pread from the page cache is cheaper than a thread-pool trip). Output is passed on
// whenever 64 KiB gathered, at a FLUSH, and at the end of each brigade, so a
// body of any size passes through bounded memory; a complete small page
// (the whole body with EOS in the first brigade) still leaves as one brigade
// and so keeps a Content-Length.
//
// Includes are subrequests through the same server (ctx.subrequest): the
// included response's body is spliced in order (its FILE buckets as they are,
// never read here), after its own resource filters (an included .shtml is
// processed by its own SSI filter). Depth is limited and a path that already
// is on the include chain is refused (a loop); either inserts errmsg.
//
// Like mod_include, the filter removes Content-Length, Last-Modified and
// ETag: the body is no longer the file's. It stays out of responses with no
// body (1xx/204/304), 206, already encoded bodies and types other than
// text/html (option `types`).
import { Brigade } from '../brigade/brigade.js';
import { EosBucket, FileBucket, FlushBucket, HeapBucket, ImmortalBucket, type Bucket } from '../brigade/bucket.js';
import { Subrequest, requestAncestry } from '../subrequest.js';
import type { Filter, FilterContext } from './filter.js';
import { FILE_READ_CHUNK, readFileChunksSync } from './read-file-chunks.js';
import { encodeValue, parseDirectiveCached, substitute, type Directive, type EchoEncoding } from './ssi/directive.js';
import { ExprError, evaluate } from './ssi/expr.js';
import { DirectiveScanner } from './ssi/scanner.js';
import { DEFAULT_TIMEFMT, strftime } from './ssi/strftime.js';

export interface SsiOptions {
  /** Text inserted where a directive fails. Default httpd's "[an error occurred while processing this directive]". */
  errmsg?: string;
  /** strftime format of the date variables. Default httpd's "%A, %d-%b-%Y %H:%M:%S %Z". */
  timefmt?: string;
  /** What #echo prints for an unset variable. Default "(none)". */
  echomsg?: string;
  /** Deepest include nesting (a page including a page ... ). Default 16. */
  maxDepth?: number;
  /** Longest directive, `<!--#` to `-->`, in bytes. Default 4096. */
  maxDirectiveLength?: number;
  /** Most includes one document may make. Default 256. */
  maxIncludes?: number;
  /** Deepest #if nesting. Default 64. */
  maxIfDepth?: number;
  /** Which content types to process. Default: text/html. */
  types?: (contentType: string) => boolean;
}

export const DEFAULT_ERRMSG = '[an error occurred while processing this directive]';

interface Resolved {
  errmsg: string;
  timefmt: string;
  echomsg: string;
  maxDepth: number;
  maxDirectiveLength: number;
  maxIncludes: number;
  maxIfDepth: number;
  types: (contentType: string) => boolean;
}

interface CondFrame {
  /** Output was on where the #if stands. */
  outer: boolean;
  /** A branch of this #if has been taken already. */
  taken: boolean;
  /** Output is on in the current branch. */
  active: boolean;
  /** An #else was seen (a later #elif or #else is an error). */
  sawElse: boolean;
}

interface SsiState {
  scanner: DirectiveScanner;
  vars: Map<string, string>;
  captures: Map<string, string>;
  conds: CondFrame[];
  errmsg: string;
  timefmt: string;
  echomsg: string;
  lastModified: Date | null;
  includes: number;
  head: boolean;
  /** HEAD: the first brigade went on without EOS. */
  headStarted: boolean;
}

/** Passed on once this many bytes gathered. */
const PASS_AT = FILE_READ_CHUNK;
/** ... or this many buckets (a page of many small directives). */
const PASS_AT_BUCKETS = 512;

/** What the filter made and has not passed yet, with its byte count kept as it grows. */
class Output {
  private readonly brigade = new Brigade();
  private bytes = 0;
  private readonly ctx: FilterContext<SsiState>;
  constructor(ctx: FilterContext<SsiState>) {
    this.ctx = ctx;
  }
  add(b: Bucket): void {
    this.brigade.append(b);
    this.bytes += b.length;
  }
  /** Moves other's buckets here. */
  concat(other: Brigade): void {
    this.bytes += other.length;
    this.brigade.concat(other);
  }
  get full(): boolean {
    return this.bytes >= PASS_AT || this.brigade.buckets.length >= PASS_AT_BUCKETS;
  }
  /** Hands what gathered down the chain. */
  async pass(): Promise<void> {
    if (this.brigade.isEmpty) return;
    const b = new Brigade(this.brigade.buckets.splice(0));
    this.bytes = 0;
    await this.ctx.pass(b);
  }
}

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ssi: ${name} must be a positive integer`);
  return n;
}

const isHtml = (t: string): boolean => t.split(';', 1)[0]!.trim().toLowerCase() === 'text/html';

/** The content-type test ssi(options) applies (for handlers that must know in advance). */
export function ssiTypeCheck(o: SsiOptions): (contentType: string) => boolean {
  return o.types ?? isHtml;
}

function resolve(o: SsiOptions): Resolved {
  return {
    errmsg: o.errmsg ?? DEFAULT_ERRMSG,
    timefmt: o.timefmt ?? DEFAULT_TIMEFMT,
    echomsg: o.echomsg ?? '(none)',
    maxDepth: positiveInt(o.maxDepth, 16, 'maxDepth'),
    maxDirectiveLength: positiveInt(o.maxDirectiveLength, 4096, 'maxDirectiveLength'),
    maxIncludes: positiveInt(o.maxIncludes, 256, 'maxIncludes'),
    maxIfDepth: positiveInt(o.maxIfDepth, 64, 'maxIfDepth'),
    types: ssiTypeCheck(o),
  };
}

/**
 * An absolute path that URL parsing and percent-decoding leave as it is:
 * segments of unreserved characters, none empty or starting with a dot (so
 * no '.' or '..'), no query. The common `include virtual="/x/y.html"` skips
 * the URL parser with it. One way to match any string (a '/' between
 * segments), so no backtracking on a hostile request path.
 */
const PLAIN_PATH = /^\/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?)?$/;

/** A path as a canonical, decoded string, for loop detection. */
function canonical(p: string): string {
  if (PLAIN_PATH.test(p)) return p;
  let pathname: string;
  try {
    pathname = new URL(p, 'http://ssi.invalid/').pathname;
  } catch {
    pathname = p;
  }
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function decodedPath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

const latin1Bucket = (s: string): HeapBucket => new HeapBucket(Buffer.from(s, 'latin1'));

/** The SSI output filter. Register it for text/html responses (it declines other types). */
export function ssi(options: SsiOptions = {}): Filter<SsiState> {
  const o = resolve(options);

  /** Variables: #set ones first, then regex captures, then the built-ins. */
  function lookup(ctx: FilterContext<SsiState>, name: string): string | undefined {
    const st = ctx.state!;
    const set = st.vars.get(name);
    if (set !== undefined) return set;
    const cap = st.captures.get(name);
    if (cap !== undefined) return cap;
    const req = ctx.request;
    switch (name) {
      case 'DATE_LOCAL':
        return strftime(st.timefmt, new Date(), false);
      case 'DATE_GMT':
        return strftime(st.timefmt, new Date(), true);
      case 'DOCUMENT_URI':
        return decodedPath(req.path);
      case 'DOCUMENT_NAME': {
        const p = decodedPath(req.path);
        return p.slice(p.lastIndexOf('/') + 1);
      }
      case 'LAST_MODIFIED':
        return st.lastModified ? strftime(st.timefmt, st.lastModified, false) : undefined;
      case 'QUERY_STRING':
        return req.query;
      case 'QUERY_STRING_UNESCAPED':
        return decodedPath(req.query.replace(/\+/g, ' '));
      case 'REQUEST_URI':
        return req.url;
      case 'REQUEST_METHOD':
        return req.method;
      case 'REMOTE_ADDR':
        return req.remoteAddress;
      default:
        if (name.startsWith('HTTP_') && name.length > 5) return req.header(name.slice(5).toLowerCase().replace(/_/g, '-'));
        return undefined;
    }
  }

  /** The path (and query) an include names, or null when it is refused. */
  function includeTarget(ctx: FilterContext<SsiState>, kind: string, value: string): string | null {
    if (value === '' || value.includes('\0') || value.includes('\\')) return null;
    const base = `http://ssi.invalid${ctx.request.path}`;
    if (kind === 'file') {
      // Relative to the document's directory, never above it: no '/', no '..', no scheme.
      if (value.startsWith('/') || value.includes(':')) return null;
      const segs = value.split('/');
      if (segs.some((s) => s === '..')) return null;
      const rel = segs.map((s) => encodeURIComponent(s)).join('/');
      return new URL(rel, base).pathname;
    }
    if (PLAIN_PATH.test(value)) return value;
    let url: URL;
    try {
      url = new URL(value, base);
    } catch {
      return null;
    }
    if (url.origin !== 'http://ssi.invalid') return null; // an absolute URL elsewhere
    return url.pathname + url.search;
  }

  async function include(ctx: FilterContext<SsiState>, out: Output, kind: string, raw: string): Promise<void> {
    const st = ctx.state!;
    const target = includeTarget(ctx, kind, substitute(raw, (n) => lookup(ctx, n)));
    const depth = ctx.request instanceof Subrequest ? ctx.request.depth : 0;
    if (target === null || !ctx.subrequest || depth + 1 > o.maxDepth || ++st.includes > o.maxIncludes) {
      out.add(latin1Bucket(st.errmsg));
      return;
    }
    const path = canonical(target.split('?', 1)[0]!);
    if (requestAncestry(ctx.request).some((p) => canonical(p) === path)) {
      out.add(latin1Bucket(st.errmsg)); // a loop: the page is already being included
      return;
    }
    let failed = false;
    try {
      const sub = await ctx.subrequest(target);
      if (sub.status < 200 || sub.status > 299) {
        failed = true;
        for await (const b of sub.body) b.buckets.length = 0; // let the subrequest finish
      } else {
        for await (const b of sub.body) {
          out.concat(b);
          if (out.full) await out.pass();
        }
      }
    } catch {
      failed = true;
    }
    if (failed) out.add(latin1Bucket(st.errmsg));
  }

  function active(st: SsiState): boolean {
    const top = st.conds[st.conds.length - 1];
    return top === undefined || top.active;
  }

  function condition(ctx: FilterContext<SsiState>, d: Directive): boolean | null {
    const attr = d.attrs.find(([k]) => k === 'expr');
    if (!attr) return null;
    try {
      return evaluate(attr[1], (n) => lookup(ctx, n), ctx.state!.captures);
    } catch (err) {
      if (err instanceof ExprError) return null;
      throw err;
    }
  }

  /** Runs one directive; output goes to out. Only an include is async. */
  function execute(ctx: FilterContext<SsiState>, text: string, out: Output): void | Promise<void> {
    const st = ctx.state!;
    const d = parseDirectiveCached(text);
    const on = active(st);
    const error = (): void => {
      if (active(st)) out.add(latin1Bucket(st.errmsg));
    };
    if (!d) return error();
    switch (d.name) {
      case 'if': {
        if (st.conds.length >= o.maxIfDepth) return error();
        const frame: CondFrame = { outer: on, taken: false, active: false, sawElse: false };
        if (on) {
          const c = condition(ctx, d);
          if (c === null) {
            out.add(latin1Bucket(st.errmsg));
            frame.taken = true; // a broken condition takes no branch
          } else {
            frame.taken = c;
            frame.active = c;
          }
        }
        st.conds.push(frame);
        return;
      }
      case 'elif': {
        const f = st.conds[st.conds.length - 1];
        if (!f || f.sawElse) return error();
        if (!f.outer || f.taken) {
          f.active = false;
          return;
        }
        const c = condition(ctx, d);
        if (c === null) {
          f.active = false;
          f.taken = true;
          out.add(latin1Bucket(st.errmsg));
          return;
        }
        f.active = c;
        f.taken = c;
        return;
      }
      case 'else': {
        const f = st.conds[st.conds.length - 1];
        if (!f || f.sawElse) return error();
        f.sawElse = true;
        f.active = f.outer && !f.taken;
        f.taken = true;
        return;
      }
      case 'endif':
        if (st.conds.length === 0) return error();
        st.conds.pop();
        return;
      default:
        break;
    }
    if (!on) return; // inside a branch not taken: nothing else runs
    switch (d.name) {
      case 'echo': {
        // Checked whole first, so a bad attribute prints nothing but errmsg.
        const valid = d.attrs.every(([k, v]) => k === 'var' || (k === 'encoding' && (v === 'none' || v === 'url' || v === 'entity')));
        if (!valid || !d.attrs.some(([k]) => k === 'var')) return error();
        // As in httpd, an encoding applies to the vars after it.
        let encoding: EchoEncoding = 'entity';
        for (const [k, v] of d.attrs) {
          if (k === 'encoding') encoding = v as EchoEncoding;
          else {
            const value = lookup(ctx, v);
            out.add(latin1Bucket(value === undefined ? st.echomsg : encodeValue(value, encoding)));
          }
        }
        return;
      }
      case 'set': {
        let name: string | undefined;
        let value: string | undefined;
        for (const [k, v] of d.attrs) {
          if (k === 'var') name = v;
          else if (k === 'value') value = substitute(v, (n) => lookup(ctx, n));
          else return error();
        }
        if (name === undefined || value === undefined || !/^[A-Za-z0-9_]+$/.test(name)) return error();
        st.vars.set(name, value);
        return;
      }
      case 'config':
        for (const [k, v] of d.attrs) {
          if (k === 'timefmt') st.timefmt = v;
          else if (k === 'errmsg') st.errmsg = v;
          else if (k === 'echomsg') st.echomsg = v;
          else if (k !== 'sizefmt') return error(); // sizefmt: accepted; fsize is not supported
        }
        return;
      case 'include': {
        const targets = d.attrs.filter(([k]) => k === 'virtual' || k === 'file');
        if (targets.length === 0 || targets.length !== d.attrs.length) return error();
        return (async () => {
          for (const [k, v] of targets) await include(ctx, out, k, v);
        })();
      }
      default:
        return error(); // exec, fsize, flastmod, printenv: not supported
    }
  }

  /** Scans one piece of body bytes (from bucket b, whose bytes they are, or a file read). */
  async function scan(ctx: FilterContext<SsiState>, b: HeapBucket | ImmortalBucket | null, bytes: Uint8Array, out: Output): Promise<void> {
    const st = ctx.state!;
    for (const ev of st.scanner.feed(bytes)) {
      switch (ev.kind) {
        case 'text':
          if (!active(st)) break;
          if (b && ev.start === 0 && ev.end === bytes.length) out.add(b); // untouched: no copy, no new bucket
          else if (b instanceof ImmortalBucket) out.add(new ImmortalBucket(bytes.subarray(ev.start, ev.end)));
          else out.add(new HeapBucket(bytes.subarray(ev.start, ev.end)));
          break;
        case 'literal':
          if (active(st)) out.add(new ImmortalBucket(ev.bytes));
          break;
        case 'too-long':
          if (active(st)) out.add(latin1Bucket(st.errmsg));
          break;
        case 'directive': {
          const r = execute(ctx, ev.text, out);
          if (r) await r;
          break;
        }
      }
      if (out.full) await out.pass();
    }
  }

  async function run(ctx: FilterContext<SsiState>, brigade: Brigade): Promise<void> {
    const st = ctx.state!;
    const out = new Output(ctx);
    for (const b of brigade.buckets) {
      if (b instanceof HeapBucket || b instanceof ImmortalBucket) {
        if (b.length > 0) await scan(ctx, b, b.bytes, out);
      } else if (b instanceof FileBucket) {
        for (const piece of readFileChunksSync(b)) await scan(ctx, null, piece, out);
      } else if (b instanceof EosBucket) {
        const held = st.scanner.end();
        if (held && active(st)) out.add(new HeapBucket(held));
        out.add(b);
      } else {
        out.add(b);
        if (b instanceof FlushBucket) await out.pass();
      }
    }
    await out.pass();
  }

  return {
    name: 'ssi',
    type: 'resource',
    init(ctx) {
      const res = ctx.response;
      const status = res.statusCode;
      if (status < 200 || status === 204 || status === 206 || status === 304) return false;
      const type = res.getHeader('content-type');
      if (!type || !o.types(type)) return false;
      const coding = res.getHeader('content-encoding');
      if (coding && coding.toLowerCase() !== 'identity') return false;
      const lm = res.getHeader('last-modified');
      const lastModified = lm ? new Date(lm) : null;
      // The body is no longer the file's: its length and validators go (as mod_include does).
      res.removeHeader('content-length');
      res.removeHeader('last-modified');
      res.removeHeader('etag');
      ctx.state = {
        scanner: new DirectiveScanner(o.maxDirectiveLength),
        vars: new Map(),
        captures: new Map(),
        conds: [],
        errmsg: o.errmsg,
        timefmt: o.timefmt,
        echomsg: o.echomsg,
        lastModified: lastModified && !Number.isNaN(lastModified.getTime()) ? lastModified : null,
        includes: 0,
        head: ctx.request.method === 'HEAD',
        headStarted: false,
      };
      return true;
    },
    filter(ctx, brigade) {
      const st = ctx.state!;
      if (st.head) {
        // No body is sent, so none is made: no directive runs. The head goes
        // out without EOS (no Content-Length; GET's length is unknown up front).
        const meta: Bucket[] = brigade.buckets.filter((b) => b.isMetadata);
        if (!st.headStarted) {
          st.headStarted = true;
          const first = ctx.pass(new Brigade());
          const rest = new Brigade(meta);
          if (first) return first.then(() => ctx.pass(rest));
          return ctx.pass(rest);
        }
        return ctx.pass(new Brigade(meta));
      }
      return run(ctx, brigade);
    },
  };
}
