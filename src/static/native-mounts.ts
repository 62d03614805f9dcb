// Which static mounts the native fast path may serve, and what it must leave
// to JS. A file response of an eligible mount would pass no TypeScript filter
// but the mount's own byterange (which the native code reproduces), so its
// bytes can be produced natively, identical to the TypeScript path's.
//
// The rule (conservative: when unsure, a mount or a path stays with JS):
// - the mount has no on-the-fly compression (its compress filter would run)
//   and did not opt out (`nativeFastPath: false`);
// - no user filter (server.filter) can apply to a GET/HEAD anywhere under the
//   mount: one scoped to the mount's prefix or above it (or to no path) makes
//   the mount ineligible; one scoped to a path below the prefix excludes that
//   subtree;
// - paths another route would win are excluded: exact routes (their path),
//   param routes (everything from their literal start, up to the first
//   ':param'), longer prefix routes (their subtree). Another prefix route
//   with the same prefix makes the mount ineligible (registration order decides).
// Routes added after listen() switch the fast path off (Server.route()).
import type { FilterRegistration } from '../filters/filter.js';
import type { StaticMountConfig } from './static-handler.js';

/** What binding.cc's setStaticMounts() takes for one mount. */
export interface NativeMountDescriptor {
  prefix: string;
  root: string;
  dotfiles: number;
  followSymlinks: boolean;
  ranges: boolean;
  precompressed: boolean;
  cacheControl: string;
  excludeExact: string[];
  excludePrefix: string[];
}

/** A route pattern as registered, and the mount it belongs to (if it is one). */
export interface RoutePattern {
  pattern: string;
  mount?: StaticMountConfig;
}

const DOTFILES = { ignore: 0, allow: 1, deny: 2 } as const;

function stripSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

/** '/api' is under '/api' and '/api/…'; everything is under ''. */
function under(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function appliesToGetOrHead(reg: FilterRegistration): boolean {
  const m = reg.scope.methods;
  return m === undefined || m.includes('GET') || m.includes('HEAD');
}

/**
 * The mounts to hand to the native side. routes: every registered pattern in
 * order; filters: the user's registrations (the mounts' own filters left out).
 */
export function nativeMounts(routes: readonly RoutePattern[], filters: readonly FilterRegistration[]): NativeMountDescriptor[] {
  const out: NativeMountDescriptor[] = [];
  for (const self of routes) {
    const cfg = self.mount;
    if (!cfg || !cfg.nativeFastPath || cfg.compress) continue;
    const prefix = cfg.prefix;
    const excludeExact: string[] = [];
    const excludePrefix: string[] = [];
    let eligible = true;

    for (const reg of filters) {
      if (!appliesToGetOrHead(reg)) continue;
      const p = stripSlash(reg.scope.path ?? '');
      if (under(prefix, p)) eligible = false; // covers the whole mount
      else if (under(p, prefix)) excludePrefix.push(p);
    }

    for (const other of routes) {
      if (other === self) continue;
      const pattern = other.pattern === '*' ? '/*' : other.pattern;
      if (pattern.endsWith('/*')) {
        const q = pattern.slice(0, -2);
        if (q === prefix) eligible = false;
        else if (q.length > prefix.length && under(q, prefix)) excludePrefix.push(q);
      } else if (pattern.includes('/:')) {
        const literal = pattern.slice(0, pattern.indexOf('/:') + 1);
        if (`${prefix}/`.startsWith(literal)) eligible = false; // every path below the mount
        else excludePrefix.push(literal);
      } else {
        excludeExact.push(pattern);
      }
    }
    if (!eligible) continue;
    out.push({
      prefix,
      root: cfg.root,
      dotfiles: DOTFILES[cfg.dotfiles],
      followSymlinks: cfg.followSymlinks,
      ranges: cfg.ranges,
      precompressed: cfg.precompressed,
      cacheControl: cfg.cacheControl,
      excludeExact,
      excludePrefix,
    });
  }
  return out;
}
