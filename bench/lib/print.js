// Prints the whole report to stdout: one table per workload (by kind), the
// ratio lines under each throughput table, and the brigade MPM matrix.
import { workloadTable, slowTable, idleTable, matrixTable } from './report.js';
import { BRIGADE_MPMS } from '../contenders/brigade.js';
import { formatClasses } from './scenario-classes.js';

export function printReport(log, { summaries, ratios, workloads, opts, loadgenName, idleCapped }) {
  for (const w of workloads) {
    const rows = summaries.filter((s) => s.workload === w.name);
    if (w.kind === 'wrk') {
      log(workloadTable(w, rows, { loadgenName, connections: opts.connections, durationS: opts.duration }));
      const lines = ratios.filter((r) => r.workload === w.name);
      if (lines.length) log('');
      for (const l of lines) log(l.text);
    } else if (w.kind === 'slow') {
      log(slowTable(w, rows, { loadgenName, connections: opts.connections, durationS: opts.duration, rate: opts.slowRate }));
    } else if (w.kind === 'classes') {
      log(`### ${w.title}`);
      for (const r of rows.filter((x) => x.status === 'ok')) log(`${r.contender}:\n${formatClasses(r.classes)}`);
      for (const r of rows.filter((x) => x.status === 'FAILED')) log(`${r.contender}: FAILED ${r.failure ?? ''}`);
    } else if (w.kind === 'idle') {
      log(idleTable(w, rows));
      if (idleCapped) log(`\nIdle connections ${idleCapped}.`);
    }
    log('');
  }
  const matrix = matrixTable(summaries, BRIGADE_MPMS.map((m) => `brigade-${m}`), workloads.filter((w) => w.matrix).map((w) => w.name));
  if (matrix) {
    log(matrix);
    log('');
  }
}
