// `npm run conformance:framing`: request smuggling, message framing, path
// traversal, range and slowloris cases as raw bytes against brigade, nginx
// and Apache httpd (mpm_event) on one generated docroot; each server's
// answers are judged (cases.js, judge.js) and brigade's verdict is printed per
// case with the per-category counts.
// Exit 0: brigade is nowhere laxer than both others without a reason in
// known-differences.json, answers no smuggled request another server refuses,
// and handles at least as many cases as each of them; 1: otherwise; 2: setup
// failed (a server missing or not starting); 3: skipped (--skip-missing and a
// binary is missing).
import { existsSync, mkdtempSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { installCleanupHandlers, onExit, runMain } from '../../bench/lib/cleanup.js';
import { isAlive } from '../../bench/lib/server-process.js';
import { globToRegExp } from '../lib/known.js';
import { CATEGORIES, allCases } from './cases.js';
import { makeFramingDocroot } from './docroot.js';
import { verdict } from './judge.js';
import { loadFramingKnown, explainFraming } from './known.js';
import { probe } from './probe.js';
import { caseTable, counts, summaryTable } from './report.js';
import { startAll, stopAll } from './servers.js';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const DEFAULT_KNOWN = path.join(HERE, 'known-differences.json');
const NAMES = ['brigade', 'nginx', 'apache'];
const CONCURRENCY = 12;

const USAGE = `Usage: npm run conformance:framing -- [options]
  --only GLOB       run only the cases whose id matches (\`*\` wildcard)
  --all             print every case (default: only those that are not "equal")
  --json FILE       also write the outcomes as JSON
  --known FILE      the allow-list (default conformance/framing/known-differences.json)
  --no-install      never run apt-get (a missing server → exit 2)
  --skip-missing    a missing nginx/apache binary → exit 3 instead of installing
  -h, --help        this text`;

/** Runs fn over items with at most n in flight; results in order. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        only: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'string' },
        known: { type: 'string' },
        'no-install': { type: 'boolean', default: false },
        'skip-missing': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`conformance:framing: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values['skip-missing'] && !(existsSync('/usr/sbin/nginx') && existsSync('/usr/sbin/apache2'))) {
    console.log('conformance:framing: SKIPPED — /usr/sbin/nginx or /usr/sbin/apache2 is missing (apt-get install nginx apache2-bin)');
    return 3;
  }
  installCleanupHandlers();
  const known = loadFramingKnown(values.known ? path.resolve(values.known) : DEFAULT_KNOWN);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'brigade-framing-'));
  chmodSync(tmp, 0o755);
  onExit(() => rmSync(tmp, { recursive: true, force: true }));
  const docroot = makeFramingDocroot(tmp);

  let servers;
  try {
    servers = await startAll({ tmp, docroot: docroot.dir, fileNames: Object.keys(docroot.files), allowInstall: !values['no-install'], log: console.log });
  } catch (err) {
    console.error(`conformance:framing: a server did not start: ${err.message}`);
    return 2;
  }
  const ports = Object.fromEntries(NAMES.map((n) => [n, servers[n].handle.port]));
  console.log(`brigade :${ports.brigade}, nginx :${ports.nginx}, apache (event) :${ports.apache}`);

  const onlyRe = values.only ? globToRegExp(values.only) : null;
  const cases = allCases({ largeSize: docroot.files['large.txt'].length }).filter((k) => !onlyRe || onlyRe.test(k.id));
  // Slow cases first: they take the longest, the rest runs beside them.
  cases.sort((a, b) => (b.trickle ? 1 : 0) - (a.trickle ? 1 : 0));
  const started = Date.now();
  const jobs = cases.flatMap((kase) => NAMES.map((name) => ({ kase, name })));
  const results = await pool(jobs, CONCURRENCY * NAMES.length, ({ kase, name }) => probe(ports[name], kase));

  const outcomesOf = (i) => Object.fromEntries(NAMES.map((n, j) => [n, results[i * NAMES.length + j]]));
  // A loaded machine can stretch an answer past the quiet time: every case
  // where brigade looks wrong is sent again, alone, before it counts.
  for (let i = 0; i < cases.length; i++) {
    const v = verdict(cases[i], outcomesOf(i));
    if (!v.fail.brigade && !v.smuggleFlag && v.kind !== 'laxer') continue;
    for (let j = 0; j < NAMES.length; j++) results[i * NAMES.length + j] = await probe(ports[NAMES[j]], cases[i]);
  }
  const crashed = NAMES.filter((n) => !isAlive(servers[n].handle));
  await stopAll(servers);

  const rows = cases.map((kase, i) => {
    const outcomes = outcomesOf(i);
    const v = verdict(kase, outcomes);
    return { kase, outcomes, verdict: v, known: explainFraming(known, kase.id, v) };
  });
  rows.sort((a, b) => CATEGORIES.indexOf(a.kase.category) - CATEGORIES.indexOf(b.kase.category));
  const c = counts(rows, CATEGORIES);

  console.log(`\n${cases.length} cases × 3 servers in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(caseTable(rows, { onlyInteresting: !values.all }));
  console.log(`\nCases handled correctly (refused, or served correctly) per category:\n\n${summaryTable(c)}\n`);
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(rows.map((r) => ({ id: r.kase.id, category: r.kase.category, expect: r.kase.expect, verdict: r.verdict, outcomes: r.outcomes, known: r.known?.reason ?? null })), null, 1));
  }

  const problems = [];
  for (const n of crashed) problems.push(`${n} died during the run`);
  for (const r of rows) {
    const v = r.verdict;
    if (v.kind === 'laxer' && !r.known) problems.push(`${r.kase.id}: brigade laxer than nginx and apache (${v.fail.brigade ?? v.note})`);
    if (v.smuggleFlag && !r.known) problems.push(`${r.kase.id}: brigade answered a smuggled request another server refused`);
  }
  for (const other of ['nginx', 'apache']) {
    if (c.total.brigade < c.total[other]) problems.push(`brigade handled ${c.total.brigade} cases correctly, ${other} ${c.total[other]}`);
  }
  if (!onlyRe) for (const e of known.filter((k) => k.used === 0)) problems.push(`known difference #${e.index} (${e.cases.join(', ')}) matched nothing; remove it if it is fixed`);
  if (problems.length) {
    console.log(`FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('conformance:framing: brigade is nowhere laxer than both nginx and Apache (or the difference is explained)');
  return 0;
}

runMain('conformance:framing', main, 2);
