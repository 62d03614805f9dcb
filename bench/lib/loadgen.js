// Picks the load generator: wrk (installed with apt-get when missing, see install.js), or
// autocannon when wrk cannot be had. Everything else calls run() on the result.
import { ensurePackage } from './install.js';
import { wrkVersion, runWrk } from './wrk.js';
import { autocannonVersion, runAutocannon } from './autocannon.js';

function autocannonGenerator(reason) {
  const version = autocannonVersion();
  if (!version) throw new Error(`no load generator: ${reason}, and autocannon is not installed (npm install -D autocannon)`);
  return { kind: 'autocannon', version, reason, run: runAutocannon };
}

/**
 * Returns { kind, version, reason, run(opts) }. `prefer` is 'wrk',
 * 'autocannon' or null (wrk, falling back to autocannon).
 */
export function ensureLoadGenerator(prefer, log = console.log, { allowInstall = true } = {}) {
  if (prefer === 'autocannon') return autocannonGenerator('autocannon requested with --loadgen');
  let version = wrkVersion();
  let reason = null;
  if (!version) {
    log('bench: wrk is not on PATH, installing it');
    reason = ensurePackage('wrk', () => wrkVersion() !== null, { allowInstall, log });
    version = reason ? null : wrkVersion();
  }
  if (version) return { kind: 'wrk', version, reason: null, run: runWrk };
  if (prefer === 'wrk') throw new Error(`wrk requested but not available: ${reason}`);
  return autocannonGenerator(`wrk unavailable: ${reason}`);
}
