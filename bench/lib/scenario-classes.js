// The overload-classes workload: brigade's service classes under 2x overload.
// Two classes share the queue servers — interactive (short handlers, a p90
// goal) and batch (long handlers, discretionary, capped queue) — driven by an
// open-loop generator at fixed rates. The same load runs once with goal
// scheduling and once FIFO; the result is each class's p90 against the goal.
import path from 'node:path';
import { REPO_ROOT } from '../contenders/paths.js';
import { runOpenLoop, percentile } from './open-loop.js';
import { startProcess, stopProcess } from './server-process.js';

export const CLASSES_DEFAULTS = {
  servers: 2, // queue servers (worker threads)
  interactiveMs: 2, // CPU per interactive request
  batchMs: 50, // CPU per batch request
  goalMs: 50, // interactive p90 goal
  overload: 2, // offered work / queue-server capacity
  interactiveShare: 0.1, // part of the offered work that is interactive
  batchQueue: 100, // batch queue cap (503 beyond)
  work: 'cpu', // 'cpu' burns the handler time, 'sleep' blocks the worker thread for it
  durationS: 10,
  warmupS: 2,
};

/** Request rates that offer `overload` times the queue servers' capacity. */
export function classRates(o) {
  const offeredMsPerS = o.overload * o.servers * 1000;
  return {
    interactive: (offeredMsPerS * o.interactiveShare) / o.interactiveMs,
    batch: (offeredMsPerS * (1 - o.interactiveShare)) / o.batchMs,
  };
}

async function getJson(port, p) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return res.json();
}

/** One run: a fresh server with the given scheduler, the open-loop load, per-class figures. */
export async function runClassesOnce(scheduler, o, { cpus = null, log = () => {} } = {}) {
  const rates = classRates(o);
  const script = path.join(REPO_ROOT, 'bench/servers/brigade-classes.js');
  const env = {
    PORT: '0',
    BENCH_SCHEDULER: scheduler,
    BENCH_QUEUE_SERVERS: String(o.servers),
    BENCH_GOAL_MS: String(o.goalMs),
    BENCH_BATCH_QUEUE: String(o.batchQueue),
    BENCH_INTERACTIVE_MS: String(o.interactiveMs),
    BENCH_BATCH_MS: String(o.batchMs),
    BENCH_WORK: o.work,
  };
  const server = await startProcess(`brigade-classes-${scheduler}`, { command: process.execPath, args: [script], env, cwd: REPO_ROOT, ready: 'line', script }, { cpus });
  try {
    log(`overload-classes: ${scheduler}: interactive ${rates.interactive.toFixed(0)} req/s, batch ${rates.batch.toFixed(1)} req/s for ${o.durationS} s (+${o.warmupS} s warm-up)`);
    const mixes = [
      { name: 'interactive', path: '/interactive/x', rate: rates.interactive },
      { name: 'batch', path: '/batch/x', rate: rates.batch },
    ];
    const results = await runOpenLoop({ port: server.port, mixes, durationS: o.durationS + o.warmupS, warmupS: o.warmupS });
    const serverView = await getJson(server.port, '/classes-stats');
    return {
      scheduler,
      classes: results.map((r) => {
        const goalMs = r.name === 'interactive' ? o.goalMs : null;
        const p90 = percentile(r.latencies, 90);
        return {
          name: r.name,
          rate: r.rate,
          sent: r.sent,
          ok: r.ok,
          rejected: r.rejected,
          errors: r.errors + r.other,
          unfinished: r.unfinished,
          p50: percentile(r.latencies, 50),
          p90,
          p99: percentile(r.latencies, 99),
          goalMs,
          metGoal: goalMs === null || p90 === null ? null : p90 <= goalMs,
        };
      }),
      server: serverView,
    };
  } finally {
    await stopProcess(server);
  }
}

/** Both runs; the verdict is the workload's point: goals keep the interactive goal, FIFO does not. */
export async function runClassesComparison(o, env = {}) {
  const goals = await runClassesOnce('goals', o, env);
  const fifo = await runClassesOnce('fifo', o, env);
  const met = (r) => r.classes.find((c) => c.name === 'interactive')?.metGoal;
  return { options: o, rates: classRates(o), runs: [goals, fifo], verdict: { goalsMeetsGoal: met(goals), fifoMeetsGoal: met(fifo) } };
}

/** The bench harness's scenario (bench/run.js, kind 'classes'): it starts its own servers. */
export async function runOverloadClasses({ opts, ctx, progress }) {
  // CPU-burning handlers need a core per queue server plus one for the main
  // thread; with fewer server CPUs they would measure CPU contention, not
  // scheduling, so the handlers then block their thread for the same time instead.
  const work = ctx.serverCpuCount >= CLASSES_DEFAULTS.servers + 1 ? 'cpu' : 'sleep';
  const o = { ...CLASSES_DEFAULTS, work, durationS: Math.max(opts.duration, 1) * 2, warmupS: opts.warmup ? 2 : 0 };
  progress.status('overload-classes: goal scheduling vs FIFO');
  const r = await runClassesComparison(o, { cpus: ctx.pinServer ? opts.serverCpus : null, log: (m) => progress.log(m) });
  return { label: '/interactive/x + /batch/x (queue servers, 2x overload)', ...r };
}

/** Text table of a comparison (used by the CLI and the bench report). */
export function formatClasses(r) {
  const f = (v) => (v === null ? '—' : v.toFixed(1));
  const lines = [
    `queue servers ${r.options.servers}; handler work: ${r.options.work}; interactive ${r.options.interactiveMs} ms at ${r.rates.interactive.toFixed(0)} req/s (p90 goal ${r.options.goalMs} ms), batch ${r.options.batchMs} ms at ${r.rates.batch.toFixed(1)} req/s (discretionary, queue cap ${r.options.batchQueue}); ${r.options.overload}x the queue servers' capacity, ${r.options.durationS} s measured`,
    'scheduler  class        sent    ok   503  err   p50 ms   p90 ms   p99 ms  goal    met',
  ];
  for (const run of r.runs) {
    for (const c of run.classes) {
      lines.push(
        `${run.scheduler.padEnd(10)} ${c.name.padEnd(11)} ${String(c.sent).padStart(5)} ${String(c.ok).padStart(5)} ${String(c.rejected).padStart(5)} ${String(c.errors + c.unfinished).padStart(4)} ${f(c.p50).padStart(8)} ${f(c.p90).padStart(8)} ${f(c.p99).padStart(8)}  ${c.goalMs === null ? '—   ' : `${c.goalMs}`.padEnd(4)}  ${c.metGoal === null ? '—' : c.metGoal ? 'yes' : 'NO'}`,
      );
    }
  }
  return lines.join('\n');
}
