// Which charts a run produces (one SVG per workload, plus the brigade MPM
// matrix) and what goes into each, from the results data.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { groupedBarChart } from './svg.js';
import { fmtInt, fmtMs, fmt1 } from './report.js';
import { BRIGADE_MPMS } from '../contenders/brigade.js';

const PALETTE = {
  'brigade-looper': '#1f5fbf',
  'brigade-event': '#3d8fe0',
  'brigade-worker': '#7fb5ee',
  'brigade-leader': '#0f3b7a',
  'node-http': '#3b9a4a',
  'node-cluster': '#8fcf7f',
  'apache-worker': '#d9622b',
  'apache-event': '#f0a35e',
  nginx: '#8e44ad',
  floor: '#7a7a7a',
};

function series(names) {
  return names.map((name) => ({ name, color: PALETTE[name] ?? '#999' }));
}

function flags(s) {
  const f = [];
  if (s.clientBound) f.push('client-bound');
  if (s.foreignLoad) f.push('foreign load!');
  return f.length ? ` (${f.join(', ')})` : '';
}

function absentWord(s) {
  if (s.status === 'ok') return null;
  return s.status === 'N/A' ? `N/A — ${short(s.failure)}` : s.status === 'SKIPPED' ? 'SKIPPED (not installed)' : 'FAILED';
}

function short(text) {
  const t = String(text ?? '');
  return t.length > 70 ? `${t.slice(0, 67)}…` : t;
}

function machineLine(data) {
  const m = data.machine;
  return `${m.cpuModel}, ${m.nproc} CPUs, ${m.kernel}, Node ${m.node}, ${m.loadGenerator.kind} ${m.loadGenerator.version}; ${data.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
}

function protocolLine(data, conns) {
  const o = data.options;
  return `${conns} connections, ${o.warmup ? `${o.warmup} s warm-up + ` : ''}${o.runs} × ${o.duration} s; server pinned to CPU ${o.serverCpus}, load generator to CPU ${o.clientCpus}; bar = median, whisker = min–max`;
}

function pathNotes(rows) {
  const byLabel = new Map();
  for (const s of rows) if (s.label) byLabel.set(s.label, [...(byLabel.get(s.label) ?? []), s.contender]);
  if (byLabel.size < 2) return rows[0]?.label ? [`path: ${rows[0].label}`] : [];
  return [...byLabel].map(([label, names]) => `${names.join(', ')}: ${label}`);
}

function throughputChart(data, w) {
  const rows = data.summaries.filter((s) => s.workload === w.name);
  const bar = (s, metric) => {
    const absent = absentWord(s);
    if (absent) return { series: s.contender, absent };
    if (metric === 'rps') return { series: s.contender, value: s.rps.median, min: s.rps.min, max: s.rps.max, text: `${fmtInt(s.rps.median)}${flags(s)}` };
    return { series: s.contender, value: s.serverUsPerReq ?? 0, text: `${fmt1(s.serverUsPerReq)} µs` };
  };
  return groupedBarChart({
    title: `${w.title} — requests per second and server CPU per request`,
    subtitle: [protocolLine(data, w.connections), machineLine(data)],
    series: series(rows.map((s) => s.contender)),
    panels: [
      { title: 'Throughput (higher is better)', unit: 'requests per second (median of the runs)', groups: [{ bars: rows.map((s) => bar(s, 'rps')) }] },
      { title: 'Server CPU per request (lower is better)', unit: 'server CPU time per request, µs (user + system, whole process tree)', groups: [{ bars: rows.map((s) => bar(s, 'cpu')) }] },
    ],
    footnotes: [
      ...pathNotes(rows),
      'client-bound: wrk used ≥ 95 % of its core, so req/s is a lower bound for that server — compare CPU per request.',
    ],
  });
}

function slowChart(data, w) {
  const rows = data.summaries.filter((s) => s.workload === w.name);
  const contenders = [...new Set(rows.map((s) => s.contender))];
  const ns = [...new Set(rows.filter((s) => s.n).map((s) => s.n))].sort((a, b) => a - b);
  const groups = (metric) =>
    ns.map((n) => ({
      label: `${n} slow readers`,
      bars: contenders.map((c) => {
        const s = rows.find((r) => r.contender === c && (r.n === n || r.n === undefined || r.n === null));
        if (!s || absentWord(s)) return { series: c, absent: s ? absentWord(s) : 'not run' };
        const conns = data.options.connections;
        const starved = s.activeConns !== null && s.activeConns !== undefined && s.activeConns < conns - 2 ? `, ≈${Math.round(s.activeConns)} of ${conns} conns served` : '';
        const errs = `${starved}${s.socketErrors ? `, ${fmtInt(s.socketErrors)} late (> 2 s)` : ''}`;
        if (metric === 'rps') return { series: c, value: s.rps.median, min: s.rps.min, max: s.rps.max, text: `${fmtInt(s.rps.median)}${errs}${flags(s)}` };
        if (s.p99Ms === null) return { series: c, absent: 'no request completed' };
        return { series: c, value: s.p99Ms, text: `${fmtMs(s.p99Ms)} ms` };
      }),
    }));
  const o = data.options;
  return groupedBarChart({
    title: `${w.title}`,
    subtitle: [
      `wrk ${o.connections} fast connections on /1k.bin while N clients each read /1m.bin at ${(o.slowRate / 1024).toFixed(0)} KiB/s; ${o.slowRuns} × ${o.duration} s per point`,
      machineLine(data),
    ],
    series: series(contenders),
    panels: [
      { title: 'Fast clients: throughput (higher is better)', unit: 'requests per second on /1k.bin (median)', groups: groups('rps') },
      { title: 'Fast clients: 99th percentile latency (lower is better)', unit: 'p99 latency, ms (median of the runs)', groups: groups('p99') },
    ],
    footnotes: [
      'Thread-per-connection servers (brigade worker/leader, apache-worker) have 1,024 threads: slow readers hold them.',
      '"conns served" = req/s × mean latency (Little\'s law): wrk connections the server really served; "late" = answers after more than 2 s.',
    ],
  });
}

function idleChart(data, w) {
  const rows = data.summaries.filter((s) => s.workload === w.name);
  const perConn = rows.map((s) => {
    const absent = absentWord(s);
    if (absent) return { series: s.contender, absent };
    if (s.kibPerConn === undefined || s.kibPerConn === null) return { series: s.contender, absent: 'no connection held' };
    return { series: s.contender, value: Math.max(0, s.kibPerConn), text: `${s.kibPerConn.toFixed(2)} KiB (${s.heldOpen} held)` };
  });
  const fresh = rows.map((s) => {
    const absent = absentWord(s);
    if (absent) return { series: s.contender, absent };
    const f = s.freshDuring;
    if (!f || f.error) return { series: s.contender, absent: `no answer (${short(f?.error ?? '?')})` };
    return { series: s.contender, value: f.ms, text: `${fmtMs(f.ms)} ms` };
  });
  return groupedBarChart({
    title: `${w.title}: memory per connection and a fresh request`,
    subtitle: [
      `${data.idleConns} keep-alive connections opened, one request each, then held idle; RSS of the server's process tree from /proc${data.idleCapped ? ` (${data.idleCapped})` : ''}`,
      machineLine(data),
    ],
    series: series(rows.map((s) => s.contender)),
    panels: [
      { title: 'Server RSS growth per held connection (lower is better)', unit: 'KiB per connection (RSS during − RSS before) ÷ connections held open', groups: [{ bars: perConn }] },
      { title: 'A fresh request on a new connection while they are held (lower is better)', unit: 'latency, ms', groups: [{ bars: fresh }] },
    ],
    footnotes: pathNotes(rows),
  });
}

