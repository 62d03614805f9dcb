// The framing audit's allow-list (known-differences.json):
// { differences: [{ cases: ["glob", …], kinds: ["laxer", …], reason }] }. A
// verdict is explained when an entry's glob matches the case id and its kind
// is listed. Entries that match nothing are reported as stale.
import { readFileSync } from 'node:fs';
import { globToRegExp } from '../lib/known.js';

export function loadFramingKnown(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data.differences)) throw new Error(`${file}: expected { "differences": [...] }`);
  return data.differences.map((e, i) => {
    const where = `${file}: differences[${i}]`;
    if (!Array.isArray(e.cases) || e.cases.length === 0) throw new Error(`${where}: "cases" must be a non-empty list of globs`);
    if (!Array.isArray(e.kinds) || e.kinds.length === 0) throw new Error(`${where}: "kinds" must be a non-empty list of verdicts`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) throw new Error(`${where}: every entry needs a "reason"`);
    return { ...e, index: i, patterns: e.cases.map(globToRegExp), used: 0 };
  });
}

/** The entry explaining this verdict (a laxer kind or a smuggle flag), or null. */
export function explainFraming(known, caseId, v) {
  const kinds = [v.kind, ...(v.smuggleFlag ? ['smuggle'] : [])];
  if (!kinds.some((k) => ['laxer', 'laxer-than-one', 'all-wrong', 'smuggle'].includes(k))) return null;
  for (const e of known) {
    if (!e.kinds.some((k) => kinds.includes(k))) continue;
    if (!e.patterns.some((p) => p.test(caseId))) continue;
    e.used++;
    return e;
  }
  return null;
}
