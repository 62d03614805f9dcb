// The TypeScript static-file handler: maps the request onto a file below a
// root, answers 301/304/403/404/405 itself, and hands regular files to the
// native writer with res.sendFd (sendfile; the bytes never enter JS).
//
// Preconditions (If-Match, If-Unmodified-Since → 412; If-None-Match,
// If-Modified-Since → 304) are evaluated here, as the conditional filter
// would. A mount also brings its output filters (createStaticMount):
// byterange (206/416, default on) and compress (off by default), which apply
// only to the files this mount serves; with neither, responses keep the fast
// path. Precompressed siblings (x.js.br, x.js.gz) are chosen here, before any
// filter runs. What a request that names no file gets — a listing, the SPA
// entry, a custom 404 page — is decided in the directory and missing branches
// (listing.ts, fallback.ts); those responses run through the mount's filters.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { byterange } from '../filters/byterange.js';
import { compress, negotiateEncoding, type CompressOptions } from '../filters/compress.js';
import { evaluatePreconditions } from '../filters/conditional.js';
import type { Filter, FilterContext } from '../filters/filter.js';
import { ssi, ssiTypeCheck, type SsiOptions } from '../filters/ssi.js';
import type { Handler, Request, Response } from '../types.js';
import { isSpaRoute, notFoundPage, spaEntry } from './fallback.js';
import { readListing, renderListing, type ListingRead } from './listing.js';
import { contentTypeFor } from './mime.js';
import { resolveSafePath, type DotfilesPolicy } from './safe-path.js';

export interface StaticOptions {
  /** Files tried, in order, for a directory request ending in '/'. Default ['index.html']. */
  index?: string[];
  /** Dotfile segments below the root: 'allow', 'deny' (403) or 'ignore' (404, the default). */
  dotfiles?: DotfilesPolicy;
  /** Serve '/.well-known/…' (RFC 8615) whatever the dotfiles policy. Default true. */
  wellKnown?: boolean;
  /** An HTML listing for a directory without an index file. Default false (404). */
  listing?: boolean;
  /** SPA fallback: a missing extensionless path gets this file (true: 'index.html') with 200. Default off. */
  spa?: boolean | string;
  /** A file below the root sent with status 404 for this mount's 404s. Default: a plain-text 404. */
  notFound?: string;
  /** Follow symlinks (default true); a link whose target lies outside the root is 404 either way. */
  followSymlinks?: boolean;
  /** Cache-Control max-age in seconds (default 0 → 'public, max-age=0'). */
  maxAge?: number;
  /** Adds `immutable` to Cache-Control (for fingerprinted assets; use with a long maxAge). Default false. */
  immutable?: boolean;
  /**
   * Server-side includes in the mount's text/html files (.html, .htm, .shtml;
   * like nginx's `ssi on`). true or ssi() options. Default false. Such files
   * skip preconditions and precompressed siblings: their body is made per request.
   */
  ssi?: boolean | SsiOptions;
  /** Compress files on the fly (gzip, br, deflate; negotiated). true or compress() options. Default false. */
  compress?: boolean | CompressOptions;
  /** Answer Range requests (206, multipart/byteranges, 416, If-Range). Default true. */
  ranges?: boolean;
  /**
   * Serve a precompressed sibling (x.js.br, x.js.gz) when it is at least as
   * new as x.js and the client accepts its coding. Default: on when compress is on.
   */
  precompressed?: boolean;
  /**
   * Let the native static fast path serve this mount's files when no
   * TypeScript filter applies to them (docs/static.md). Default true; false
   * keeps every request in the TypeScript handler.
   */
  nativeFastPath?: boolean;
}

/** A mount's resolved settings, as the native fast path needs them (src/static/native-mounts.ts). */
export interface StaticMountConfig {
  /** The URL prefix without a trailing '/' ('' for '/'); set by Server.static(). */
  prefix: string;
  root: string;
  dotfiles: DotfilesPolicy;
  followSymlinks: boolean;
  ranges: boolean;
  /** On-the-fly compression: a TypeScript filter, so never native. */
  compress: boolean;
  precompressed: boolean;
  cacheControl: string;
  nativeFastPath: boolean;
}

/** What server.static() installs: the handler and the filters for the files it serves. */
export interface StaticMount {
  handler: Handler;
  /** Register each with the mount's path prefix; they act only on this mount's file responses. */
  filters: Filter<unknown>[];
  /** The settings the native fast path needs ('prefix' is filled in by the server). */
  config: StaticMountConfig;
}

