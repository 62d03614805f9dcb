// Method + path routing for the control plane.
//
// Three kinds of pattern, tried in this order (most specific first):
//   exact   '/health'                  one Map lookup keyed by the whole path
//   param   '/users/:id/posts/:postId' a segment trie; ':name' matches one non-empty segment
//   prefix  '/api/*'                   '/api', '/api/' and everything below '/api/'
// Among prefix routes the longest prefix wins; among routes of the same shape,
// the one registered first wins. In the trie a literal segment is tried before
// a param at the same position, backtracking if that branch has no route.
// HEAD falls back to GET at each level, so an exact GET route beats a prefix
// route that happens to accept HEAD.
//
// Paths are matched as sent: the router never percent-decodes, neither the
// path nor the params it extracts (decoding is the server's job, done once).
// Consequently a pattern's literal segments must be written the way clients
// send them (percent-encoded where needed).
//
// Speed notes (measured with V8): slicing a segment and hashing it for a Map
// lookup costs more than comparing in place, so small literal fan-outs and
// short prefix lists are scanned with startsWith; Maps take over when they grow.

export interface RouteMatch<H> {
  handler: H;
  /** ':name' values and, for prefix routes, '*' = the remainder (no leading slash). Raw, not decoded. */
  params: Record<string, string>;
}

export interface RouteMiss {
  handler: null;
  /** Methods some route would accept for this path (empty when no route knows the path). */
  allow: string[];
}

interface Entry<H> {
  method: string; // upper case, or '*' for any
  handler: H;
}

interface ParamEntry<H> extends Entry<H> {
  names: string[]; // param names in the order their segments appear
}

interface TrieNode<H> {
  // Literal children: parallel arrays while small, plus a Map once large.
  keys: string[];
  children: TrieNode<H>[];
  map: Map<string, TrieNode<H>> | null;
  param: TrieNode<H> | null;
  entries: ParamEntry<H>[] | null; // routes ending at this node
}

interface PrefixRoute<H> {
  prefix: string; // without the trailing '/*'; '' for '/*'
  entries: Entry<H>[];
}

const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SLASH = 47;
const LITERAL_SCAN_MAX = 8; // literal children compared in place up to this many
const PREFIX_SCAN_MAX = 16; // prefix routes compared in place up to this many

function newNode<H>(): TrieNode<H> {
  return { keys: [], children: [], map: null, param: null, entries: null };
}

// First entry accepting `method`, in registration order; HEAD then tries GET.
function pick<E extends { method: string }>(entries: readonly E[], method: string): E | undefined {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.method === method || e.method === '*') return e;
  }
  if (method === 'HEAD') {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.method === 'GET') return e;
    }
  }
  return undefined;
}

// The literal child of `node` equal to path[pos, end), if any.
function literalChild<H>(node: TrieNode<H>, path: string, pos: number, end: number): TrieNode<H> | undefined {
  if (node.map !== null) return node.map.get(path.slice(pos, end));
  const len = end - pos;
  const keys = node.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.length === len && path.startsWith(k, pos)) return node.children[i];
  }
  return undefined;
}

function segmentEnd(path: string, pos: number): number {
  const i = path.indexOf('/', pos);
  return i === -1 ? path.length : i;
}

function lastSlashBefore(path: string, cut: number): number {
  for (let i = cut - 1; i >= 0; i--) if (path.charCodeAt(i) === SLASH) return i;
  return -1;
}

export class Router<H> {
  readonly #exact = new Map<string, Entry<H>[]>();
  readonly #trie: TrieNode<H> = newNode<H>();
  #paramCount = 0;
  readonly #prefixes = new Map<string, PrefixRoute<H>>();
  #prefixList: PrefixRoute<H>[] = []; // longest prefix first

  add(method: string, pattern: string, handler: H): void {
    const m = method === '*' ? '*' : method.toUpperCase();
    if (m !== '*' && !METHOD_TOKEN.test(m)) {
      throw new TypeError(`router: invalid method ${JSON.stringify(method)}`);
    }
    if (pattern === '*') pattern = '/*';
    if (!pattern.startsWith('/')) {
      throw new TypeError(`router: pattern must start with '/': ${JSON.stringify(pattern)}`);
    }

    if (pattern.endsWith('/*')) {
      const prefix = pattern.slice(0, -2);
      if (prefix.includes('*') || prefix.includes('/:')) {
        throw new TypeError(`router: prefix patterns take no params or inner '*': ${JSON.stringify(pattern)}`);
      }
      let route = this.#prefixes.get(prefix);
      if (route === undefined) {
        route = { prefix, entries: [] };
        this.#prefixes.set(prefix, route);
        // Stable sort keeps registration order among equal lengths (only one per prefix anyway).
        this.#prefixList = [...this.#prefixList, route].sort((a, b) => b.prefix.length - a.prefix.length);
      }
      route.entries.push({ method: m, handler });
      return;
    }
    if (pattern.includes('*')) {
      throw new TypeError(`router: '*' is only allowed as the last segment ('/prefix/*'): ${JSON.stringify(pattern)}`);
    }
    if (!pattern.includes('/:')) {
      const list = this.#exact.get(pattern);
      if (list === undefined) this.#exact.set(pattern, [{ method: m, handler }]);
      else list.push({ method: m, handler });
      return;
    }

    // Param route: walk/extend the trie one segment at a time.
    const names: string[] = [];
    let node = this.#trie;
    for (const seg of pattern.slice(1).split('/')) {
      if (seg.startsWith(':')) {
        const name = seg.slice(1);
        if (!PARAM_NAME.test(name) || name === '__proto__') {
          throw new TypeError(`router: invalid param name ${JSON.stringify(seg)} in ${JSON.stringify(pattern)}`);
        }
        if (names.includes(name)) {
          throw new TypeError(`router: duplicate param ${JSON.stringify(name)} in ${JSON.stringify(pattern)}`);
        }
        names.push(name);
        node = node.param ??= newNode<H>();
      } else {
        let next = literalChild(node, seg, 0, seg.length);
        if (next === undefined) {
          next = newNode<H>();
          node.keys.push(seg);
          node.children.push(next);
          if (node.map !== null) node.map.set(seg, next);
          else if (node.keys.length > LITERAL_SCAN_MAX) {
            node.map = new Map(node.keys.map((k, i) => [k, node.children[i]!]));
          }
        }
        node = next;
      }
    }
    (node.entries ??= []).push({ method: m, handler, names });
    this.#paramCount++;
  }

