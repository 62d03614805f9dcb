// Fallback load generator when wrk cannot be installed: autocannon in a
// pinned child process, with results mapped to the same shape as wrk.js.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './pinning.js';
import { readStat, ownReapedChildTicks, clockTicks } from './proc-cpu.js';
import { track } from './cleanup.js';

const WORKER = fileURLToPath(new URL('./autocannon-worker.js', import.meta.url));

/** Installed autocannon version, or null when it cannot be loaded. */
export function autocannonVersion() {
  try {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve('autocannon/package.json');
    return JSON.parse(readFileSync(pkgPath, 'utf8')).version;
  } catch {
    return null;
  }
}

export function runAutocannon({ url, connections, durationS, timeoutS = 10, headers = {}, cpus, onStart = () => {} }) {
  const payload = JSON.stringify({ url, connections, durationS, timeoutS, headers });
  const [cmd, args, pinned] = pinnedCommand(cpus, process.execPath, [WORKER, payload]);
  return new Promise((resolve) => {
    const reapedBefore = ownReapedChildTicks();
    let started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child, 'autocannon');
    let stdout = '';
    let stderr = '';
    let startupUs = null;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = startupUs === null && /^START (\d+)$/m.exec(stdout);
      if (m) {
        // The measured window starts when the worker is loaded, not when it was spawned.
        startupUs = Number(m[1]);
        started = process.hrtime.bigint();
        onStart();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let lastSample = 0;
    const poll = setInterval(() => {
      const st = readStat(child.pid);
      if (st) lastSample = st.utime + st.stime;
    }, 100);
    let done = false;
    const finish = (code, spawnError) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      const reapedAfter = ownReapedChildTicks();
      const reaped = reapedBefore !== null && reapedAfter !== null ? reapedAfter - reapedBefore : null;
      const startupTicks = startupUs === null ? 0 : Math.round((startupUs / 1e6) * clockTicks());
      const cpuTicks = Math.max(0, (reaped !== null && reaped >= lastSample ? reaped : lastSample) - startupTicks);
      let r = null;
      try {
        r = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        // reported as an error below
      }
      const ok = !spawnError && code === 0 && r !== null;
      resolve({
        ok,
        error: ok ? null : spawnError?.message || `autocannon exited with ${code}: ${stderr.trim()}`,
        command: `${pinned ? `taskset -c ${cpus} ` : ''}autocannon -c ${connections} -d ${durationS} ${url}`,
        pinned,
        wallS,
        cpuTicks,
        cpuTicksPolled: lastSample,
        requests: r?.requests ?? null,
        durationS: r?.durationS ?? null,
        rps: r && r.durationS ? r.requests / r.durationS : null,
        bytesRead: r?.bytesRead ?? null,
        transferPerSec: r && r.durationS ? r.bytesRead / r.durationS : null,
        latencyMs: r?.latencyMs ?? { p50: null, p75: null, p90: null, p99: null },
        // autocannon counts timeouts inside errors; keep them apart like wrk does.
        socketErrors: { connect: 0, read: r ? r.errors - r.timeouts : 0, write: 0, timeout: r?.timeouts ?? 0 },
        non2xx: r?.non2xx ?? 0,
        rawOutput: stdout,
      });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code, null));
  });
}