/** The options whose effect the native fast path reproduces (or, for index, leaves to JS). */
const NATIVE_KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'index', 'dotfiles', 'followSymlinks', 'maxAge', 'compress', 'ranges', 'precompressed', 'nativeFastPath',
  // These act only where no file is served (dot paths, directories, missing files): left to JS.
  'wellKnown', 'listing', 'spa', 'notFound',
]);

/** Sibling suffixes of precompressed variants, by coding, in the server's order of preference. */
const VARIANTS: readonly (readonly ['br' | 'gzip', string])[] = [
  ['br', '.br'],
  ['gzip', '.gz'],
];

type Opened =
  | { kind: 'file'; fd: number; stat: fs.Stats }
  | { kind: 'dir'; real: string }
  | { kind: 'missing' }
  | { kind: 'error'; status: 403 | 404 | 500 };

const REASON: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  412: 'Precondition Failed',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

// O_NONBLOCK: opening a FIFO planted in the docroot must not park a libuv
// thread forever (it is a no-op for regular files). O_NOFOLLOW: we open the
// realpath, so a final-component symlink at open time means it was swapped in
// after the check.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);

// File-system metadata calls run on the event-loop thread, as nginx does them
// in its worker: they hit the dentry/inode caches and cost a few microseconds,
// where a trip through libuv's thread pool costs tens of microseconds and two
// context switches per call. (On a slow network filesystem they would block the
// loop: serve such trees from a local copy.) File *data* never passes through
// here — it goes out with sendfile.
async function openFd(p: string): Promise<number> {
  return fs.openSync(p, OPEN_FLAGS);
}

async function fstatFd(fd: number): Promise<fs.Stats> {
  return fs.fstatSync(fd);
}

function closeFd(fd: number): void {
  fs.closeSync(fd);
}

// realpath results for one second (like nginx's open_file_cache_valid): a
// symlink swapped under the root is seen within that time.
const REALPATH_TTL_MS = 1000;
const REALPATH_MAX = 10000;
const realpathCache = new Map<string, { real: string; at: number }>();

async function realpathCached(p: string): Promise<string> {
  const now = Date.now();
  const hit = realpathCache.get(p);
  if (hit && now - hit.at < REALPATH_TTL_MS) return hit.real;
  const real = fs.realpathSync.native(p);
  if (realpathCache.size >= REALPATH_MAX) realpathCache.clear();
  realpathCache.set(p, { real, at: now });
  return real;
}

function errorStatus(err: unknown): 403 | 404 | 500 {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return 404;
  if (code === 'EACCES' || code === 'EPERM') return 403;
  return 500;
}

function sendStatus(res: Response, status: number): void {
  if (res.headersSent || res.finished) return;
  res
    .status(status)
    .setHeader('Content-Type', 'text/plain; charset=utf-8')
    .setHeader('X-Content-Type-Options', 'nosniff')
    .end(REASON[status] ?? 'Error');
}

// The part of the URL path below the mount, still percent-encoded, so that
// resolveSafePath decodes it exactly once. The router leaves params['*'] raw;
// should the server hand it over decoded, recover the raw form from req.path
// (or re-encode) rather than decode twice.
function rawRemainder(req: Request): string {
  const star = req.params['*'];
  if (star === undefined) return req.path; // mounted on a non-prefix route: the whole path
  const p = req.path;
  if (p.endsWith(star) && (star === '' || p.charCodeAt(p.length - star.length - 1) === 47)) return star;
  for (let i = p.lastIndexOf('/'); i >= 0; i = i === 0 ? -1 : p.lastIndexOf('/', i - 1)) {
    const candidate = p.slice(i + 1);
    try {
      if (decodeURIComponent(candidate) === star) return candidate;
    } catch {
      // not this one
    }
  }
  return star.split('/').map(encodeURIComponent).join('/');
}

// Location for the directory redirect: the path as sent plus '/'. Leading
// slashes collapse to one so '//evil.example/dir' cannot become a
// protocol-relative redirect, and anything outside visible ASCII is escaped.
function redirectTarget(req: Request): string {
  const safe = req.path.replace(/^[/\\]+/, '/').replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  return safe + '/' + (req.query === '' ? '' : '?' + req.query);
}

