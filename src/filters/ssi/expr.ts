// SSI conditions (`#if expr="..."`), httpd's classic syntax:
//   string                  true when not empty
//   a = b, a == b, a != b   string comparison; b written /re/ is a regular expression
//   a < b, a <= b, a > b, a >= b   byte-wise string order (strcmp)
//   ( e ), ! e, e && e, e || e
// As in httpd, && and || have the same precedence and group from the left;
// ! binds tightest, comparisons bind tighter than && and ||. Strings are
// 'quoted' or bare words (adjacent words join with one space); $var and
// ${var} are substituted in strings but not inside a /re/, so a client's
// header or query string never becomes a pattern. A successful regex match
// sets $0..$9 to the match and its groups.

import { substitute } from './directive.js';

export class ExprError extends Error {}

type Token =
  | { t: 'str'; v: string; raw: string; quoted: boolean }
  | { t: '(' | ')' | '!' | '&&' | '||' | '=' | '!=' | '<' | '<=' | '>' | '>=' };

const MAX_NESTING = 64;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '!=' || two === '<=' || two === '>=' || two === '==') {
      out.push({ t: two === '==' ? '=' : two });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')' || c === '!' || c === '=' || c === '<' || c === '>') {
      out.push({ t: c });
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw new ExprError('unterminated quote');
        if (src[i] === '\\' && src[i + 1] === "'") {
          v += "'";
          i += 2;
          continue;
        }
        if (src[i] === "'") break;
        v += src[i++];
      }
      i++;
      out.push({ t: 'str', v, raw: v, quoted: true });
      continue;
    }
    if (c === '/') {
      // A regular expression: up to the next unescaped '/'.
      let j = i + 1;
      while (j < n && src[j] !== '/') j += src[j] === '\\' ? 2 : 1;
      if (j >= n) throw new ExprError('unterminated regular expression');
      const raw = src.slice(i, j + 1);
      out.push({ t: 'str', v: raw, raw, quoted: false });
      i = j + 1;
      continue;
    }
    const s = i;
    while (i < n && !/[\s()!=<>&|']/.test(src[i]!)) i += src[i] === '\\' ? 2 : 1;
    // A lone '&' or '|' is not an operator: take it as text.
    if (i === s) i++;
    const raw = src.slice(s, i);
    out.push({ t: 'str', v: raw, raw, quoted: false });
  }
  return out;
}

/** Evaluates an expression; lookup gives variables, captures receives $0..$9 after a regex match. */
export function evaluate(src: string, lookup: (name: string) => string | undefined, captures: Map<string, string>): boolean {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];

  const isRegex = (tok: { raw: string; quoted: boolean }): boolean => !tok.quoted && tok.raw.length >= 2 && tok.raw.startsWith('/') && tok.raw.endsWith('/');

  function string(): { v: string; regex: RegExp | null } {
    const first = peek();
    if (!first || first.t !== 'str') throw new ExprError('expected a string');
    pos++;
    if (isRegex(first)) {
      try {
        return { v: first.raw, regex: new RegExp(first.raw.slice(1, -1)) };
      } catch {
        throw new ExprError(`bad regular expression ${first.raw}`);
      }
    }
    let v = substitute(first.v, lookup);
    for (let t = peek(); t && t.t === 'str' && !isRegex(t); t = peek()) {
      v += ' ' + substitute(t.v, lookup);
      pos++;
    }
    return { v, regex: null };
  }

  function comparison(): boolean {
    const left = string();
    const op = peek();
    if (!op || !(op.t === '=' || op.t === '!=' || op.t === '<' || op.t === '<=' || op.t === '>' || op.t === '>=')) return left.v.length > 0;
    pos++;
    const right = string();
    if (right.regex) {
      if (op.t !== '=' && op.t !== '!=') throw new ExprError('a regular expression needs = or !=');
      const m = right.regex.exec(left.v);
      if (m) {
        captures.clear();
        for (let k = 0; k < Math.min(m.length, 10); ++k) captures.set(String(k), m[k] ?? '');
      }
      return op.t === '=' ? m !== null : m === null;
    }
    const a = left.v;
    const b = right.v;
    switch (op.t) {
      case '=': return a === b;
      case '!=': return a !== b;
      case '<': return a < b;
      case '<=': return a <= b;
      case '>': return a > b;
      default: return a >= b;
    }
  }

  function unary(depth: number): boolean {
    if (depth > MAX_NESTING) throw new ExprError('expression nested too deeply');
    const t = peek();
    if (!t) throw new ExprError('unexpected end of expression');
    if (t.t === '!') {
      pos++;
      return !unary(depth + 1);
    }
    if (t.t === '(') {
      pos++;
      const v = expr(depth + 1);
      if (peek()?.t !== ')') throw new ExprError("missing ')'");
      pos++;
      return v;
    }
    return comparison();
  }

  function expr(depth: number): boolean {
    let v = unary(depth);
    for (let t = peek(); t && (t.t === '&&' || t.t === '||'); t = peek()) {
      pos++;
      const r = unary(depth);
      v = t.t === '&&' ? v && r : v || r;
    }
    return v;
  }

  const result = expr(0);
  if (pos !== tokens.length) throw new ExprError('unexpected token in expression');
  return result;
}
