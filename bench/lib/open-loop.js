// An open-loop HTTP load generator: requests of each mix leave at fixed,
// evenly spaced times whatever the server does, so overload really builds up
// (a closed-loop generator such as wrk slows down with the server instead).
// Latency is measured from the time a request was due, not from when a socket
// was free, so waiting in the client's own queue counts (no coordinated omission).
import http from 'node:http';

/**
 * mixes: [{ name, path, rate (req/s) }]. Requests due during the first warmupS
 * seconds are sent but not measured. Resolves per mix: { name, rate, warmup, sent (measured),
 * ok, rejected (503), errors, other (other statuses), latencies (ms, ok only, sorted) }.
 */
export async function runOpenLoop({ port, mixes, durationS, warmupS = 1, maxSockets = 2048, drainS = 15 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const t0 = performance.now();
  const endAt = t0 + durationS * 1000;
  const results = mixes.map((m) => ({ name: m.name, rate: m.rate, warmup: 0, sent: 0, ok: 0, rejected: 0, errors: 0, other: 0, latencies: [] }));
  const inflight = new Set();

  const fire = (i, due) => {
    const m = mixes[i];
    const r = results[i];
    const measured = due - t0 >= warmupS * 1000;
    if (measured) ++r.sent;
    else ++r.warmup;
    const p = new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: m.path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (measured) {
            if (res.statusCode === 200) {
              ++r.ok;
              r.latencies.push(performance.now() - due);
            } else if (res.statusCode === 503) ++r.rejected;
            else ++r.other;
          }
          resolve();
        });
        res.on('error', () => {
          if (measured) ++r.errors;
          resolve();
        });
      });
      req.on('error', () => {
        if (measured) ++r.errors;
        resolve();
      });
    });
    inflight.add(p);
    p.then(() => inflight.delete(p));
  };

  // Each mix's k-th request is due at t0 + k / rate; a 1 ms tick sends what is due.
  const next = mixes.map(() => 0);
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (let i = 0; i < mixes.length; ++i) {
        if (!(mixes[i].rate > 0)) continue;
        for (;;) {
          const due = t0 + (next[i] * 1000) / mixes[i].rate;
          if (due > now || due >= endAt) break;
          ++next[i];
          fire(i, due);
        }
      }
      if (now >= endAt) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Let what was sent finish (bounded: a stuck server must not hang the bench).
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, drainS * 1000).unref())]);
  for (const r of results) {
    r.unfinished = r.sent - r.ok - r.rejected - r.errors - r.other;
    r.latencies.sort((a, b) => a - b);
  }
  agent.destroy();
  return results;
}

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}
