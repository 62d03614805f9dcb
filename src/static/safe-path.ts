// Maps a URL path onto a file path below a document root, refusing anything
// that could name a file outside it. Pure: no file system access (symlinks are
// the static handler's business, checked with realpath after this).
//
// Decisions:
// - The URL path is percent-decoded exactly once, here. '%252e' therefore names
//   a file literally called '%2e'; '%2e%2e' is '..' and '%2f' is '/'.
// - Malformed escapes, bytes that are not UTF-8 (overlong '%c0%ae' too), NUL
//   and backslashes (raw or '%5c') are 400: no legitimate link produces them,
//   and a backslash is a separator on Windows.
// - '..' is resolved lexically; one that would climb above the root is 403
//   (the request is understood and refused; 404 would hide nothing useful).
// - Dotfile segments below the root (not the root's own path): 'allow' serves
//   them, 'deny' answers 403, 'ignore' answers 404 as if they did not exist.
//   With wellKnown, a first segment '.well-known' (RFC 8615: ACME challenges,
//   security.txt) is not hidden; dot segments inside it still are.
// - A trailing slash survives, so the caller can tell '/dir/' from '/dir'.

import * as path from 'node:path';

export type DotfilesPolicy = 'deny' | 'allow' | 'ignore';

export type SafePathResult = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404 };

export interface SafePathOptions {
  dotfiles: DotfilesPolicy;
  /** Exempt a first segment '.well-known' from the dotfiles policy. Default false. */
  wellKnown?: boolean;
}

/** Whether a path segment at depth (0: directly below the root) counts as hidden. */
export function isHiddenSegment(segment: string, depth: number, wellKnown: boolean): boolean {
  if (segment.charCodeAt(0) !== 46 /* '.' */) return false;
  return !(wellKnown && depth === 0 && segment === '.well-known');
}

/**
 * path.resolve(root), and it with a trailing separator. A mount calls with its
 * one absolute root again and again: remembered for the last absolute root
 * (a relative one depends on the working directory, so it is resolved each time).
 */
let lastRoot: { root: string; rootAbs: string; base: string } | null = null;
function resolvedRoot(root: string): { rootAbs: string; base: string } {
  if (lastRoot !== null && lastRoot.root === root) return lastRoot;
  const rootAbs = path.resolve(root);
  const r = { root, rootAbs, base: rootAbs.endsWith(path.sep) ? rootAbs : rootAbs + path.sep };
  if (path.isAbsolute(root)) lastRoot = r;
  return r;
}

export function resolveSafePath(root: string, urlPath: string, opts: SafePathOptions): SafePathResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400 };

  // Walk the segments with a depth counter so a climb above the root is seen
  // even when a later segment would come back down ('/../root/x').
  const kept: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (kept.length === 0) return { ok: false, status: 403 };
      kept.pop();
      continue;
    }
    kept.push(seg);
  }
  const wellKnown = opts.wellKnown ?? false;
  const hidden = kept.some((seg, depth) => isHiddenSegment(seg, depth, wellKnown));
  if (hidden && opts.dotfiles !== 'allow') {
    return { ok: false, status: opts.dotfiles === 'deny' ? 403 : 404 };
  }

  // '/dir/', '/dir/.' and '/dir/x/..' all name the directory with a slash.
  const last = decoded.slice(decoded.lastIndexOf('/') + 1);
  const trailingSlash = decoded !== '' && (last === '' || last === '.' || last === '..');

  const { rootAbs, base } = resolvedRoot(root);
  let full = kept.length === 0 ? rootAbs : base + kept.join(path.sep);
  if (trailingSlash && !full.endsWith(path.sep)) full += path.sep;

  // Belt and braces: whatever the above missed, the result stays inside root.
  if (full !== rootAbs && !full.startsWith(base)) return { ok: false, status: 403 };
  return { ok: true, path: full };
}
