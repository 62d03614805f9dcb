// Parsing one SSI directive's text (what lies between `<!--#` and `-->`),
// `$var` substitution, and the encodings of `#echo`. Strings here are byte
// strings (latin1: one char per byte), so UTF-8 in a page or a header passes
// through unchanged and the url encoding escapes each byte.

export interface Directive {
  /** Element name, lower case ("include", "echo", ...). */
  readonly name: string;
  /** Attributes in the order written; names lower case, values unescaped, not substituted. */
  readonly attrs: readonly (readonly [string, string])[];
}

/**
 * Parsed directives by their text. A page sends the same few directives on
 * every request; parsing is pure and a Directive is never changed, so one
 * parse serves them all. Bounded, and emptied when full.
 */
const parsed = new Map<string, Directive | null>();
const PARSED_MAX = 1024;

/** parseDirective, remembered. */
export function parseDirectiveCached(text: string): Directive | null {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  const d = parseDirective(text);
  if (text.length <= 512) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(text, d);
  }
  return d;
}

const WS = /\s/;

/** Parses `echo var="X" encoding='none'`; null when it is malformed. */
export function parseDirective(text: string): Directive | null {
  let i = 0;
  const n = text.length;
  while (i < n && WS.test(text[i]!)) i++;
  const start = i;
  while (i < n && /[A-Za-z]/.test(text[i]!)) i++;
  if (i === start) return null;
  const name = text.slice(start, i).toLowerCase();
  const attrs: [string, string][] = [];
  for (;;) {
    const before = i;
    while (i < n && WS.test(text[i]!)) i++;
    if (i >= n) break;
    if (i === before) return null; // attributes are separated by white space
    const ns = i;
    while (i < n && /[A-Za-z0-9_-]/.test(text[i]!)) i++;
    if (i === ns) return null;
    const attr = text.slice(ns, i).toLowerCase();
    while (i < n && WS.test(text[i]!)) i++;
    if (text[i] !== '=') return null;
    i++;
    while (i < n && WS.test(text[i]!)) i++;
    const q = text[i];
    let value = '';
    if (q === '"' || q === "'" || q === '`') {
      i++;
      for (;;) {
        if (i >= n) return null; // unterminated quote
        const c = text[i]!;
        if (c === '\\' && text[i + 1] === q) {
          value += q;
          i += 2;
          continue;
        }
        if (c === q) {
          i++;
          break;
        }
        value += c;
        i++;
      }
    } else {
      const vs = i;
      while (i < n && !WS.test(text[i]!)) i++;
      value = text.slice(vs, i);
    }
    attrs.push([attr, value]);
  }
  return { name, attrs };
}

/** Replaces `$name` and `${name}` with lookup(name) ('' when unset); `\$` is a literal '$'. */
export function substitute(value: string, lookup: (name: string) => string | undefined): string {
  if (!value.includes('$')) return value;
  return value.replace(/\\\$|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (all, braced: string | undefined, bare: string | undefined) => {
    if (all === '\\$') return '$';
    return lookup((braced ?? bare)!) ?? '';
  });
}

export type EchoEncoding = 'none' | 'url' | 'entity';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Applies #echo's encoding to a byte string. */
export function encodeValue(value: string, encoding: EchoEncoding): string {
  if (encoding === 'entity') return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
  if (encoding === 'url') {
    // Escapes what may not stand in a URL path (like httpd's ap_escape_uri); '/' stays.
    return value.replace(/[^A-Za-z0-9\-._~/!$&'()*+,;=:@]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  }
  return value;
}
