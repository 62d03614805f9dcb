// Idle keep-alive connections on a freshly started server: open N keep-alive
// connections (idle-conns.js), one request on each, hold them idle; server RSS
// growth per held connection from /proc, and whether a fresh request on a new
// connection is answered promptly while they are held.
import { checkAnswer, get } from './check.js';
import { startClient } from './client-process.js';
import { treeMemory } from './proc-mem.js';
import { idleCellS } from './plan.js';

const delay = (ms) => new Promise((res) => setTimeout(res, ms));

async function timedGet(port, target, timeoutMs) {
  const t0 = process.hrtime.bigint();
  try {
    const res = await get(port, target.path, { timeoutMs });
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.status, error: null };
  } catch (err) {
    return { ms: null, status: null, error: err.message };
  }
}

export async function runIdle({ server, contender, workload, target, opts, ctx, progress }) {
  const n = ctx.idleConns;
  const entry = { path: target.path, label: target.label, n, failure: null, warnings: [] };
  const check = await checkAnswer(server.port, target);
  if (!check.ok) {
    entry.failure = `wrong answer: ${check.problem}`;
    progress.log(`  ${contender.name} idle: FAILED ${check.problem}`);
    progress.advance(idleCellS(opts));
    return entry;
  }
  const freshTimeoutMs = opts.quick ? 3000 : 10000;
  const deadlineMs = opts.quick ? 5000 : 15000;
  await delay(500);
  entry.before = treeMemory(server.pid);
  entry.freshBefore = await timedGet(server.port, target, freshTimeoutMs);
  progress.status(`${contender.name} idle: opening ${n} keep-alive connections`);
  const client = startClient('idle-conns.js', { port: server.port, path: target.path, n, deadlineMs }, { cpus: ctx.pinClient ? opts.clientCpus : null });
  const held = await client.waitFor('HELD ', deadlineMs + 10000);
  entry.held = held ? JSON.parse(held) : null;
  await delay(1000);
  entry.during = treeMemory(server.pid);
  progress.status(`${contender.name} idle: fresh request while ${entry.held?.answered ?? '?'} connections are held`);
  entry.freshDuring = await timedGet(server.port, target, freshTimeoutMs);
  client.send('REPORT');
  const report = await client.waitFor('REPORT ', 5000);
  entry.report = report ? JSON.parse(report) : null;
  await client.close();
  progress.advance(idleCellS(opts));

  if (!entry.held || !entry.report) {
    entry.failure = `the idle client reported nothing: ${client.stderr.trim()}`;
    return entry;
  }
  const heldOpen = entry.report.answered - entry.report.closedByServer;
  entry.heldOpen = heldOpen;
  if (entry.before && entry.during && heldOpen > 0) {
    entry.rssGrowthKiB = entry.during.rssKiB - entry.before.rssKiB;
    entry.kibPerConn = entry.rssGrowthKiB / heldOpen;
    if (entry.before.pssKiB !== null && entry.during.pssKiB !== null) entry.pssKibPerConn = (entry.during.pssKiB - entry.before.pssKiB) / heldOpen;
  }
  const h = entry.held;
  const fresh = entry.freshDuring;
  progress.log(
    `  ${contender.name.padEnd(14)} idle         ${h.answered}/${n} answered (${h.why}), ${entry.report.closedByServer} closed by server; ` +
      `RSS ${fmtMiB(entry.before?.rssKiB)} → ${fmtMiB(entry.during?.rssKiB)} MiB` +
      `${entry.kibPerConn !== undefined ? ` = ${entry.kibPerConn.toFixed(2)} KiB/conn` : ''}; ` +
      `fresh request ${fresh.error ? `no answer (${fresh.error})` : `${fresh.ms.toFixed(2)} ms`}`,
  );
  if (h.badResponses) entry.failure = `${h.badResponses} wrong answers on the idle connections`;
  else if (h.answered === 0) entry.failure = 'no idle connection was answered';
  else if (opts.quick && (h.answered < n || fresh.error || fresh.status !== 200)) {
    entry.failure = `only ${h.answered}/${n} idle connections answered, fresh request: ${fresh.error ?? `status ${fresh.status}`}`;
  }
  return entry;
}

function fmtMiB(kib) {
  return kib === undefined || kib === null ? '?' : (kib / 1024).toFixed(1);
}
