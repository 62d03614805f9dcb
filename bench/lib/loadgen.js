// Picks the load generator: wrk (installed with apt-get when missing), or
// autocannon when wrk cannot be had. Everything else calls run() on the result.
import { spawnSync } from 'node:child_process';
import { wrkVersion, runWrk } from './wrk.js';
import { autocannonVersion, runAutocannon } from './autocannon.js';

function aptGet(args, log) {
  log(`bench: running apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return `apt-get could not be started (${r.error.code ?? r.error.message})`;
  if (r.status !== 0) return `apt-get ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  return null;
}

function tryInstallWrk(log) {
  let err = aptGet(['install', '-y', 'wrk'], log);
  if (!err && wrkVersion()) return null;
  // A fresh image often has no package lists yet.
  const updateErr = aptGet(['update'], log);
  if (updateErr) return `${err ?? 'wrk missing after install'}; ${updateErr}`;
  err = aptGet(['install', '-y', 'wrk'], log);
  if (!err && wrkVersion()) return null;
  return err ?? 'wrk still not runnable after apt-get install';
}

function autocannonGenerator(reason) {
  const version = autocannonVersion();
  if (!version) throw new Error(`no load generator: ${reason}, and autocannon is not installed (npm install -D autocannon)`);
  return { kind: 'autocannon', version, reason, run: runAutocannon };
}

/**
 * Returns { kind, version, reason, run(opts) }. `prefer` is 'wrk',
 * 'autocannon' or null (wrk, falling back to autocannon).
 */
export function ensureLoadGenerator(prefer, log = console.log) {
  if (prefer === 'autocannon') return autocannonGenerator('autocannon requested with --loadgen');
  let version = wrkVersion();
  let reason = null;
  if (!version) {
    log('bench: wrk is not on PATH, installing it');
    reason = tryInstallWrk(log);
    version = reason ? null : wrkVersion();
  }
  if (version) return { kind: 'wrk', version, reason: null, run: runWrk };
  if (prefer === 'wrk') throw new Error(`wrk requested but not available: ${reason}`);
  return autocannonGenerator(`wrk unavailable: ${reason}`);
}
