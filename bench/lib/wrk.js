// wrk: building its command line, running it pinned, sampling its CPU, and
// parsing its text report.
import { spawn, spawnSync } from 'node:child_process';
import { pinnedCommand } from './pinning.js';
import { readStat, ownReapedChildTicks } from './proc-cpu.js';
import { track } from './cleanup.js';

const TIME_UNITS_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
const SIZE_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "wrk 4.1.0 [epoll] ..." -> "4.1.0 [epoll]"; null when wrk is not runnable. */
export function wrkVersion() {
  // wrk -v prints its banner and exits non-zero, so only the text matters.
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (r.error) return null;
  const m = /wrk\s+(\S+(?:\s+\[[^\]]+\])?)/.exec(`${r.stdout}${r.stderr}`);
  return m ? m[1] : 'unknown';
}

export function wrkArgs({ url, connections, durationS, timeoutS = 10, headers = {} }) {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  return ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', `${timeoutS}s`, '--latency', ...h, url];
}

function toMs(value, unit) {
  return Number(value) * TIME_UNITS_MS[unit];
}

/** Parses wrk's report; fields it did not print are null (or 0 for error counters). */
export function parseWrkOutput(text) {
  const out = {
    requests: null,
    durationS: null,
    rps: null,
    bytesRead: null,
    transferPerSec: null,
    latencyMs: { avg: null, p50: null, p75: null, p90: null, p99: null },
    socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: 0,
  };
  // Thread Stats: "    Latency     6.18ms    2.01ms  40.00ms   90.00%" (avg, stdev, max, +/- stdev)
  let avg = /^\s*Latency\s+([\d.]+)(us|ms|s|m|h)\s/m.exec(text);
  if (avg) out.latencyMs.avg = toMs(avg[1], avg[2]);
  let m = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read/m.exec(text);
  if (m) {
    out.requests = Number(m[1]);
    out.durationS = toMs(m[2], m[3]) / 1000;
    out.bytesRead = Number(m[4]) * SIZE_UNITS[m[5]];
  }
  m = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (m) out.rps = Number(m[1]);
  m = /^Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/m.exec(text);
  if (m) out.transferPerSec = Number(m[1]) * SIZE_UNITS[m[2]];
  for (const p of [50, 75, 90, 99]) {
    m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
    if (m) out.latencyMs[`p${p}`] = toMs(m[1], m[2]);
  }
  m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (m) {
    out.socketErrors = { connect: +m[1], read: +m[2], write: +m[3], timeout: +m[4] };
  }
  m = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (m) out.non2xx = Number(m[1]);
  return out;
}

/**
 * Runs one wrk test pinned to `cpus`; onStart() is called when the load begins. wrk's own CPU time is sampled from
 * /proc every 100 ms while it runs (the last sample before it exits is kept);
 * when this process reaps it, the kernel adds its final total to our cutime,
 * which gives the exact figure, so that is preferred when it is consistent.
 */
export function runWrk({ url, connections, durationS, timeoutS, headers, cpus, onStart = () => {} }) {
  const [cmd, args, pinned] = pinnedCommand(cpus, 'wrk', wrkArgs({ url, connections, durationS, timeoutS, headers }));
  return new Promise((resolve) => {
    const reapedBefore = ownReapedChildTicks();
    onStart(); // right before the run: wrk loads as soon as it is exec'd
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child, 'wrk');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
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
      // The reaped delta can only be trusted if it is not below what we saw live.
      const cpuTicks = reaped !== null && reaped >= lastSample ? reaped : lastSample;
      const parsed = parseWrkOutput(stdout);
      const ok = !spawnError && code === 0 && parsed.requests !== null;
      resolve({
        ok,
        error: ok ? null : spawnError?.message || `wrk exited with ${code}: ${stderr.trim() || stdout.trim()}`,
        command: [cmd, ...args].join(' '),
        pinned,
        wallS,
        cpuTicks,
        cpuTicksPolled: lastSample,
        ...parsed,
        rawOutput: stdout,
      });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code, null));
  });
}
