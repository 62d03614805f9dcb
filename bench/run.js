// `npm run bench`: starts every contender pinned to the server CPUs, checks its
// answers, drives it with wrk pinned to the client CPUs, and prints medians,
// CPU cost per request and ratios against node:http. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseOptions, USAGE } from './lib/args.js';
import { installCleanupHandlers, killAllNow } from './lib/cleanup.js';
import { ensureLoadGenerator } from './lib/loadgen.js';
import { canPin } from './lib/pinning.js';
import { expandCpuList, busyPercent } from './lib/proc-cpu.js';
import { selectWorkloads } from './lib/workloads.js';
import {
  BASELINE, REPO_ROOT, selectContenders, startServer, stopServer, checkAnswer, isAlive,
} from './lib/contenders.js';
import { measureRun } from './lib/measure.js';
import { progressLine, summarize, workloadTable, ratioLines } from './lib/report.js';
import { machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';

const log = (...a) => console.log(...a);

function setup(opts) {
  const contenders = selectContenders(opts.only);
  const workloads = selectWorkloads(opts.workloads);
  const loadgen = ensureLoadGenerator(opts.loadgen, log);
  const machine = machineInfo(loadgen);

  const pinServer = canPin(opts.serverCpus);
  const pinClient = canPin(opts.clientCpus);
  if (!pinServer) log(`bench: WARNING cannot pin servers to CPU(s) ${opts.serverCpus} (taskset missing or CPU offline); servers run unpinned`);
  if (!pinClient) log(`bench: WARNING cannot pin the load generator to CPU(s) ${opts.clientCpus}; it runs unpinned`);
  const serverSet = expandCpuList(opts.serverCpus);
  const clientSet = expandCpuList(opts.clientCpus);
  if (serverSet.some((c) => clientSet.includes(c))) {
    log('bench: WARNING server and client CPU sets overlap; server CPU figures include contention with the load generator');
  }
  // Keep this script's own polling off the server's CPUs. Only when the servers
  // can be pinned, since an unpinned child would inherit the client CPUs.
  if (pinServer && pinClient) {
    spawnSync('taskset', ['-a', '-p', '-c', opts.clientCpus, String(process.pid)], { stdio: 'ignore' });
  }
  const benchCpus = [...new Set([...serverSet, ...clientSet])].sort((a, b) => a - b);
  return { contenders, workloads, loadgen, machine, benchCpus, pinServer, pinClient };
}

async function benchContender(contender, ctx, opts) {
  const { workloads, loadgen, benchCpus } = ctx;
  const record = { contender: contender.name, script: null, pid: null, port: null, failure: null, warnings: [], workloads: {} };
  const failAll = (why) => {
    record.failure = why;
    for (const w of workloads) record.workloads[w.name] ??= { failure: why, warmup: null, runs: [] };
  };

  let server;
  try {
    server = await startServer(contender, { cpus: ctx.pinServer ? opts.serverCpus : null });
  } catch (err) {
    log(`${contender.name}: FAILED to start: ${err.message}`);
    failAll(`failed to start: ${err.message.split('\n')[0]}`);
    return record;
  }
  Object.assign(record, { script: path.relative(REPO_ROOT, server.script), pid: server.pid, port: server.port });
  log(`${contender.name}: pid ${server.pid}, port ${server.port}, ${record.script}${server.pinned ? `, pinned to CPU ${opts.serverCpus}` : ', unpinned'}`);

  try {
    for (const w of workloads) {
      const entry = { failure: null, warmup: null, runs: [] };
      record.workloads[w.name] = entry;
      if (!isAlive(server)) {
        entry.failure = `server exited (${JSON.stringify(server.exit)})`;
        continue;
      }
      // A contender is measured only after it gave the exact expected answer.
      const check = await checkAnswer(server, w);
      if (check.warning) {
        record.warnings.push(check.warning);
        log(`  ${contender.name}: WARNING ${check.warning}`);
      }
      if (!check.ok) {
        entry.failure = `wrong answer: ${check.problem}`;
        log(`  ${contender.name.padEnd(10)} ${w.name.padEnd(10)} FAILED ${check.problem}`);
        continue;
      }
      const url = `http://127.0.0.1:${server.port}${w.path}`;
      const runOne = (durationS) =>
        measureRun({ loadgen, server, url, connections: opts.connections, durationS, clientCpus: ctx.pinClient ? opts.clientCpus : null, benchCpus });

      if (opts.warmup > 0) {
        entry.warmup = await runOne(opts.warmup);
        log(progressLine(contender.name, w.name, 0, 0, entry.warmup, { warmup: true }));
      }
      for (let i = 1; i <= opts.runs; i++) {
        if (!isAlive(server)) break;
        const run = await runOne(opts.duration);
        entry.runs.push(run);
        log(progressLine(contender.name, w.name, i, opts.runs, run));
      }
      if (!isAlive(server)) {
        entry.failure = `server exited during the runs (${JSON.stringify(server.exit)})\n${server.output.trim()}`;
      } else if (entry.runs.length && entry.runs.every((r) => !r.ok)) {
        entry.failure = `every run failed: ${entry.runs[0].error}`;
      } else if (entry.runs.some((r) => r.ok && !r.requests)) {
        entry.failure = 'a run completed no request';
      }
    }
  } finally {
    await stopServer(server);
  }
  return record;
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  installCleanupHandlers();
  const startedAt = new Date();
  const ctx = setup(opts);
  const { machine } = ctx;
  const loadgenName = ctx.loadgen.kind;

  log(`machine: ${machine.cpuModel}, ${machine.nproc} CPUs, kernel ${machine.kernel}, node ${machine.node}`);
  log(`load generator: ${loadgenName} ${ctx.loadgen.version}${ctx.loadgen.reason ? ` — FALLBACK (${ctx.loadgen.reason}); numbers are not comparable with wrk runs` : ''}`);
  log(
    `protocol: servers on CPU ${opts.serverCpus}, ${loadgenName} on CPU ${opts.clientCpus}, ${opts.connections} connections, ` +
      `${opts.warmup ? `${opts.warmup} s warm-up + ` : 'no warm-up, '}${opts.runs} × ${opts.duration} s` +
      `${opts.quick ? ' (--quick: correctness check only, timings are not meaningful)' : ''}`,
  );
  // Anything already busy on the bench CPUs will distort every row; say so up front.
  const idleBusyPct = await busyPercent(ctx.benchCpus, 1000);
  machine.busyBeforeStartPct = idleBusyPct;
  if (idleBusyPct !== null && idleBusyPct > 10) {
    log(`WARNING: CPU(s) ${ctx.benchCpus.join(',')} were ${idleBusyPct.toFixed(0)} % busy (of one core) before the bench started — other processes are running; results will not be reliable`);
  }
  if (process.env.BRIGADE_IO_THREADS) log(`brigade ioThreads: ${process.env.BRIGADE_IO_THREADS}`);
  for (const c of ctx.contenders) {
    if (process.env[c.overrideEnv]) log(`${c.name}: server script overridden by ${c.overrideEnv}=${process.env[c.overrideEnv]}`);
  }
  log('');

  const records = [];
  for (const c of ctx.contenders) records.push(await benchContender(c, ctx, opts));

  const summaries = [];
  const ratios = [];
  log('');
  for (const w of ctx.workloads) {
    const rows = records.map((r) => {
      const e = r.workloads[w.name];
      return summarize(r.contender, w.name, e?.runs ?? [], e?.failure ?? r.failure ?? null);
    });
    summaries.push(...rows);
    log(workloadTable(w, rows, { loadgenName, connections: opts.connections, durationS: opts.duration }));
    const lines = ratioLines(rows, BASELINE);
    for (const l of lines) {
      ratios.push({ workload: w.name, ...l });
      log(l.text);
    }
    log('');
  }

  const failed = summaries.filter((s) => s.status !== 'ok');
  if (opts.save) {
    const file = writeResults(path.join(REPO_ROOT, 'bench', 'results'), {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options: { ...opts, help: undefined },
      env: {
        BRIGADE_IO_THREADS: process.env.BRIGADE_IO_THREADS ?? null,
        BENCH_BRIGADE_SERVER: process.env.BENCH_BRIGADE_SERVER ?? null,
        BENCH_NODE_HTTP_SERVER: process.env.BENCH_NODE_HTTP_SERVER ?? null,
      },
      machine,
      pinning: { servers: ctx.pinServer, client: ctx.pinClient },
      summaries,
      ratios,
      contenders: records,
    }, startedAt);
    log(`results: ${path.relative(process.cwd(), file)}`);
  }
  if (failed.length) {
    log(`FAILED: ${failed.map((f) => `${f.contender}/${f.workload}`).join(', ')}`);
    return 1;
  }
  if (opts.quick) log('quick check passed: every contender answered every workload correctly');
  return 0;
}

main().then(
  (code) => {
    killAllNow();
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench: ${err.stack ?? err.message}`);
    killAllNow();
    process.exitCode = 1;
  },
);
