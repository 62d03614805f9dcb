// Child-process entry for the autocannon fallback: run in its own (pinned)
// process so its CPU time can be measured like wrk's and so it never competes
// with the bench's own event loop. Prints one JSON line with the result.
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2]);
// Tell the parent the load starts now, with the CPU this process spent starting
// up, so neither node's start-up nor module loading counts into the run.
const startup = process.cpuUsage();
process.stdout.write(`START ${startup.user + startup.system}\n`);
const result = await autocannon({
  url: opts.url,
  connections: opts.connections,
  duration: opts.durationS,
  timeout: opts.timeoutS,
  pipelining: 1,
  headers: opts.headers ?? {},
});
const latency = result.latency;
process.stdout.write(JSON.stringify({
  requests: result.requests.total,
  sent: result.requests.sent,
  durationS: result.duration,
  bytesRead: result.throughput.total,
  latencyMs: { p50: latency.p50, p75: latency.p75, p90: latency.p90, p99: latency.p99 },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
}) + '\n');