  match(method: string, path: string): RouteMatch<H> | RouteMiss {
    const exact = this.#exact.get(path);
    if (exact !== undefined) {
      const e = pick(exact, method);
      if (e !== undefined) return { handler: e.handler, params: {} };
    }

    if (path.charCodeAt(0) === SLASH) {
      if (this.#paramCount > 0) {
        // Param values as [start, end) offset pairs; sliced only on success.
        const spans: number[] = [];
        const hit = this.#walk(this.#trie, path, 1, method, spans);
        if (hit !== null) {
          const params: Record<string, string> = {};
          for (let i = 0; i < hit.names.length; i++) {
            params[hit.names[i]!] = path.slice(spans[2 * i], spans[2 * i + 1]);
          }
          return { handler: hit.handler, params };
        }
      }
      if (this.#prefixList.length > 0) {
        const hit = this.#prefixList.length <= PREFIX_SCAN_MAX ? this.#scanPrefixes(path, method) : this.#lookupPrefixes(path, method);
        if (hit !== null) return hit;
      }
    }

    return { handler: null, allow: this.allowedMethods(path) };
  }

  /** Every method some route accepts for `path` (HEAD included wherever GET is). Slow path: for 405s. */
  allowedMethods(path: string): string[] {
    const found = new Set<string>();
    const add = (entries: readonly Entry<H>[] | null | undefined): void => {
      if (entries == null) return;
      for (const e of entries) {
        found.add(e.method);
        if (e.method === 'GET') found.add('HEAD');
      }
    };
    add(this.#exact.get(path));
    if (path.charCodeAt(0) === SLASH) {
      this.#collect(this.#trie, path, 1, add);
      for (const route of this.#prefixList) {
        if (underPrefix(path, route.prefix)) add(route.entries);
      }
    }
    // '*' means "any method"; it is not a method name to advertise.
    found.delete('*');
    return [...found];
  }

  // Depth-first, literal child before param child, backtracking when a branch
  // has no route for this method. `pos` is the index just past a '/'.
  // Recursion depth is bounded by the deepest registered pattern.
  #walk(node: TrieNode<H>, path: string, pos: number, method: string, spans: number[]): ParamEntry<H> | null {
    const end = segmentEnd(path, pos);
    const last = end === path.length;

    const lit = literalChild(node, path, pos, end);
    if (lit !== undefined) {
      const hit = last ? endAt(lit, method) : this.#walk(lit, path, end + 1, method, spans);
      if (hit !== null) return hit;
    }
    const param = node.param;
    if (param !== null && end > pos) {
      spans.push(pos, end);
      const hit = last ? endAt(param, method) : this.#walk(param, path, end + 1, method, spans);
      if (hit !== null) return hit;
      spans.length -= 2;
    }
    return null;
  }

  #collect(node: TrieNode<H>, path: string, pos: number, add: (e: readonly Entry<H>[] | null) => void): void {
    const end = segmentEnd(path, pos);
    const last = end === path.length;
    const next: TrieNode<H>[] = [];
    const lit = literalChild(node, path, pos, end);
    if (lit !== undefined) next.push(lit);
    if (node.param !== null && end > pos) next.push(node.param);
    for (const n of next) {
      if (last) add(n.entries);
      else this.#collect(n, path, end + 1, add);
    }
  }

  // Few prefixes: compare each in place, longest first.
  #scanPrefixes(path: string, method: string): RouteMatch<H> | null {
    const list = this.#prefixList;
    for (let i = 0; i < list.length; i++) {
      const route = list[i]!;
      if (!underPrefix(path, route.prefix)) continue;
      const e = pick(route.entries, method);
      if (e !== undefined) return prefixMatch(e.handler, path, route.prefix.length);
    }
    return null;
  }

  // Many prefixes: one Map lookup per '/' in the path, longest candidate first
  // ('/a/b' → '/a/b', '/a', '').
  #lookupPrefixes(path: string, method: string): RouteMatch<H> | null {
    for (let cut = path.length; cut >= 0; cut = lastSlashBefore(path, cut)) {
      const route = this.#prefixes.get(cut === path.length ? path : path.slice(0, cut));
      if (route === undefined) continue;
      const e = pick(route.entries, method);
      if (e !== undefined) return prefixMatch(e.handler, path, cut);
    }
    return null;
  }
}

function endAt<H>(node: TrieNode<H>, method: string): ParamEntry<H> | null {
  return node.entries === null ? null : (pick(node.entries, method) ?? null);
}

// '/api' is under '/api' and '/api/…', not '/apix'; everything is under ''.
function underPrefix(path: string, prefix: string): boolean {
  const n = prefix.length;
  return path.startsWith(prefix) && (path.length === n || path.charCodeAt(n) === SLASH);
}

function prefixMatch<H>(handler: H, path: string, prefixLength: number): RouteMatch<H> {
  // Remainder after the prefix, minus the one '/' that separates them.
  const rest = path.length > prefixLength ? path.slice(prefixLength + 1) : '';
  return { handler, params: { '*': rest } };
}