/**
 * Marks a request whose response is a file of one mount. A property on the
 * request rather than a WeakSet: a WeakSet entry per request costs the GC
 * ephemeron work on every scavenge.
 */
class ServedMark {
  private readonly key = Symbol('brigade.static.served');
  add(req: object): void {
    (req as Record<symbol, boolean>)[this.key] = true;
  }
  has(req: object): boolean {
    return (req as Record<symbol, boolean>)[this.key] === true;
  }
}

/** A filter that stays out of every response but those whose request is in `served`. */
function onlyFor<S>(served: ServedMark, f: Filter<S>): Filter<unknown> {
  const inner = f as Filter<unknown>;
  return {
    name: inner.name,
    type: inner.type,
    init(ctx: FilterContext<unknown>): boolean {
      if (!served.has(ctx.request)) return false;
      return inner.init ? inner.init(ctx) !== false : true;
    },
    filter: (ctx, brigade) => inner.filter(ctx, brigade),
  };
}

export function createStaticHandler(root: string, options: StaticOptions = {}): Handler {
  return createStaticMount(root, options).handler;
}

export function createStaticMount(root: string, options: StaticOptions = {}): StaticMount {
  const rootAbs = path.resolve(root);
  const index = options.index ?? ['index.html'];
  const dotfiles: DotfilesPolicy = options.dotfiles ?? 'ignore';
  const followSymlinks = options.followSymlinks ?? true;
  const maxAge = options.maxAge ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new RangeError('static: maxAge must be a non-negative integer');
  if (dotfiles !== 'allow' && dotfiles !== 'deny' && dotfiles !== 'ignore') {
    throw new RangeError(`static: dotfiles must be 'allow', 'deny' or 'ignore'`);
  }
  for (const name of index) {
    if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
      throw new RangeError(`static: index entries are plain file names: ${JSON.stringify(name)}`);
    }
  }
  const wellKnown = options.wellKnown ?? true;
  const listing = options.listing ?? false;
  const spaFile = spaEntry(options.spa);
  const notFoundFile = notFoundPage(options.notFound);
  const cacheControl = `public, max-age=${maxAge}${options.immutable === true ? ', immutable' : ''}`;
  const ranges = options.ranges ?? true;
  const compressOption = options.compress ?? false;
  const precompressed = options.precompressed ?? compressOption !== false;
  // Requests whose response is a file of this mount: the mount's filters act on those only.
  const served = new ServedMark();
  const filters: Filter<unknown>[] = [];
  // Preconditions (304/412) are the handler's own, before any filter runs.
  if (ranges) filters.push(onlyFor(served, byterange()));
  if (compressOption !== false) filters.push(onlyFor(served, compress(compressOption === true ? {} : compressOption)));
  const ssiOption = options.ssi ?? false;
  const ssiOptions: SsiOptions = ssiOption === true || ssiOption === false ? {} : ssiOption;
  // Files the SSI filter will process: made per request, so no 304 from the file's validators.
  const processed = ssiOption === false ? (): boolean => false : ssiTypeCheck(ssiOptions);
  if (ssiOption !== false) filters.push(onlyFor(served, ssi(ssiOptions)));

  // realpath(root), resolved once; retried on failure so a root created after
  // startup still works.
  let rootReal: Promise<string> | null = null;
  const realRoot = (): Promise<string> => {
    rootReal ??= fs.promises.realpath(rootAbs).catch((err: unknown) => {
      rootReal = null;
      throw err;
    });
    return rootReal;
  };

  // Resolve symlinks, confine the result to the root, open, fstat the fd.
  async function open(lexical: string): Promise<Opened> {
    let base: string;
    let real: string;
    try {
      base = await realRoot();
      real = await realpathCached(lexical);
    } catch (err) {
      const status = errorStatus(err);
      return status === 404 ? { kind: 'missing' } : { kind: 'error', status };
    }
    const prefix = base.endsWith(path.sep) ? base : base + path.sep;
    if (real !== base && !real.startsWith(prefix)) return { kind: 'missing' };
    if (!followSymlinks) {
      // No link anywhere below the root: the resolved path must be the lexical one.
      const rel = path.relative(rootAbs, lexical);
      const expected = rel === '' ? base : path.join(base, rel);
      if (real !== expected) return { kind: 'missing' };
    }

    let fd: number;
    try {
      fd = await openFd(real);
    } catch (err) {
      const status = errorStatus(err);
      return status === 404 ? { kind: 'missing' } : { kind: 'error', status };
    }
    let stat: fs.Stats;
    try {
      stat = await fstatFd(fd);
    } catch (err) {
      closeFd(fd);
      return { kind: 'error', status: errorStatus(err) };
    }
    if (stat.isFile()) return { kind: 'file', fd, stat };
    closeFd(fd);
    return stat.isDirectory() ? { kind: 'dir', real } : { kind: 'missing' }; // FIFOs, sockets, devices
  }

  // The precompressed sibling to send instead of name (fd/stat: the original),
  // and whether any sibling exists (then the response varies by Accept-Encoding).
  async function variant(req: Request, name: string, stat: fs.Stats): Promise<{ vary: boolean; pick: { coding: string; fd: number; stat: fs.Stats } | null }> {
    const accept = req.header('accept-encoding');
    if (!precompressed || accept === undefined) return { vary: false, pick: null };
    const found: { coding: string; fd: number; stat: fs.Stats }[] = [];
    for (const [coding, suffix] of VARIANTS) {
      const o = await open(name + suffix);
      if (o.kind !== 'file') continue;
      // A sibling older than the file is stale: never served.
      if (o.stat.mtimeMs >= stat.mtimeMs) found.push({ coding, fd: o.fd, stat: o.stat });
      else closeFd(o.fd);
    }
    if (found.length === 0) return { vary: false, pick: null };
    const chosen = negotiateEncoding(accept, [...found.map((f) => f.coding), 'identity']);
    let pick: { coding: string; fd: number; stat: fs.Stats } | null = null;
    for (const f of found) {
      if (f.coding === chosen && pick === null) pick = f;
      else closeFd(f.fd);
    }
    return { vary: true, pick };
  }

  async function deliver(req: Request, res: Response, name: string, fd: number, stat: fs.Stats): Promise<void> {
    let v: Awaited<ReturnType<typeof variant>>;
    try {
      v = processed(contentTypeFor(name)) ? { vary: false, pick: null } : await variant(req, name, stat);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    if (v.vary) res.setHeader('Vary', 'Accept-Encoding');
    if (v.pick) {
      closeFd(fd);
      res.setHeader('Content-Encoding', v.pick.coding);
      sendFile(req, res, name, v.pick.fd, v.pick.stat);
      return;
    }
    sendFile(req, res, name, fd, stat);
  }

  function sendFile(req: Request, res: Response, name: string, fd: number, stat: fs.Stats): void {
    if (res.aborted || res.finished || res.headersSent) {
      closeFd(fd);
      return;
    }
    served.add(req);
    const mtimeMs = Math.floor(stat.mtimeMs);
    const etag = `W/"${stat.size.toString(16)}-${mtimeMs.toString(16)}"`;
    res.setHeader('ETag', etag);
    const lastModified = new Date(mtimeMs).toUTCString();
    res.setHeader('Last-Modified', lastModified);
    res.setHeader('Cache-Control', cacheControl);
    // RFC 9110 §13.2.2, the same evaluation as the conditional filter's.
    const validators = (n: string): string | undefined => (n === 'etag' ? etag : n === 'last-modified' ? lastModified : undefined);
    const precondition = processed(contentTypeFor(name)) ? 200 : evaluatePreconditions(req, { statusCode: 200, getHeader: validators });
    if (precondition === 412) {
      closeFd(fd);
      res.removeHeader('Content-Encoding');
      sendStatus(res, 412);
      return;
    }
    if (precondition === 304) {
      closeFd(fd);
      res.removeHeader('Content-Encoding');
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', contentTypeFor(name));
    // With ranges on, the byterange filter says 'bytes' where it can serve them.
    if (!ranges) res.setHeader('Accept-Ranges', 'none');
    res.status(200);
    if (stat.size === 0) {
      closeFd(fd);
      res.end();
      return;
    }
    // From here brigade owns the fd and closes it once sent (or on abort).
    res.sendFd(fd, 0, stat.size);
  }

  async function serve(req: Request, res: Response): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendStatus(res, 405);
      return;
    }
    const remainder = rawRemainder(req);
    const resolved = resolveSafePath(rootAbs, '/' + remainder, { dotfiles, wellKnown });
    if (!resolved.ok) {
      if (resolved.status === 404) await sendNotFound(req, res);
      else sendStatus(res, resolved.status);
      return;
    }

    const target = resolved.path;
    const opened = await open(target);
    if (opened.kind === 'file') {
      await deliver(req, res, target, opened.fd, opened.stat);
      return;
    }
    if (opened.kind === 'error') {
      sendStatus(res, opened.status);
      return;
    }
    if (opened.kind === 'missing') {
      await sendMissing(req, res, remainder);
      return;
    }

    // A directory. Relative links inside its index only work with the slash.
    if (!req.path.endsWith('/')) {
      if (res.headersSent || res.finished) return;
      const location = redirectTarget(req);
      res.status(301).setHeader('Location', location).setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`Moved Permanently: ${location}`);
      return;
    }
    for (const name of index) {
      const candidate = path.join(target, name);
      const idx = await open(candidate);
      if (idx.kind === 'file') {
        await deliver(req, res, candidate, idx.fd, idx.stat);
        return;
      }
      if (idx.kind === 'error') {
        sendStatus(res, idx.status);
        return;
      }
    }
    if (listing) await sendListing(req, res, target, opened.real);
    else await sendNotFound(req, res);
  }

  // Nothing at this path: the SPA entry for a client-side route, else the 404.
  async function sendMissing(req: Request, res: Response, remainder: string): Promise<void> {
    if (spaFile !== null && isSpaRoute(req.method, remainder)) {
      const entry = path.join(rootAbs, spaFile);
      const o = await open(entry);
      if (o.kind === 'file') {
        await deliver(req, res, entry, o.fd, o.stat);
        return;
      }
    }
    await sendNotFound(req, res);
  }

  // The notFound page with status 404 when it is a readable file below the
  // root; the plain 404 otherwise. No validators: a 404 is not revalidated.
  async function sendNotFound(req: Request, res: Response): Promise<void> {
    if (notFoundFile !== null) {
      const page = path.join(rootAbs, notFoundFile);
      const o = await open(page);
      if (o.kind === 'file') {
        if (res.aborted || res.finished || res.headersSent) {
          closeFd(o.fd);
          return;
        }
        served.add(req);
        res.status(404).setHeader('Content-Type', contentTypeFor(page)).setHeader('X-Content-Type-Options', 'nosniff');
        if (o.stat.size === 0) {
          closeFd(o.fd);
          res.end();
        } else {
          res.sendFd(o.fd, 0, o.stat.size);
        }
        return;
      }
    }
    sendStatus(res, 404);
  }

  async function sendListing(req: Request, res: Response, dir: string, dirReal: string): Promise<void> {
    const base = await realRoot();
    // Judged on the URL's path (lexical), not the link target: a parent link is
    // about where the client is.
    const atRoot = path.relative(rootAbs, dir) === '';
    let read: ListingRead;
    try {
      read = await readListing({ rootReal: base, dirReal, atRoot, showHidden: dotfiles === 'allow', wellKnown, followSymlinks });
    } catch (err) {
      // Unreadable (403) or gone since the open (404).
      const status = errorStatus(err);
      if (status === 404) await sendNotFound(req, res);
      else sendStatus(res, status);
      return;
    }
    if (res.aborted || res.finished || res.headersSent) return;
    let shown: string;
    try {
      shown = decodeURIComponent(req.path);
    } catch {
      shown = req.path;
    }
    served.add(req); // compress applies to listings too
    res
      .status(200)
      .setHeader('Content-Type', 'text/html; charset=utf-8')
      .setHeader('Cache-Control', 'no-cache')
      .setHeader('X-Content-Type-Options', 'nosniff')
      .end(renderListing(shown, read, atRoot));
  }

  const handler: Handler = async (req, res) => {
    try {
      await serve(req, res);
    } catch {
      // Never throw into the server: whatever went wrong is a 500 if we still can.
      sendStatus(res, 500);
    }
  };
  // An option the native fast path does not know could change what a file
  // response looks like: such a mount stays in TypeScript.
  const knownToNative = Object.keys(options).every((k) => NATIVE_KNOWN_OPTIONS.has(k));
  const config: StaticMountConfig = {
    prefix: '',
    root: rootAbs,
    dotfiles,
    followSymlinks,
    ranges,
    compress: compressOption !== false,
    precompressed,
    cacheControl,
    nativeFastPath: (options.nativeFastPath ?? true) && knownToNative,
  };
  return { handler, filters, config };
}
