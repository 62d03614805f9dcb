// `npm run conformance`: brigade's static files against nginx. Installs
// Debian's nginx when missing, generates a docroot and an nginx config in a
// temp dir, starts nginx and `brigade serve --gzip` on the docroot, sends the
// same matrix of requests (Range, conditionals, HEAD, Accept-Encoding, paths)
// to both and compares status, key headers and body bytes. Every difference
// must be listed in conformance/known-differences.json with a reason.
// Exit 0: no unexplained difference; 1: some; 2: setup failed (no nginx, a
// server did not start, bad options). See docs/conformance.md.
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { installCleanupHandlers, onExit, runMain } from '../bench/lib/cleanup.js';
import { stopProcess } from '../bench/lib/server-process.js';
import { allCases, instantiate, needsValidators } from './lib/cases.js';
import { request } from './lib/client.js';
import { compareResponses } from './lib/compare.js';
import { makeDocroot } from './lib/docroot.js';
import { explain, globToRegExp, loadKnown } from './lib/known.js';
import { ensureNginx, startBrigade, startNginx } from './lib/servers.js';

const DEFAULT_KNOWN = path.join(path.dirname(new URL(import.meta.url).pathname), 'known-differences.json');

const USAGE = `Usage: npm run conformance -- [options]
  --only GLOB      run only the cases whose id matches (\`*\` wildcard)
  --known FILE     the allow-list (default conformance/known-differences.json)
  --all            also print the known differences in the table (default: only new ones)
  --no-install     never run apt-get (nginx missing → exit 2)
  --keep-temp      keep the temp dir (docroot, nginx.conf, error log)
  -h, --help       this text`;

function cell(s, width) {
  const t = String(s).replace(/\s+/g, ' ');
  return t.length > width ? `${t.slice(0, width - 1)}…` : t;
}

function printTable(rows) {
  console.log('| case | field | nginx | brigade | verdict |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${cell(r.caseId, 60)} | ${r.field} | ${cell(r.nginx, 70)} | ${cell(r.brigade, 70)} | ${r.known ? `known #${r.known.index}` : 'NEW'} |`);
  }
}

/** ETag and Last-Modified each server gives a plain GET of the path (with these headers). */
async function validatorsOf(port, kase, cache) {
  const headers = kase.validators ?? [];
  const key = `${kase.path} ${JSON.stringify(headers)}`;
  if (!cache.has(key)) {
    const r = await request(port, { method: 'GET', path: kase.path, headers });
    cache.set(key, { etag: r.headers.etag, lm: r.headers['last-modified'] });
  }
  return cache.get(key);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        only: { type: 'string' },
        known: { type: 'string' },
        all: { type: 'boolean', default: false },
        'no-install': { type: 'boolean', default: false },
        'keep-temp': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`conformance: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  installCleanupHandlers();
  const knownFile = values.known ? path.resolve(values.known) : DEFAULT_KNOWN;
  const known = loadKnown(knownFile);
  const why = ensureNginx({ allowInstall: !values['no-install'], log: console.log });
  if (why) {
    console.error(`conformance: nginx is not available: ${why}`);
    return 2;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'brigade-conformance-'));
  chmodSync(tmp, 0o755); // nginx's workers run as nobody when started as root
  if (values['keep-temp']) console.log(`temp dir: ${tmp}`);
  else onExit(() => rmSync(tmp, { recursive: true, force: true }));
  const docroot = makeDocroot(path.join(tmp, 'docroot'));

  let nginx;
  let brigade;
  try {
    nginx = await startNginx({ tmp, docroot: docroot.dir, fileNames: Object.keys(docroot.files) });
    brigade = await startBrigade({ docroot: docroot.dir });
  } catch (err) {
    console.error(`conformance: a server did not start: ${err.message}`);
    if (nginx) await stopProcess(nginx.handle);
    return 2;
  }
  const ports = { nginx: nginx.handle.port, brigade: brigade.handle.port };
  console.log(`nginx on port ${ports.nginx} (${nginx.conf}), brigade on port ${ports.brigade}, docroot ${docroot.dir}`);

  const onlyRe = values.only ? globToRegExp(values.only) : null;
  const cases = allCases().filter((k) => !onlyRe || onlyRe.test(k.id));
  const ids = new Set();
  for (const k of cases) {
    if (ids.has(k.id)) throw new Error(`duplicate case id ${k.id}`);
    ids.add(k.id);
  }
  const rows = [];
  const caches = { nginx: new Map(), brigade: new Map() };
  let identical = 0;
  try {
    for (const kase of cases) {
      const answers = {};
      for (const server of ['nginx', 'brigade']) {
        const v = needsValidators(kase) ? await validatorsOf(ports[server], kase, caches[server]) : {};
        try {
          answers[server] = await request(ports[server], instantiate(kase, v));
        } catch (err) {
          answers[server] = { status: 0, headers: {}, body: Buffer.alloc(0), framing: `request failed: ${err.message}` };
        }
      }
      const diffs = compareResponses(kase, answers.nginx, answers.brigade);
      if (diffs.length === 0) identical++;
      for (const d of diffs) rows.push({ caseId: kase.id, ...d, known: explain(known, kase.id, d) });
    }
  } finally {
    await stopProcess(brigade.handle);
    await stopProcess(nginx.handle);
  }

  const fresh = rows.filter((r) => !r.known);
  console.log(`${cases.length} cases: ${identical} identical, ${cases.length - identical} with differences (${rows.length} fields: ${rows.length - fresh.length} known, ${fresh.length} new)`);
  const shown = values.all ? rows : fresh;
  if (shown.length) {
    console.log('');
    printTable(shown);
  }
  if (!onlyRe) {
    const stale = known.filter((e) => e.used === 0);
    for (const e of stale) console.log(`WARNING: known difference #${e.index} (${e.fields.join(', ')}: ${e.cases.join(', ')}) matched nothing; remove it if it is fixed`);
  }
  if (values.all || fresh.length) {
    console.log('');
    const used = known.filter((e) => e.used > 0);
    for (const e of used) console.log(`known #${e.index}: ${e.fields.join(', ')} (${e.used}×) — ${e.reason}`);
  }
  if (fresh.length) {
    console.log(`\nFAILED: ${fresh.length} difference(s) neither fixed nor listed in ${path.relative(process.cwd(), knownFile)}`);
    return 1;
  }
  console.log('conformance: every difference from nginx is documented');
  return 0;
}

runMain('conformance', main, 2);
