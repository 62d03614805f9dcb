// Slow readers: N clients (slow-readers.js) download /1m.bin at ~16 KiB/s each
// while wrk measures fast clients on /1k.bin. One point per N; the server
// stays the same across points. A server that starves the fast clients gets
// a run with few or no requests: that is a result here, not a failure.
import { checkAnswer } from './check.js';
import { startClient } from './client-process.js';
import { isAlive } from './server-process.js';
import { measureRun } from './measure.js';
import { progressLine } from './report.js';
import { slowPointS } from './plan.js';

const delay = (ms) => new Promise((res) => setTimeout(res, ms));
// wrk's request timeout here: a fast connection the server does not serve
// within 2 s (e.g. no thread left for it) shows up as timeout errors.
export const FAST_TIMEOUT_S = 2;

export async function runSlowReaders({ server, contender, workload, target, opts, ctx, progress }) {
  const entry = { path: target.path, label: `${target.label} + slow ${target.slowPath}`, connections: opts.connections, failure: null, warnings: [], points: [] };
  const planned = opts.slowReaders.reduce((s, _, i) => s + slowPointS(opts, i === 0), 0);
  const check = await checkAnswer(server.port, target);
  if (!check.ok) {
    entry.failure = `wrong answer: ${check.problem}`;
    progress.log(`  ${contender.name} ${workload.name}: FAILED ${check.problem}`);
    progress.advance(planned);
    return entry;
  }
  const clientCpus = ctx.pinClient ? opts.clientCpus : null;
  const runOne = (durationS, client) =>
    measureRun({
      loadgen: ctx.loadgen, server, url: `http://127.0.0.1:${server.port}${target.path}`,
      connections: opts.connections, durationS, timeoutS: FAST_TIMEOUT_S, clientCpus, benchCpus: ctx.benchCpus, clientPids: [client.pid],
    });
  for (const [index, n] of opts.slowReaders.entries()) {
    const tag = `${workload.name}@${n}`;
    const point = { n, connected: null, warmup: null, runs: [], slow: null };
    entry.points.push(point);
    if (!isAlive(server)) break;
    progress.status(`${contender.name} ${tag}: connecting ${n} slow readers`);
    const client = startClient('slow-readers.js', { port: server.port, path: target.slowPath, n, rate: opts.slowRate }, { cpus: clientCpus });
    const connected = await client.waitFor('CONNECTED ', 15000);
    point.connected = connected === null ? null : Number(connected);
    await delay(1000); // let every slow reader's window fill, so the server is holding their responses
    if (index === 0 && opts.warmup > 0) {
      point.warmup = await runOne(opts.warmup, client);
      progress.log(progressLine(contender.name, tag, 0, 0, point.warmup, { warmup: true }));
    }
    for (let i = 1; i <= opts.slowRuns; i++) {
      if (!isAlive(server)) break;
      progress.status(`${contender.name} ${tag} run ${i}/${opts.slowRuns}`);
      const run = await runOne(opts.duration, client);
      point.runs.push(run);
      progress.log(progressLine(contender.name, tag, i, opts.slowRuns, run));
    }
    const result = client.waitFor('RESULT ', 10000);
    await client.close();
    const text = await result;
    point.slow = text ? JSON.parse(text) : null;
    if (point.slow) {
      const s = point.slow;
      progress.log(
        `  ${contender.name.padEnd(14)} ${tag.padEnd(12)} slow readers: ${s.connected}/${n} connected, ${s.served} got body bytes, ` +
          `median ${(s.rateMedianBps / 1024).toFixed(1)} KiB/s each, ${s.closedByServer} closed by server, ${s.errors + s.badResponses} errors`,
      );
    } else {
      entry.warnings.push(`slow readers at N=${n} reported nothing: ${client.stderr.trim()}`);
    }
    progress.advance(slowPointS(opts, index === 0));
  }
  if (!isAlive(server)) {
    entry.failure = `server exited during the slow-reader runs (${JSON.stringify(server.exit)})\n${server.output.trim()}`;
  } else if (entry.points.some((p) => p.runs.length && p.runs.every((r) => !r.ok))) {
    entry.failure = `every run of a point failed: ${entry.points.flatMap((p) => p.runs).find((r) => !r.ok)?.error}`;
  } else if (opts.quick) {
    // The smoke run only asserts answers: fast clients served, slow readers fed.
    const bad = entry.points.find((p) => p.runs.some((r) => !r.requests || r.non2xx) || !p.slow || p.slow.served === 0 || p.slow.badResponses);
    if (bad) entry.failure = `at N=${bad.n}: fast clients or slow readers were not answered correctly`;
  }
  return entry;
}
