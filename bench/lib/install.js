// Installs Debian packages the bench needs (wrk, nginx, apache2-bin) with
// apt-get when a program is missing. Every attempt is bounded in time, and the
// outcome per package is remembered, so two contenders that need the same
// package cost one attempt. Never throws: returns null or the reason it failed.
import { spawnSync } from 'node:child_process';

const APT_TIMEOUT_MS = 240_000;
const attempts = new Map(); // package -> null (installed) | reason
let updated = null; // null = not tried; otherwise the reason update failed, or ''

function aptGet(args, log) {
  log(`bench: running apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, {
    encoding: 'utf8',
    timeout: APT_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error?.code === 'ETIMEDOUT') return `apt-get ${args[0]} took longer than ${APT_TIMEOUT_MS / 1000} s`;
  if (r.error) return `apt-get could not be started (${r.error.code ?? r.error.message})`;
  if (r.status !== 0) return `apt-get ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  return null;
}

/**
 * Makes `isPresent()` true by installing `pkg` (no recommends) if needed.
 * Returns null when present, else why it is not. With `allowInstall` false
 * it only reports.
 */
export function ensurePackage(pkg, isPresent, { allowInstall = true, log = console.log } = {}) {
  if (isPresent()) return null;
  if (!allowInstall) return `not installed (and --no-install was given): apt-get install ${pkg}`;
  if (attempts.has(pkg)) return attempts.get(pkg);
  const install = () => aptGet(['install', '-y', '--no-install-recommends', pkg], log);
  let err = install();
  if (!err && isPresent()) {
    attempts.set(pkg, null);
    return null;
  }
  // A fresh image often has no package lists yet: update once, then retry.
  if (updated === null) updated = aptGet(['update'], log) ?? '';
  if (updated) {
    attempts.set(pkg, `${err ?? `${pkg} missing after install`}; ${updated}`);
    return attempts.get(pkg);
  }
  err = install();
  const reason = !err && isPresent() ? null : (err ?? `${pkg} still not runnable after apt-get install`);
  attempts.set(pkg, reason);
  return reason;
}
