// The audit's report: a per-case table (what each server did, brigade's
// verdict) and the per-category counts of cases each server handled correctly.
import { describe } from './judge.js';

const SERVERS = ['brigade', 'nginx', 'apache'];

function cell(s, width = 48) {
  const t = String(s).replace(/[\r\n\t|]+/g, ' ');
  return t.length > width ? `${t.slice(0, width - 1)}…` : t;
}

/** rows: [{ kase, outcomes, verdict, known }] → per-category and total correct counts. */
export function counts(rows, categories) {
  const per = {};
  for (const c of categories) per[c] = { cases: 0, brigade: 0, nginx: 0, apache: 0 };
  for (const r of rows) {
    const p = per[r.kase.category];
    p.cases++;
    for (const s of SERVERS) if (!r.verdict.fail[s]) p[s]++;
  }
  const total = { cases: 0, brigade: 0, nginx: 0, apache: 0 };
  for (const p of Object.values(per)) for (const k of Object.keys(total)) total[k] += p[k];
  return { per, total };
}

export function summaryTable({ per, total }) {
  const lines = ['| category | cases | brigade | nginx | apache |', '|---|---|---|---|---|'];
  for (const [c, p] of Object.entries(per)) if (p.cases) lines.push(`| ${c} | ${p.cases} | ${p.brigade} | ${p.nginx} | ${p.apache} |`);
  lines.push(`| **total** | ${total.cases} | ${total.brigade} | ${total.nginx} | ${total.apache} |`);
  return lines.join('\n');
}

function verdictText(r) {
  const v = r.verdict;
  const text = {
    laxer: 'LAXER than both',
    'laxer-than-one': `laxer than ${v.fail.nginx ? 'apache' : 'nginx'}`,
    'all-wrong': 'all three wrong',
    stricter: 'as strict or stricter',
    equal: 'equal',
    different: 'different but safe',
  }[v.kind];
  const notes = [];
  if (v.fail.brigade) notes.push(`brigade: ${v.fail.brigade}`);
  if (v.note) notes.push(v.note);
  for (const s of ['nginx', 'apache']) if (v.fail[s]) notes.push(`${s}: ${v.fail[s]}`);
  if (v.kind === 'different' && r.kase.note) notes.push(r.kase.note);
  if (v.kind === 'different' && !r.kase.note) notes.push(`${r.kase.expect === 'either' ? 'either answer is allowed' : 'all correct'}`);
  if (v.smuggleFlag) notes.push('SMUGGLE: brigade answered what another server did not');
  if (r.known) notes.push(`known: ${r.known.reason}`);
  return `${text}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

export function caseTable(rows, { onlyInteresting = false } = {}) {
  const lines = ['| case | category | brigade | nginx | apache | verdict |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    if (onlyInteresting && r.verdict.kind === 'equal') continue;
    const o = r.outcomes;
    lines.push(`| ${cell(r.kase.id, 40)} | ${r.kase.category} | ${cell(describe(o.brigade))} | ${cell(describe(o.nginx))} | ${cell(describe(o.apache))} | ${cell(verdictText(r), 400)} |`);
  }
  return lines.join('\n');
}
