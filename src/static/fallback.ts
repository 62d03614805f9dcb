// What a static mount answers when the request names nothing: the SPA
// fallback (`spa`) and the custom 404 page (`notFound`). Option checking and
// the SPA rule live here; the handler opens and sends the chosen file.
//
// The SPA rule (like sirv's `single`, and connect-history-api-fallback's dot
// rule): a GET or HEAD whose path does not exist below the root and whose
// last segment has no dot is a client-side route, answered with the SPA's
// entry file and status 200. '/users/42' and '/users/' qualify; '/app.js',
// '/img/logo.png' and '/users/john.doe' do not — a missing asset stays a 404,
// so a broken <script src> is not silently fed HTML. Paths the mapper refuses
// (dotfiles, '..' above the root, bad escapes) are never rewritten, nor are
// existing directories without an index.

/** Checks an option naming a file below the root ('index.html', 'errors/404.html'); returns it with '/' separators. */
export function rootRelativeFile(value: string, option: string): string {
  const segments = value.split('/').filter((s) => s !== '' && s !== '.');
  const bad =
    value.includes('\\') ||
    value.includes('\0') ||
    segments.length === 0 ||
    segments.some((s) => s === '..') ||
    value.endsWith('/');
  if (bad) throw new RangeError(`static: ${option} must name a file below the root, got ${JSON.stringify(value)}`);
  return segments.join('/');
}

/** The SPA entry file for the spa option: true → 'index.html', a string → that file, false/undefined → none. */
export function spaEntry(spa: boolean | string | undefined): string | null {
  if (spa === undefined || spa === false) return null;
  if (spa === true) return 'index.html';
  if (typeof spa !== 'string') throw new RangeError('static: spa must be a boolean or a file name');
  return rootRelativeFile(spa, 'spa');
}

/** The notFound page below the root, or null. */
export function notFoundPage(notFound: string | undefined): string | null {
  if (notFound === undefined) return null;
  if (typeof notFound !== 'string') throw new RangeError('static: notFound must be a file name');
  return rootRelativeFile(notFound, 'notFound');
}

/**
 * Whether a missing path is a client-side route (see the rule above).
 * remainder: the path below the mount, still percent-encoded.
 */
export function isSpaRoute(method: string, remainder: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(remainder);
  } catch {
    return false;
  }
  const last = decoded.slice(decoded.lastIndexOf('/') + 1);
  return !last.includes('.');
}
