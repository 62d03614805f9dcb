// Turns raw runs into per-row summaries, and prints progress lines, the
// tables per workload (throughput, slow readers, idle connections, the
// brigade MPM matrix) and the ratio lines against the baselines.
import { median, min, max, sum } from './stats.js';
import { parseWrkOutput } from './wrk.js';

export const CLIENT_BOUND_PCT = 95;
// Above this, something besides server and load generator used the bench CPUs.
export const FOREIGN_LOAD_PCT = 10;

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function fmtInt(n) {
  return n === null || n === undefined ? '–' : intFmt.format(Math.round(n));
}

/** Milliseconds with about 3 significant digits (0.650, 1.630, 37.2, 309). */
export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 10) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

export function fmt1(n) {
  return n === null || n === undefined ? '–' : n.toFixed(1);
}

function fmtPct(n) {
  return n === null || n === undefined ? '–' : n.toFixed(0);
}

export function progressLine(contender, workload, i, n, run, { warmup = false } = {}) {
  const label = warmup ? 'warm-up' : `run ${i}/${n}`;
  const head = `  ${contender.padEnd(14)} ${workload.padEnd(12)} ${label.padEnd(9)}`;
  if (!run.ok) return `${head} ERROR: ${run.error}`;
  const extra = [
    `p99 ${fmtMs(run.latencyMs.p99)} ms`,
    `server ${fmtPct(run.serverCpuPct)}% CPU, ${fmt1(run.serverUsPerReq)} µs/req`,
    `client ${fmtPct(run.loadgenCpuPct)}%`,
  ];
  if (run.otherCpuPct !== null && run.otherCpuPct > FOREIGN_LOAD_PCT) extra.push(`other ${fmtPct(run.otherCpuPct)}%!`);
  if (run.socketErrorsTotal || run.non2xx) extra.push(`errors ${run.socketErrorsTotal}/${run.non2xx}`);
  return `${head} ${fmtInt(run.rps).padStart(9)} req/s  (${extra.join(', ')})`;
}

/** Medians over the measured runs of one contender × workload (each metric separately). */
export function summarize(contender, workload, runs, failure = null, extra = {}) {
  const good = runs.filter((r) => r.ok);
  if (failure || good.length === 0) {
    return { contender, workload, ...extra, status: 'FAILED', failure: failure ?? runs.find((r) => !r.ok)?.error ?? 'no runs', runs: good.length };
  }
  const pick = (f) => good.map(f);
  const loadgenCpuPct = median(pick((r) => r.loadgenCpuPct));
  // Connections that were really being served, by Little's law: req/s × mean
  // latency. wrk 4.1 never counts a request that gets no answer at all, so a
  // connection the server leaves waiting (no thread for it) only shows here.
  const avgMs = (r) => r.latencyMs.avg ?? (r.rawOutput ? parseWrkOutput(r.rawOutput).latencyMs.avg : null);
  const activeConns = median(pick((r) => (avgMs(r) === null || !r.rps ? null : (r.rps * avgMs(r)) / 1000)));
  const otherCpuPctMax = max(pick((r) => r.otherCpuPct));
  return {
    contender,
    workload,
    ...extra,
    status: 'ok',
    failure: null,
    runs: good.length,
    failedRuns: runs.length - good.length,
    rps: { median: median(pick((r) => r.rps)), min: min(pick((r) => r.rps)), max: max(pick((r) => r.rps)) },
    activeConns,
    p50Ms: median(pick((r) => r.latencyMs.p50)),
    p99Ms: median(pick((r) => r.latencyMs.p99)),
    serverCpuPct: median(pick((r) => r.serverCpuPct)),
    serverUsPerReq: median(pick((r) => r.serverUsPerReq)),
    loadgenCpuPct,
    clientBound: loadgenCpuPct !== null && loadgenCpuPct >= CLIENT_BOUND_PCT,
    otherCpuPctMax,
    foreignLoad: otherCpuPctMax !== null && otherCpuPctMax > FOREIGN_LOAD_PCT,
    socketErrors: sum(pick((r) => r.socketErrorsTotal)),
    non2xx: sum(pick((r) => r.non2xx)),
  };
}

/** A row for a contender that did not take part: status 'N/A' or 'SKIPPED' with the reason. */
export function absentRow(contender, workload, status, reason, extra = {}) {
  return { contender, workload, ...extra, status, failure: reason, runs: 0 };
}

