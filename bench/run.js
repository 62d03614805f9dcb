// `npm run bench`: starts every contender (brigade in each MPM, node:http,
// node cluster, Apache worker/event, nginx, the syscall floor) pinned to the
// server CPUs, checks its answers, drives it with wrk and the bench's own
// clients pinned to the client CPUs, and prints medians, CPU cost per request
// and ratios; writes results JSON, SVG charts and an HTML report.
// See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, USAGE } from './lib/args.js';
import { installCleanupHandlers, onExit, runMain } from './lib/cleanup.js';
import { ensureLoadGenerator } from './lib/loadgen.js';
import { canPin } from './lib/pinning.js';
import { expandCpuList, busyPercent } from './lib/proc-cpu.js';
import { selectWorkloads } from './lib/workloads.js';
import { BASELINES, REPO_ROOT, selectContenders } from './lib/contenders.js';
import { makeDocroot } from './lib/docroot.js';
import { makePlan } from './lib/plan.js';
import { Progress } from './lib/progress.js';
import { startProcess, stopProcess, isAlive } from './lib/server-process.js';
import { runThroughput } from './lib/scenario-throughput.js';
import { runSlowReaders } from './lib/scenario-slow.js';
import { runIdle } from './lib/scenario-idle.js';
import { runOverloadClasses } from './lib/scenario-classes.js';
import { summarizeAll } from './lib/summaries.js';
import { printReport } from './lib/print.js';
import { machineInfo, openFilesLimit } from './lib/machine.js';
import { writeResults, fileTimestamp } from './lib/results.js';
import { writeCharts } from './lib/charts.js';
import { writeHtmlReport } from './lib/html-report.js';
import { updateDocsImages } from './lib/docs-images.js';

const log = (...a) => console.log(...a);

async function setup(opts) {
  const contenders = selectContenders(opts.only);
  const workloads = selectWorkloads(opts.workloads);
  const loadgen = ensureLoadGenerator(opts.loadgen, log, { allowInstall: opts.allowInstall });

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

  // Configs, the docroot, the floor binary and server logs live in one temp dir.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'brigade-bench-'));
  chmodSync(tmp, 0o755); // Apache's and nginx's workers run unprivileged
  if (!opts.keepTemp) onExit(() => rmSync(tmp, { recursive: true, force: true }));
  const docroot = makeDocroot(path.join(tmp, 'docroot'));

  // Idle connections: the client and the server each need one fd per connection.
  const nofile = openFilesLimit();
  let idleConns = opts.idleConns;
  let idleCapped = null;
  if (nofile !== null && idleConns > nofile - 500) {
    idleConns = Math.max(100, nofile - 500);
    idleCapped = `capped from ${opts.idleConns} to ${idleConns} by the open-files limit (ulimit -n ${nofile})`;
  }
  const ctx = {
    tmp, docroot: docroot.dir, docrootFiles: docroot, loadgen, benchCpus, pinServer, pinClient,
    serverCpuCount: serverSet.length, allowInstall: opts.allowInstall, brigadeThreads: opts.brigadeThreads,
    idleConns, idleCapped, log,
  };
  // Installs, builds and config folders, before anything is timed.
  for (const c of contenders) {
    const r = await c.prepare(ctx);
    if (r?.skip) {
      c.skip = r.skip;
      log(`${c.name}: SKIPPED — ${r.skip}`);
    }
    if (r?.warning) log(`${c.name}: WARNING ${r.warning}`);
  }
  const machine = machineInfo(loadgen, contenders);
  return { ...ctx, contenders, workloads, machine, nofile };
}

async function startServer(contender, ctx, opts) {
  const launch = await contender.launch(ctx);
  const server = await startProcess(contender.name, launch, { cpus: ctx.pinServer ? opts.serverCpus : null });
  server.script = launch.script;
  server.logFile = launch.logFile ?? null;
  return server;
}

async function stopServer(server, record, progress) {
  const { survivors } = await stopProcess(server);
  if (survivors.length) {
    const msg = `processes of ${server.contender} survived SIGKILL: ${survivors.join(', ')}`;
    record.warnings.push(msg);
    progress.log(`WARNING ${msg}`);
  }
}

const SCENARIOS = { wrk: runThroughput, slow: runSlowReaders };

