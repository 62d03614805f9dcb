// HEADERS (protocol): set, append or remove response headers by path prefix
// and content type, like httpd's mod_headers `Header set|append|unset` and
// nginx's add_header, from a list of rules.
//
// Which rules apply is decided in init(), at the response's first output,
// when path and content type are final; a response that no rule matches
// leaves the chain (and keeps the fast path if nothing else applies). The
// changes are made on the first brigade, as it goes by: being a protocol
// filter it runs after resource and content-set filters (SSI, compress), so
// it sees and may override what they set (Vary, Content-Encoding, ...).
// Rules apply in their order; within a rule: unset, then set, then append.
import type { Filter } from './filter.js';

export interface HeaderRule {
  /** URL path prefix of whole segments ("/assets" matches "/assets" and "/assets/x"). Default: every path. */
  path?: string;
  /** Response content types without parameters; an entry ending in "/" is a prefix ("text/"). Default: any, even none. */
  contentTypes?: readonly string[];
  /** Headers to remove. */
  unset?: readonly string[];
  /** Headers to set, replacing any value. */
  set?: Readonly<Record<string, string>>;
  /** Values to add to a header: joined with ", " to an existing value, else set. */
  append?: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
// Framing is the server's business: a rule must not forge it.
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

function checkName(name: string): void {
  if (!TOKEN.test(name)) throw new TypeError(`headers: invalid header name ${JSON.stringify(name)}`);
  if (FRAMING.has(name.toLowerCase())) throw new RangeError(`headers: ${name} is set by the server's framing, not by rules`);
}

function checkRule(rule: HeaderRule): HeaderRule {
  for (const n of rule.unset ?? []) checkName(n);
  for (const map of [rule.set ?? {}, rule.append ?? {}]) {
    for (const [n, v] of Object.entries(map)) {
      checkName(n);
      if (typeof v !== 'string' || BAD_VALUE.test(v)) throw new TypeError(`headers: invalid value for ${n}`);
    }
  }
  if (rule.path !== undefined && !rule.path.startsWith('/')) throw new RangeError(`headers: path must start with '/': ${JSON.stringify(rule.path)}`);
  return { ...rule, path: rule.path?.replace(/\/+$/, '') };
}

function pathMatches(prefix: string | undefined, p: string): boolean {
  if (!prefix) return true;
  return p === prefix || p.startsWith(`${prefix}/`);
}

function typeMatches(types: readonly string[] | undefined, contentType: string | undefined): boolean {
  if (!types) return true;
  if (!contentType) return false;
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return types.some((t) => (t.endsWith('/') ? base.startsWith(t.toLowerCase()) : base === t.toLowerCase()));
}

/** The headers filter: register it once, without a scope (each rule has its own). */
export function headers(rules: readonly HeaderRule[]): Filter<HeaderRule[]> {
  const checked = rules.map(checkRule);
  return {
    name: 'headers',
    type: 'protocol',
    init(ctx) {
      const p = ctx.request.path;
      const type = ctx.response.getHeader('content-type');
      const matched = checked.filter((r) => pathMatches(r.path, p) && typeMatches(r.contentTypes, type));
      if (matched.length === 0) return false;
      ctx.state = matched;
      return true;
    },
    filter(ctx, brigade) {
      const matched = ctx.state;
      if (matched && !ctx.response.headersSent) {
        ctx.state = undefined; // once, on the first brigade
        const res = ctx.response;
        for (const r of matched) {
          for (const n of r.unset ?? []) res.removeHeader(n);
          for (const [n, v] of Object.entries(r.set ?? {})) res.setHeader(n, v);
          for (const [n, v] of Object.entries(r.append ?? {})) {
            const old = res.getHeader(n);
            res.setHeader(n, old === undefined || old === '' ? v : `${old}, ${v}`);
          }
        }
      }
      return ctx.pass(brigade);
    },
  };
}
