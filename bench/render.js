// Re-renders an earlier run from its results file: recomputes the summaries
// from the raw runs (so a newer report format applies to old runs), prints
// the tables, and writes the charts and the HTML report again.
//   node bench/render.js bench/results/<timestamp>.json [--update-docs]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeCharts } from './lib/charts.js';
import { writeHtmlReport } from './lib/html-report.js';
import { updateDocsImages } from './lib/docs-images.js';
import { WORKLOADS } from './lib/workloads.js';
import { summarizeAll } from './lib/summaries.js';
import { printReport } from './lib/print.js';
import { BASELINES } from './lib/contenders.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node bench/render.js bench/results/<timestamp>.json [--update-docs]');
  process.exit(2);
}
const data = JSON.parse(readFileSync(file, 'utf8'));
// Results written before the matrix flag was stored: take it from the workload list.
for (const w of data.workloads) w.matrix ??= Boolean(WORKLOADS.find((x) => x.name === w.name)?.matrix);
Object.assign(data, summarizeAll(data.contenders, data.workloads, BASELINES));
printReport((l = '') => console.log(l), {
  summaries: data.summaries,
  ratios: data.ratios,
  workloads: data.workloads,
  opts: data.options,
  loadgenName: data.machine.loadGenerator.kind,
  idleCapped: data.idleCapped,
});
const dir = path.join(path.dirname(file), path.basename(file, '.json'));
const charts = writeCharts(dir, data);
console.log(`report: ${writeHtmlReport(dir, data, charts)}`);
if (args.includes('--update-docs')) for (const f of updateDocsImages(charts)) console.log(`docs: ${f}`);
