// Turns raw runs into per-row summaries, and prints progress lines, the
// tables per workload and the ratio lines against the baseline.
import { median, min, max, sum } from './stats.js';

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

function fmt1(n) {
  return n === null || n === undefined ? '–' : n.toFixed(1);
}

function fmtPct(n) {
  return n === null || n === undefined ? '–' : n.toFixed(0);
}

export function progressLine(contender, workload, i, n, run, { warmup = false } = {}) {
  const label = warmup ? 'warm-up' : `run ${i}/${n}`;
  if (!run.ok) return `  ${contender.padEnd(10)} ${workload.padEnd(10)} ${label.padEnd(9)} ERROR: ${run.error}`;
  const extra = [
    `p99 ${fmtMs(run.latencyMs.p99)} ms`,
    `server ${fmtPct(run.serverCpuPct)}% CPU, ${fmt1(run.serverUsPerReq)} µs/req`,
    `client ${fmtPct(run.loadgenCpuPct)}%`,
  ];
  if (run.socketErrorsTotal || run.non2xx) extra.push(`errors ${run.socketErrorsTotal}/${run.non2xx}`);
  return `  ${contender.padEnd(10)} ${workload.padEnd(10)} ${label.padEnd(9)} ${fmtInt(run.rps).padStart(9)} req/s  (${extra.join(', ')})`;
}

/** Medians over the measured runs of one contender × workload (each metric separately). */
export function summarize(contender, workload, runs, failure = null) {
  const good = runs.filter((r) => r.ok);
  if (failure || good.length === 0) {
    return { contender, workload, status: 'FAILED', failure: failure ?? runs.find((r) => !r.ok)?.error ?? 'no runs', runs: good.length };
  }
  const pick = (f) => good.map(f);
  const loadgenCpuPct = median(pick((r) => r.loadgenCpuPct));
  return {
    contender,
    workload,
    status: 'ok',
    failure: null,
    runs: good.length,
    failedRuns: runs.length - good.length,
    rps: { median: median(pick((r) => r.rps)), min: min(pick((r) => r.rps)), max: max(pick((r) => r.rps)) },
    p50Ms: median(pick((r) => r.latencyMs.p50)),
    p99Ms: median(pick((r) => r.latencyMs.p99)),
    serverCpuPct: median(pick((r) => r.serverCpuPct)),
    serverUsPerReq: median(pick((r) => r.serverUsPerReq)),
    loadgenCpuPct,
    clientBound: loadgenCpuPct !== null && loadgenCpuPct >= CLIENT_BOUND_PCT,
    otherCpuPctMax: max(pick((r) => r.otherCpuPct)),
    socketErrors: sum(pick((r) => r.socketErrorsTotal)),
    non2xx: sum(pick((r) => r.non2xx)),
  };
}

export function workloadTable(workload, rows, { loadgenName, connections, durationS }) {
  const lines = [];
  lines.push(`### ${workload.name} (${workload.path}) — ${loadgenName}, ${connections} connections, ${durationS} s runs`);
  lines.push('');
  lines.push(
    `| contender | runs | req/s median (min–max) | p50 ms | p99 ms | server CPU % | server µs/req | ${loadgenName} CPU % | other CPU % (max) | errors (socket / non-2xx) |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  const notes = [];
  for (const s of rows) {
    if (s.status !== 'ok') {
      lines.push(`| ${s.contender} | FAILED | – | – | – | – | – | – | – | – |`);
      notes.push(`${s.contender} FAILED: ${s.failure}`);
      continue;
    }
    const rps = `${fmtInt(s.rps.median)} (${fmtInt(s.rps.min)}–${fmtInt(s.rps.max)})`;
    const client = `${fmtPct(s.loadgenCpuPct)}${s.clientBound ? ' (client-bound)' : ''}`;
    const runs = s.failedRuns ? `${s.runs} (+${s.failedRuns} failed)` : `${s.runs}`;
    if (s.otherCpuPctMax !== null && s.otherCpuPctMax > FOREIGN_LOAD_PCT) {
      notes.push(`${s.contender}: other CPU up to ${fmtPct(s.otherCpuPctMax)} % of a core — other processes used the bench CPUs, this row is not reliable`);
    }
    lines.push(
      `| ${s.contender} | ${runs} | ${rps} | ${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${fmtPct(s.serverCpuPct)} | ${fmt1(s.serverUsPerReq)} | ${client} | ${fmtPct(s.otherCpuPctMax)} | ${s.socketErrors} / ${s.non2xx} |`,
    );
  }
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}

function ratio(a, b) {
  return a !== null && b !== null && b !== 0 ? a / b : null;
}

/** "brigade vs node-http: 2.41× req/s, 0.39× CPU per request" for every non-baseline row. */
export function ratioLines(rows, baselineName) {
  const base = rows.find((r) => r.contender === baselineName && r.status === 'ok');
  if (!base) return [];
  const out = [];
  for (const r of rows) {
    if (r.contender === baselineName || r.status !== 'ok') continue;
    const rps = ratio(r.rps.median, base.rps.median);
    const cpu = ratio(r.serverUsPerReq, base.serverUsPerReq);
    let line = `${r.contender} vs ${baselineName}: ${rps === null ? '–' : rps.toFixed(2)}× req/s, ${cpu === null ? '–' : cpu.toFixed(2)}× CPU per request`;
    const bound = [r, base].filter((x) => x.clientBound).map((x) => x.contender);
    // A client-bound row measured the load generator, so its req/s is only a lower bound.
    if (bound.length) line += ` (client-bound: ${bound.join(', ')} — req/s ratio not meaningful, compare CPU per request)`;
    const loaded = [r, base].filter((x) => x.otherCpuPctMax !== null && x.otherCpuPctMax > FOREIGN_LOAD_PCT);
    if (loaded.length) line += ' (foreign load on the bench CPUs — not reliable)';
    out.push({ contender: r.contender, baseline: baselineName, rpsRatio: rps, cpuPerReqRatio: cpu, clientBound: bound, text: line });
  }
  return out;
}
