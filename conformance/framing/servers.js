// The three servers of the framing audit on one docroot, each with the same
// short timeouts (header and body 2 s, keep-alive 3 s) so the slowloris cases
// end in seconds:
//   nginx  — conformance/lib/servers.js (the static comparison's config) plus
//            client_header_timeout / client_body_timeout / keepalive_timeout
//   apache — the bench's apache-event contender (bench/contenders/apache.js:
//            its config and launch) plus mod_reqtimeout and Timeout lines
//   brigade — conformance/framing/brigade-server.ts (server.static from src/)
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { apacheContenders } from '../../bench/contenders/apache.js';
import { REPO_ROOT } from '../../bench/contenders/paths.js';
import { startProcess, stopProcess } from '../../bench/lib/server-process.js';
import { ensureNginx, startNginx } from '../lib/servers.js';

export const TIMEOUT_S = 2;
const KEEPALIVE_S = 3;
const REQTIMEOUT_MODULE = '/usr/lib/apache2/modules/mod_reqtimeout.so';

function apacheEvent() {
  return apacheContenders().find((c) => c.name === 'apache-event');
}

/** null when nginx and Apache (with mod_reqtimeout) are there (installing them if allowed), else why not. */
export function ensureContenders({ allowInstall, log }) {
  const why = ensureNginx({ allowInstall, log });
  if (why) return `nginx: ${why}`;
  return null;
}

async function startApache({ tmp, docroot, allowInstall, log }) {
  const c = apacheEvent();
  const prep = c.prepare({ tmp, allowInstall, log });
  if (prep?.skip) throw Object.assign(new Error(prep.skip), { missing: true });
  if (!existsSync(REQTIMEOUT_MODULE)) throw Object.assign(new Error(`${REQTIMEOUT_MODULE} is missing`), { missing: true });
  const launch = await c.launch({ docroot });
  // Later directives win over the bench's (KeepAliveTimeout 30).
  appendFileSync(
    launch.script,
    [
      '',
      '# Framing audit (conformance/framing/servers.js): short timeouts for the slowloris cases.',
      `LoadModule reqtimeout_module ${REQTIMEOUT_MODULE}`,
      `RequestReadTimeout handshake=0 header=${TIMEOUT_S} body=${TIMEOUT_S}`,
      `Timeout ${TIMEOUT_S + 1}`,
      `KeepAliveTimeout ${KEEPALIVE_S}`,
      '',
    ].join('\n'),
  );
  const handle = await startProcess('apache-event', launch, { cpus: null });
  return { handle, conf: launch.script, log: launch.logFile };
}

async function startNginxShort({ tmp, docroot, fileNames }) {
  const r = await startNginx({
    tmp,
    docroot,
    fileNames,
    extra: [
      `client_header_timeout ${TIMEOUT_S}s;`,
      `client_body_timeout ${TIMEOUT_S}s;`,
      `keepalive_timeout ${KEEPALIVE_S}s;`,
      `lingering_timeout ${TIMEOUT_S}s;`,
    ],
  });
  return { handle: r.handle, conf: r.conf };
}

async function startBrigade({ docroot }) {
  const launch = {
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO_ROOT, 'conformance', 'framing', 'brigade-server.ts')],
    env: { DOCROOT: docroot, TIMEOUT_MS: String(TIMEOUT_S * 1000) },
    cwd: REPO_ROOT,
    ready: 'line',
  };
  return { handle: await startProcess('brigade', launch, { cpus: null, readyTimeoutMs: 30000 }) };
}

/** Starts all three; resolves { brigade, nginx, apache } each { handle, conf? }. Stops the started ones on failure. */
export async function startAll({ tmp, docroot, fileNames, allowInstall, log }) {
  const started = {};
  try {
    started.nginx = await startNginxShort({ tmp, docroot, fileNames });
    started.apache = await startApache({ tmp, docroot, allowInstall, log });
    started.brigade = await startBrigade({ docroot });
    return started;
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

export async function stopAll(servers) {
  for (const s of Object.values(servers)) if (s?.handle) await stopProcess(s.handle);
}
