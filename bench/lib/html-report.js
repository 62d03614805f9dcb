// bench/results/<timestamp>/report.html: one self-contained page with the
// machine, the protocol, every chart (inlined SVG) and every table.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { esc } from './svg.js';
import { printReport } from './print.js';

/** The bench's markdown tables and notes, as HTML. */
function markdownToHtml(md) {
  const out = [];
  let table = null;
  let list = null;
  const flush = () => {
    if (table) out.push(`<table>${table.join('')}</table>`);
    if (list) out.push(`<ul>${list.join('')}</ul>`);
    table = null;
    list = null;
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      if (/^\|(-+\|)+$/.test(line.replace(/\s/g, ''))) continue;
      const cells = line.slice(1, -1).split('|').map((c) => esc(c.trim()));
      const tag = table ? 'td' : 'th';
      table ??= [];
      table.push(`<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`);
      continue;
    }
    if (line.startsWith('* ')) {
      if (table) flush();
      list ??= [];
      list.push(`<li>${esc(line.slice(2))}</li>`);
      continue;
    }
    flush();
    if (line.startsWith('### ')) out.push(`<h3>${esc(line.slice(4))}</h3>`);
    else if (line.trim()) out.push(`<p>${esc(line)}</p>`);
  }
  flush();
  return out.join('\n');
}

export function writeHtmlReport(dir, data, charts) {
  const lines = [];
  printReport((l = '') => lines.push(l), {
    summaries: data.summaries,
    ratios: data.ratios,
    workloads: data.workloads,
    opts: data.options,
    loadgenName: data.machine.loadGenerator.kind,
    idleCapped: data.idleCapped,
  });
  const m = data.machine;
  const o = data.options;
  const contenders = data.contenders
    .map((c) => `<tr><td>${esc(c.contender)}</td><td>${esc(c.skipped ? `SKIPPED: ${c.skipped}` : c.description)}</td><td>${esc(c.version ?? '–')}</td></tr>`)
    .join('');
  const svgs = charts
    .map((c) => `<figure id="${esc(c.id)}">${readFileSync(c.file, 'utf8').replace(/^<\?xml[^>]*>/, '')}<figcaption>${esc(path.basename(c.file))}</figcaption></figure>`)
    .join('\n');
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>brigade bench ${esc(data.startedAt)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f2f2f2}figure{margin:1.5em 0}figcaption{font-size:12px;color:#777}code{background:#f4f4f4;padding:0 3px}
.warn{color:#a40}
</style></head><body>
<h1>brigade benchmark report</h1>
<p>${esc(data.startedAt)} → ${esc(data.finishedAt)} (${Math.round(data.elapsedS / 60)} min)${o.quick ? ' — <strong>--quick smoke run: timings are not meaningful</strong>' : ''}</p>
<h2>Machine</h2>
<table>
<tr><th>CPU</th><td>${esc(m.cpuModel)}, ${m.nproc} CPUs</td></tr>
<tr><th>kernel / OS</th><td>${esc(m.kernel)} / ${esc(m.os ?? '?')}</td></tr>
<tr><th>memory</th><td>${m.memTotalMiB} MiB</td></tr>
<tr><th>Node.js</th><td>${esc(m.node)}</td></tr>
<tr><th>load generator</th><td>${esc(m.loadGenerator.kind)} ${esc(m.loadGenerator.version)}${m.loadGenerator.fallbackReason ? ` (fallback: ${esc(m.loadGenerator.fallbackReason)})` : ''}</td></tr>
<tr><th>open files limit</th><td>${m.openFilesLimit ?? '?'}</td></tr>
<tr><th>busy before start</th><td class="${(m.busyBeforeStartPct ?? 0) > 10 ? 'warn' : ''}">${m.busyBeforeStartPct === null ? '?' : `${m.busyBeforeStartPct.toFixed(0)} % of one core on the bench CPUs`}</td></tr>
<tr><th>load average at start</th><td>${m.loadAverage.map((x) => x.toFixed(2)).join(', ')}</td></tr>
</table>
<h2>Protocol</h2>
<p>Servers pinned to CPU ${esc(o.serverCpus)}, load generator and clients to CPU ${esc(o.clientCpus)}; ${o.warmup ? `${o.warmup} s warm-up, ` : ''}${o.runs} × ${o.duration} s runs, ${o.connections} connections (c1000: 1000);
slow readers ${o.slowReaders.join(', ')} at ${o.slowRate} B/s each, ${o.slowRuns} run(s) per point; ${data.idleConns} idle connections${data.idleCapped ? ` (${esc(data.idleCapped)})` : ''}. See docs/benchmarks.md.</p>
<h2>Contenders</h2>
<table><tr><th>name</th><th>what</th><th>version</th></tr>${contenders}</table>
<h2>Charts</h2>
${svgs}
<h2>Tables</h2>
${markdownToHtml(lines.join('\n'))}
</body></html>
`;
  const file = path.join(dir, 'report.html');
  writeFileSync(file, html);
  return file;
}