async function benchContender(row, ctx, opts, progress) {
  const { contender } = row;
  const record = { contender: contender.name, description: contender.describe(ctx), version: null, script: null, skipped: contender.skip ?? null, failure: null, warnings: [], workloads: {} };
  if (contender.skip) {
    for (const cell of row.cells) record.workloads[cell.workload.name] = { skipped: contender.skip };
    return record;
  }
  try {
    record.version = contender.version();
  } catch {
    record.version = 'unknown';
  }
  for (const cell of row.cells) if (cell.na) record.workloads[cell.workload.name] = { na: cell.na };
  const active = row.cells.filter((c) => c.target);
  if (!active.length) return record;
  const failAll = (cells, why) => {
    for (const cell of cells) record.workloads[cell.workload.name] = { failure: why, label: cell.target.label };
  };

  // Idle and overload-classes cells start servers of their own.
  const mainCells = active.filter((c) => c.workload.kind !== 'idle' && c.workload.kind !== 'classes');
  const idleCells = active.filter((c) => c.workload.kind === 'idle');
  const classesCells = active.filter((c) => c.workload.kind === 'classes');
  const args = (cell, server) => ({ server, contender, workload: cell.workload, target: cell.target, opts, ctx, progress });

  if (mainCells.length) {
    progress.status(`${contender.name}: starting`);
    let server;
    try {
      server = await startServer(contender, ctx, opts);
    } catch (err) {
      progress.log(`${contender.name}: FAILED to start: ${err.message}`);
      record.failure = `failed to start: ${err.message.split('\n')[0]}`;
      failAll(active, record.failure);
      progress.advance(row.estimateS);
      return record;
    }
    record.script = path.isAbsolute(server.script) ? path.relative(REPO_ROOT, server.script) : server.script;
    progress.log(`${contender.name}: pid ${server.pid}, port ${server.port}, ${record.description}${server.pinned ? `, pinned to CPU ${opts.serverCpus}` : ', unpinned'}`);
    progress.advance(1.5);
    try {
      for (const cell of mainCells) {
        if (!isAlive(server)) {
          record.workloads[cell.workload.name] = { failure: `server exited (${JSON.stringify(server.exit)})`, label: cell.target.label };
          continue;
        }
        record.workloads[cell.workload.name] = await SCENARIOS[cell.workload.kind](args(cell, server));
      }
    } finally {
      await stopServer(server, record, progress);
    }
  }
  for (const cell of classesCells) {
    try {
      record.workloads[cell.workload.name] = await runOverloadClasses(args(cell, null));
    } catch (err) {
      progress.log(`${contender.name}: overload-classes FAILED: ${err.message}`);
      failAll([cell], err.message.split('\n')[0]);
    }
  }
  for (const cell of idleCells) {
    // A fresh server: RSS growth is measured from its resting state.
    progress.status(`${contender.name}: starting a fresh server for the idle workload`);
    let server;
    try {
      server = await startServer(contender, ctx, opts);
    } catch (err) {
      progress.log(`${contender.name}: FAILED to start for idle: ${err.message}`);
      failAll([cell], `failed to start: ${err.message.split('\n')[0]}`);
      continue;
    }
    try {
      record.workloads[cell.workload.name] = await runIdle(args(cell, server));
    } finally {
      await stopServer(server, record, progress);
    }
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
  let ctx;
  try {
    ctx = await setup(opts);
  } catch (err) {
    console.error(`bench: ${err.message}`);
    return 2;
  }
  const { machine } = ctx;
  const loadgenName = ctx.loadgen.kind;

  log(`machine: ${machine.cpuModel}, ${machine.nproc} CPUs, kernel ${machine.kernel}, node ${machine.node}, open files ${ctx.nofile ?? '?'}`);
  log(`load generator: ${loadgenName} ${ctx.loadgen.version}${ctx.loadgen.reason ? ` — FALLBACK (${ctx.loadgen.reason}); numbers are not comparable with wrk runs` : ''}`);
  log(
    `protocol: servers on CPU ${opts.serverCpus}, clients on CPU ${opts.clientCpus}, ${opts.connections} connections (c1000: 1000), ` +
      `${opts.warmup ? `${opts.warmup} s warm-up + ` : 'no warm-up, '}${opts.runs} × ${opts.duration} s; ` +
      `slow readers ${opts.slowReaders.join('/')} at ${opts.slowRate} B/s, ${opts.slowRuns} run(s) each; idle ${ctx.idleConns} connections` +
      `${opts.quick ? ' (--quick: correctness check only, timings are not meaningful)' : ''}`,
  );
  if (ctx.idleCapped) log(`idle connections ${ctx.idleCapped}`);
  if (process.env.BRIGADE_IO_THREADS) log(`brigade ioThreads: ${process.env.BRIGADE_IO_THREADS}`);
  for (const c of ctx.contenders) {
    if (c.overrideEnv && process.env[c.overrideEnv]) log(`${c.name}: server script overridden by ${c.overrideEnv}=${process.env[c.overrideEnv]}`);
  }
  // Anything already busy on the bench CPUs will distort every row; say so up front.
  let idleBusyPct = await busyPercent(ctx.benchCpus, 1000);
  const quietUntil = Date.now() + opts.waitQuietS * 1000;
  while (idleBusyPct !== null && idleBusyPct > 10 && Date.now() < quietUntil) {
    log(`waiting for a quiet machine: CPU(s) ${ctx.benchCpus.join(',')} ${idleBusyPct.toFixed(0)} % busy (of one core)`);
    await new Promise((res) => setTimeout(res, 10_000));
    idleBusyPct = await busyPercent(ctx.benchCpus, 2000);
  }
  machine.busyBeforeStartPct = idleBusyPct;
  if (idleBusyPct !== null && idleBusyPct > 10) {
    log(`WARNING: CPU(s) ${ctx.benchCpus.join(',')} were ${idleBusyPct.toFixed(0)} % busy (of one core) before the bench started — other processes are running; results will not be reliable`);
  }

  const plan = makePlan(ctx.contenders, ctx.workloads, ctx.docrootFiles, { ...opts, idleConns: ctx.idleConns });
  log(`plan: ${plan.rows.filter((r) => !r.contender.skip).length} contenders, ${ctx.workloads.length} workloads, about ${Math.ceil(plan.totalS / 60)} min`);
  log('');
  const progress = new Progress(plan.totalS);
  progress.start();
  const records = [];
  for (const row of plan.rows) records.push(await benchContender(row, ctx, opts, progress));
  progress.stop();
  const elapsedS = progress.elapsedS();

  const { summaries, ratios } = summarizeAll(records, ctx.workloads, BASELINES);
  log('');
  printReport(log, { summaries, ratios, workloads: ctx.workloads, opts, loadgenName, idleCapped: ctx.idleCapped });

  const failed = summaries.filter((s) => s.status === 'FAILED');
  const skipped = records.filter((r) => r.skipped);
  let dir = null;
  if (opts.save) {
    const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
    const data = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      elapsedS,
      options: { ...opts, help: undefined },
      idleConns: ctx.idleConns,
      idleCapped: ctx.idleCapped,
      env: {
        BRIGADE_IO_THREADS: process.env.BRIGADE_IO_THREADS ?? null,
        BENCH_BRIGADE_SERVER: process.env.BENCH_BRIGADE_SERVER ?? null,
        BENCH_NODE_HTTP_SERVER: process.env.BENCH_NODE_HTTP_SERVER ?? null,
      },
      machine,
      pinning: { servers: ctx.pinServer, client: ctx.pinClient },
      workloads: ctx.workloads.map((w) => ({ name: w.name, title: w.title, kind: w.kind, matrix: Boolean(w.matrix), connections: w.connections ?? opts.connections })),
      summaries,
      ratios,
      contenders: records,
    };
    const file = writeResults(resultsDir, data, startedAt);
    dir = path.join(resultsDir, fileTimestamp(startedAt));
    const charts = writeCharts(dir, data);
    const html = writeHtmlReport(dir, data, charts);
    log(`results: ${path.relative(process.cwd(), file)}`);
    log(`charts and report: ${path.relative(process.cwd(), html)}`);
    if (opts.updateDocs) {
      for (const f of updateDocsImages(charts)) log(`docs: ${path.relative(process.cwd(), f)}`);
    }
  }
  log(`took ${Math.floor(elapsedS / 60)} min ${Math.round(elapsedS % 60)} s`);
  if (skipped.length) log(`SKIPPED: ${skipped.map((r) => `${r.contender} (${r.skipped})`).join('; ')}`);
  if (failed.length) {
    log(`FAILED: ${failed.map((f) => `${f.contender}/${f.workload}${f.n ? `@${f.n}` : ''}`).join(', ')}`);
    return 1;
  }
  if (opts.quick) log('quick check passed: every contender that could run answered every workload correctly');
  return 0;
}

runMain('bench', main);