function notesFor(rows) {
  const notes = [];
  for (const s of rows) {
    if (s.status !== 'ok') notes.push(`${s.contender} ${s.status}: ${s.failure}`);
    else if (s.foreignLoad) {
      notes.push(`${s.contender}: other CPU up to ${fmtPct(s.otherCpuPctMax)} % of a core — other processes used the bench CPUs, this row is not reliable`);
    }
  }
  return notes;
}

export function workloadTable(workload, rows, { loadgenName, connections, durationS }) {
  const lines = [];
  const conns = workload.connections ?? connections;
  lines.push(`### ${workload.name}: ${workload.title} — ${loadgenName}, ${conns} connections, ${durationS} s runs`);
  lines.push('');
  lines.push(
    `| contender | path | runs | req/s median (min–max) | p50 ms | p99 ms | server CPU % | server µs/req | ${loadgenName} CPU % | other CPU % (max) | errors (socket / non-2xx) |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of rows) {
    if (s.status !== 'ok') {
      lines.push(`| ${s.contender} | ${s.label ?? '–'} | ${s.status} | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const rps = `${fmtInt(s.rps.median)} (${fmtInt(s.rps.min)}–${fmtInt(s.rps.max)})`;
    const client = `${fmtPct(s.loadgenCpuPct)}${s.clientBound ? ' (client-bound)' : ''}`;
    const runs = s.failedRuns ? `${s.runs} (+${s.failedRuns} failed)` : `${s.runs}`;
    const other = `${fmtPct(s.otherCpuPctMax)}${s.foreignLoad ? ' (foreign load!)' : ''}`;
    lines.push(
      `| ${s.contender} | ${s.label} | ${runs} | ${rps} | ${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${fmtPct(s.serverCpuPct)} | ${fmt1(s.serverUsPerReq)} | ${client} | ${other} | ${s.socketErrors} / ${s.non2xx} |`,
    );
  }
  const notes = notesFor(rows);
  if (notes.length) lines.push('', ...notes.map((n) => `* ${n}`));
  return lines.join('\n');
}

function ratio(a, b) {
  return a !== null && a !== undefined && b !== null && b !== undefined && b !== 0 ? a / b : null;
}

/** "brigade-looper vs node-http: 2.41× req/s, 0.39× CPU per request" for every other measured row. */
export function ratioLines(rows, baselineName) {
  const base = rows.find((r) => r.contender === baselineName && r.status === 'ok');
  if (!base) return [];
  const out = [];
  for (const r of rows) {
    if (r.contender === baselineName || r.status !== 'ok') continue;
    const rps = ratio(r.rps.median, base.rps.median);
    const cpu = ratio(r.serverUsPerReq, base.serverUsPerReq);
    let line = `${r.contender} vs ${baselineName}: ${rps === null ? '–' : rps.toFixed(2)}× req/s, ${cpu === null ? '–' : cpu.toFixed(2)}× CPU per request`;
    if (r.label !== base.label) line += ` (paths differ: ${r.label} vs ${base.label})`;
    const bound = [r, base].filter((x) => x.clientBound).map((x) => x.contender);
    // A client-bound row measured the load generator, so its req/s is only a lower bound.
    if (bound.length) line += ` (client-bound: ${bound.join(', ')} — req/s ratio not meaningful, compare CPU per request)`;
    const loaded = [r, base].filter((x) => x.foreignLoad);
    if (loaded.length) line += ' (foreign load on the bench CPUs — not reliable)';
    out.push({ contender: r.contender, baseline: baselineName, rpsRatio: rps, cpuPerReqRatio: cpu, clientBound: bound, foreignLoad: loaded.length > 0, text: line });
  }
  return out;
}

