// A throughput cell (plaintext, json, static-*, ssi-gzip, c1000): correctness
// check, warm-up run (discarded), N measured runs of the load generator.
import { checkAnswer } from './check.js';
import { isAlive } from './server-process.js';
import { measureRun } from './measure.js';
import { progressLine } from './report.js';
import { wrkCellS } from './plan.js';

export async function runThroughput({ server, contender, workload, target, opts, ctx, progress }) {
  const planned = wrkCellS(opts);
  const entry = { path: target.path, label: target.label, connections: workload.connections ?? opts.connections, failure: null, warnings: [], warmup: null, runs: [] };
  const tag = `${contender.name} ${workload.name}`;
  const check = await checkAnswer(server.port, target);
  if (check.warning) {
    entry.warnings.push(check.warning);
    progress.log(`  ${tag}: WARNING ${check.warning}`);
  }
  if (!check.ok) {
    entry.failure = `wrong answer: ${check.problem}`;
    progress.log(`  ${tag}: FAILED ${check.problem}`);
    progress.advance(planned);
    return entry;
  }
  const runOne = (durationS) =>
    measureRun({
      loadgen: ctx.loadgen,
      server,
      url: `${target.scheme ?? 'http'}://127.0.0.1:${server.port}${target.path}`,
      headers: target.headers,
      connections: entry.connections,
      durationS,
      clientCpus: ctx.pinClient ? opts.clientCpus : null,
      benchCpus: ctx.benchCpus,
    });
  if (opts.warmup > 0) {
    progress.status(`${tag} warm-up`);
    entry.warmup = await runOne(opts.warmup);
    progress.advance(opts.warmup + 0.3);
    progress.log(progressLine(contender.name, workload.name, 0, 0, entry.warmup, { warmup: true }));
  }
  for (let i = 1; i <= opts.runs; i++) {
    if (!isAlive(server)) break;
    progress.status(`${tag} run ${i}/${opts.runs}`);
    const run = await runOne(opts.duration);
    entry.runs.push(run);
    progress.advance(opts.duration + 0.3);
    progress.log(progressLine(contender.name, workload.name, i, opts.runs, run));
  }
  progress.advance(0.3);
  if (!isAlive(server)) {
    entry.failure = `server exited during the runs (${JSON.stringify(server.exit)})\n${server.output.trim()}`;
  } else if (entry.runs.length && entry.runs.every((r) => !r.ok)) {
    entry.failure = `every run failed: ${entry.runs[0].error}`;
  } else if (entry.runs.some((r) => r.ok && !r.requests)) {
    entry.failure = 'a run completed no request';
  } else if (entry.runs.some((r) => r.ok && r.non2xx > 0)) {
    // Wrong statuses under load are wrong answers, whatever the speed.
    entry.failure = `answers outside 2xx/3xx under load (${entry.runs.reduce((s, r) => s + (r.non2xx ?? 0), 0)})`;
  }
  return entry;
}