function matrixChart(data) {
  const mpms = BRIGADE_MPMS.map((m) => `brigade-${m}`).filter((m) => data.summaries.some((s) => s.contender === m));
  const matrixWorkloads = data.workloads.filter((w) => ['plaintext', 'static-1k', 'static-1m', 'c1000'].includes(w.name));
  if (!mpms.length || !matrixWorkloads.length) return null;
  const groups = (metric) =>
    matrixWorkloads.map((w) => ({
      label: `${w.name}, c${w.connections}`,
      bars: mpms.map((m) => {
        const s = data.summaries.find((x) => x.contender === m && x.workload === w.name);
        if (!s || absentWord(s)) return { series: m, absent: s ? absentWord(s) : 'not run' };
        if (metric === 'rps') return { series: m, value: s.rps.median, min: s.rps.min, max: s.rps.max, text: `${fmtInt(s.rps.median)}${flags(s)}` };
        return { series: m, value: s.serverUsPerReq ?? 0, text: `${fmt1(s.serverUsPerReq)} µs` };
      }),
    }));
  return groupedBarChart({
    title: 'brigade MPMs side by side',
    subtitle: [`looper (default), event, worker and leader on the same workloads; threads = ${data.options.brigadeThreads} for worker/leader`, machineLine(data)],
    series: series(mpms),
    panels: [
      { title: 'Throughput (higher is better)', unit: 'requests per second (median)', groups: groups('rps') },
      { title: 'Server CPU per request (lower is better)', unit: 'µs of server CPU per request', groups: groups('cpu') },
    ],
    footnotes: ['plaintext = handler; static = server.static(); c1000 = /1k.bin with 1,000 connections.'],
  });
}

/** Writes every chart into dir; returns [{ id, title, file }]. */
export function writeCharts(dir, data) {
  mkdirSync(dir, { recursive: true });
  const charts = [];
  const add = (id, title, svg) => {
    if (!svg) return;
    const file = path.join(dir, `${id}.svg`);
    writeFileSync(file, svg);
    charts.push({ id, title, file });
  };
  for (const w of data.workloads) {
    if (!data.summaries.some((s) => s.workload === w.name)) continue;
    if (w.kind === 'wrk') add(w.name, w.title, throughputChart(data, w));
    else if (w.kind === 'slow') add(w.name, w.title, slowChart(data, w));
    else if (w.kind === 'idle') add(w.name, w.title, idleChart(data, w));
  }
  add('brigade-mpms', 'brigade MPMs side by side', matrixChart(data));
  return charts;
}
