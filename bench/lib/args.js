// Command-line options of `npm run bench` and their defaults.
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]

  --quick              1 run of 2 s per workload, no warm-up; only checks that
                       every contender answered correctly (exit 1 otherwise)
  --runs N             measured runs per contender and workload (default 3)
  --duration S         seconds per measured run (default 8)
  --warmup S           seconds of the discarded warm-up run (default 2, 0 = none)
  --connections C      open connections held by the load generator (default 64)
  --server-cpus LIST   CPUs the servers are pinned to with taskset (default "1")
  --client-cpus LIST   CPUs the load generator is pinned to (default "0")
  --only a,b           contenders to run (brigade, node-http)
  --workloads a,b      workloads to run (plaintext, json)
  --loadgen wrk|autocannon  force a load generator (default: wrk, autocannon if
                       wrk cannot be installed)
  --no-save            do not write bench/results/<timestamp>.json
  -h, --help           this text

Environment: BENCH_BRIGADE_SERVER / BENCH_NODE_HTTP_SERVER replace a contender's
server script; BRIGADE_IO_THREADS is passed to brigade as ioThreads.`;

function positiveInt(name, text, { allowZero = false } = {}) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`);
  }
  return n;
}

function cpuList(name, text) {
  // taskset -c syntax: "1", "0,2", "2-3".
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw new Error(`--${name} must look like "1", "0,2" or "2-3", got "${text}"`);
  return text;
}

function nameList(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '64' },
      'server-cpus': { type: 'string', default: '1' },
      'client-cpus': { type: 'string', default: '0' },
      only: { type: 'string' },
      workloads: { type: 'string' },
      loadgen: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };

  const quick = values.quick;
  const opts = {
    help: false,
    quick,
    // --quick fixes the shape of the run unless the caller overrides it explicitly.
    runs: positiveInt('runs', values.runs ?? (quick ? '1' : '3')),
    duration: positiveInt('duration', values.duration ?? (quick ? '2' : '8')),
    warmup: positiveInt('warmup', values.warmup ?? (quick ? '0' : '2'), { allowZero: true }),
    connections: positiveInt('connections', values.connections),
    serverCpus: cpuList('server-cpus', values['server-cpus']),
    clientCpus: cpuList('client-cpus', values['client-cpus']),
    only: values.only ? nameList(values.only) : null,
    workloads: values.workloads ? nameList(values.workloads) : null,
    loadgen: values.loadgen ?? null,
    save: !values['no-save'],
  };
  if (opts.loadgen && !['wrk', 'autocannon'].includes(opts.loadgen)) {
    throw new Error(`--loadgen must be wrk or autocannon, got "${opts.loadgen}"`);
  }
  return opts;
}
