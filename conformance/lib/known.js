// The allow-list of deliberate differences (conformance/known-differences.json):
// [{ cases: ["glob", …], fields: [name, …], nginx?, brigade?, reason }]. A
// difference is known when an entry's case glob (`*` = any run of characters)
// matches the case id, its field is one of the entry's, and the values seen
// are the ones the entry gives, if it gives any ("nginx" / "brigade" for every
// field, "expect": { field: [nginx, brigade] } for one, null = any) — so a
// known difference that changes shape shows up again. Entries that match nothing are reported as stale.
import { readFileSync } from 'node:fs';

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(glob) {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Loads and validates the file; throws with a clear message when it is malformed. */
export function loadKnown(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data.differences)) throw new Error(`${file}: expected { "differences": [...] }`);
  return data.differences.map((e, i) => {
    const where = `${file}: differences[${i}]`;
    if (!Array.isArray(e.cases) || e.cases.length === 0 || !e.cases.every((g) => typeof g === 'string')) throw new Error(`${where}: "cases" must be a non-empty list of globs`);
    if (!Array.isArray(e.fields) || e.fields.length === 0 || !e.fields.every((f) => typeof f === 'string')) throw new Error(`${where}: "fields" must be a non-empty list of field names`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) throw new Error(`${where}: every entry needs a "reason"`);
    return { ...e, index: i, patterns: e.cases.map(globToRegExp), used: 0 };
  });
}

/** The entry that explains this difference, or null. */
export function explain(known, caseId, diff) {
  for (const e of known) {
    if (!e.fields.includes(diff.field)) continue;
    if (e.nginx !== undefined && e.nginx !== diff.nginx) continue;
    if (e.brigade !== undefined && e.brigade !== diff.brigade) continue;
    const [n, b] = e.expect?.[diff.field] ?? [null, null];
    if ((n !== null && n !== diff.nginx) || (b !== null && b !== diff.brigade)) continue;
    if (!e.patterns.some((p) => p.test(caseId))) continue;
    e.used++;
    return e;
  }
  return null;
}
