// --update-docs: copies the plaintext and static-1k charts of this run to
// docs/img/ (committed; docs/benchmarks.md and README.md show them).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../contenders/paths.js';

export const DOCS_CHARTS = { plaintext: 'bench-plaintext.svg', 'static-1k': 'bench-static-1k.svg' };

export function updateDocsImages(charts) {
  const dir = path.join(REPO_ROOT, 'docs', 'img');
  mkdirSync(dir, { recursive: true });
  const written = [];
  for (const [workload, name] of Object.entries(DOCS_CHARTS)) {
    const chart = charts.find((c) => c.id === workload);
    if (!chart) continue;
    const dest = path.join(dir, name);
    copyFileSync(chart.file, dest);
    written.push(dest);
  }
  return written;
}