/** Slow readers: one row per contender × N (fast-client figures + what the slow readers got). */
export function slowTable(workload, rows, { loadgenName, connections, durationS, rate }) {
  const lines = [
    `### ${workload.name}: ${workload.title} — ${loadgenName} ${connections} connections on /1k.bin, ${durationS} s runs, slow readers at ${(rate / 1024).toFixed(0)} KiB/s each`,
    '',
    `| contender | slow readers | fast req/s median (min–max) | fast p50 ms | fast p99 ms | fast conns served (of ${connections}) | vs static-1k | server µs/req | slow readers served | slow median KiB/s | other CPU % (max) | errors (socket / non-2xx) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of rows) {
    if (s.status !== 'ok') {
      lines.push(`| ${s.contender} | ${s.n ?? '–'} | ${s.status} | – | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const slow = s.slow;
    const active = s.activeConns === null || s.activeConns === undefined ? '–' : `≈ ${Math.min(connections, Math.round(s.activeConns))}`;
    const served = slow ? `${slow.served}/${slow.n}` : '–';
    const vs = s.vsStatic1k === null || s.vsStatic1k === undefined ? '–' : `${s.vsStatic1k.toFixed(2)}×`;
    lines.push(
      `| ${s.contender} | ${s.n} | ${fmtInt(s.rps.median)} (${fmtInt(s.rps.min)}–${fmtInt(s.rps.max)}) | ${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${active} | ${vs} | ${fmt1(s.serverUsPerReq)} | ${served} | ${slow ? (slow.rateMedianBps / 1024).toFixed(1) : '–'} | ${fmtPct(s.otherCpuPctMax)}${s.foreignLoad ? ' (foreign load!)' : ''} | ${s.socketErrors} / ${s.non2xx} |`,
    );
  }
  const notes = notesFor(rows.filter((r, i) => rows.findIndex((x) => x.contender === r.contender) === i || r.status === 'ok'));
  if (notes.length) lines.push('', ...notes.map((n) => `* ${n}`));
  lines.push(
    '',
    '"vs static-1k": fast-client req/s with the slow readers ÷ the same contender\'s static-1k median without them.',
    '"fast conns served" = req/s × wrk\'s mean latency (Little\'s law): how many of wrk\'s connections the server was really serving; wrk 4.1 does not count a request that never gets an answer, so starved connections show only here.',
    'wrk runs here with a 2 s request timeout: socket errors are mostly answers that came later than 2 s.',
  );
  return lines.join('\n');
}

function mib(kib) {
  return kib === null || kib === undefined ? '–' : (kib / 1024).toFixed(1);
}

export function idleTable(workload, rows) {
  const lines = [
    `### ${workload.name}: ${workload.title} — one request each, then held idle (fresh server)`,
    '',
    '| contender | path | answered / opened | closed by server | procs / threads before → during | RSS MiB before → during | RSS KiB per held conn | PSS KiB per held conn | fresh request before | fresh request during |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const fresh = (f) => (!f ? '–' : f.error ? `no answer (${f.error})` : `${fmtMs(f.ms)} ms (${f.status})`);
  for (const s of rows) {
    if (s.status !== 'ok') {
      lines.push(`| ${s.contender} | ${s.label ?? '–'} | ${s.status} | – | – | – | – | – | – | – |`);
      continue;
    }
    const h = s.held;
    const pt = (m) => (m ? `${m.processes} / ${m.threads}` : '–');
    lines.push(
      `| ${s.contender} | ${s.label} | ${h.answered} / ${h.opened} of ${s.n} | ${s.report?.closedByServer ?? '–'} | ${pt(s.before)} → ${pt(s.during)} | ${mib(s.before?.rssKiB)} → ${mib(s.during?.rssKiB)} | ${s.kibPerConn === undefined ? '–' : s.kibPerConn.toFixed(2)} | ${s.pssKibPerConn === undefined ? '–' : s.pssKibPerConn.toFixed(2)} | ${fresh(s.freshBefore)} | ${fresh(s.freshDuring)} |`,
    );
  }
  const notes = notesFor(rows);
  if (notes.length) lines.push('', ...notes.map((n) => `* ${n}`));
  return lines.join('\n');
}

/** brigade's MPMs side by side on the matrix workloads: req/s and µs/req. */
export function matrixTable(summaries, mpmNames, workloadNames) {
  const present = workloadNames.filter((w) => summaries.some((s) => s.workload === w));
  const mpms = mpmNames.filter((m) => summaries.some((s) => s.contender === m));
  if (!present.length || !mpms.length) return null;
  const lines = [
    '### brigade MPM matrix — req/s median (server µs/req)',
    '',
    `| MPM | ${present.join(' | ')} |`,
    `|---|${present.map(() => '---').join('|')}|`,
  ];
  for (const m of mpms) {
    const cells = present.map((w) => {
      const s = summaries.find((x) => x.contender === m && x.workload === w);
      if (!s) return '–';
      if (s.status !== 'ok') return s.status;
      return `${fmtInt(s.rps.median)} (${fmt1(s.serverUsPerReq)})${s.foreignLoad ? ' !' : ''}${s.clientBound ? ' cb' : ''}`;
    });
    lines.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  lines.push('', '"!" = foreign load on the bench CPUs during that row; "cb" = client-bound.');
  return lines.join('\n');
}
