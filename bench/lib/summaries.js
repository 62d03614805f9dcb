// From the per-contender records to flat summary rows (one per contender ×
// workload, one per contender × N for slow readers) and the ratio lines.
import { summarize, absentRow, ratioLines } from './report.js';

function idleRow(contender, w, e) {
  const base = { contender, workload: w.name, kind: 'idle', label: e.label, n: e.n };
  if (e.failure) return { ...base, status: 'FAILED', failure: e.failure };
  return {
    ...base,
    status: 'ok',
    failure: null,
    held: e.held,
    report: e.report,
    before: e.before,
    during: e.during,
    heldOpen: e.heldOpen,
    rssGrowthKiB: e.rssGrowthKiB,
    kibPerConn: e.kibPerConn,
    pssKibPerConn: e.pssKibPerConn,
    freshBefore: e.freshBefore,
    freshDuring: e.freshDuring,
  };
}

export function summarizeAll(records, workloads, baselines) {
  const summaries = [];
  const ratios = [];
  for (const w of workloads) {
    const rows = [];
    for (const r of records) {
      const e = r.workloads[w.name];
      const extra = { kind: w.kind, label: e?.label ?? null };
      if (!e) continue;
      if (e.skipped) rows.push(absentRow(r.contender, w.name, 'SKIPPED', e.skipped, extra));
      else if (e.na) rows.push(absentRow(r.contender, w.name, 'N/A', e.na, extra));
      else if (w.kind === 'wrk') rows.push(summarize(r.contender, w.name, e.runs ?? [], e.failure ?? null, extra));
      else if (w.kind === 'idle') rows.push(idleRow(r.contender, w, e));
      else if (w.kind === 'classes') {
        if (e.failure) rows.push(absentRow(r.contender, w.name, 'FAILED', e.failure, extra));
        else rows.push({ contender: r.contender, workload: w.name, kind: 'classes', label: e.label, status: 'ok', failure: null, classes: e });
      }
      else if (w.kind === 'slow') {
        if (!e.points?.length) {
          rows.push(absentRow(r.contender, w.name, 'FAILED', e.failure ?? 'no point measured', extra));
          continue;
        }
        for (const p of e.points) {
          const row = summarize(r.contender, w.name, p.runs, e.failure ?? null, { ...extra, n: p.n, slow: p.slow });
          // Starved fast clients (0 requests) are a result: report 0 req/s rather than FAILED.
          rows.push(row);
        }
      }
    }
    if (w.kind === 'wrk') for (const b of baselines) ratios.push(...ratioLines(rows, b).map((l) => ({ workload: w.name, ...l })));
    summaries.push(...rows);
  }
  // Slow readers relative to the same contender's static-1k median without them.
  for (const s of summaries.filter((x) => x.kind === 'slow' && x.status === 'ok')) {
    const ref = summaries.find((x) => x.workload === 'static-1k' && x.contender === s.contender && x.status === 'ok');
    s.vsStatic1k = ref && ref.rps.median ? s.rps.median / ref.rps.median : null;
  }
  return { summaries, ratios };
}
