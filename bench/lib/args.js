// Command-line options of `npm run bench` and their defaults.
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]

  --quick              smoke run: every contender and workload once for 1 s,
                       no warm-up, 20 slow readers, 200 idle connections. Only
                       checks that every contender answered correctly (exit 1
                       otherwise); never a timing. Contenders that cannot be
                       installed are SKIPPED, not failures.
  --runs N             measured runs per contender and workload (default 3)
  --duration S         seconds per measured run (default 5)
  --warmup S           seconds of the discarded warm-up run (default 1, 0 = none)
  --connections C      connections of the load generator (default 64; the
                       c1000 workload always uses 1000)
  --server-cpus LIST   CPUs the servers are pinned to with taskset (default "1")
  --client-cpus LIST   CPUs the load generator and clients are pinned to (default "0")
  --only a,b           contenders or families: brigade (= brigade-looper,
                       brigade-event, brigade-worker, brigade-leader), node
                       (node-http, node-cluster), apache (apache-worker,
                       apache-event), nginx, floor, tls (brigade-tls and
                       nginx-tls: HTTPS, plaintext and static workloads only)
  --workloads a,b      plaintext, json, static-1k, static-100k, static-1m,
                       ssi-gzip, c1000, slow-readers, idle
  --slow-readers LIST  slow-reader counts, one point each (default "200,1000")
  --slow-rate B        bytes/s each slow reader reads (default 16384)
  --slow-runs N        measured runs per slow-reader point (default 2)
  --idle-conns N       idle keep-alive connections (default 10000; capped by
                       the open-files limit)
  --brigade-threads N  threads of brigade's worker and leader MPMs (default
                       1024, Apache's MaxRequestWorkers)
  --wait-quiet S       before starting, wait up to S seconds for the bench CPUs
                       to be less than 10 % busy (other processes); default 0
  --no-install         never run apt-get; missing nginx/Apache are SKIPPED
  --update-docs        copy the plaintext and static-1k charts to docs/img/
  --keep-temp          keep the temp dir (configs, docroot, logs)
  --loadgen wrk|autocannon  force a load generator (default: wrk, autocannon if
                       wrk cannot be installed)
  --no-save            write neither bench/results/<timestamp>.json nor the
                       charts and report in bench/results/<timestamp>/
  -h, --help           this text

Exit code: 0 = every contender x workload that could run answered correctly
(N/A and SKIPPED do not count), 1 = something FAILED, 2 = bad options.

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
      'slow-readers': { type: 'string' },
      'slow-rate': { type: 'string', default: '16384' },
      'slow-runs': { type: 'string' },
      'idle-conns': { type: 'string' },
      'brigade-threads': { type: 'string', default: '1024' },
      'wait-quiet': { type: 'string', default: '0' },
      'no-install': { type: 'boolean', default: false },
      'update-docs': { type: 'boolean', default: false },
      'keep-temp': { type: 'boolean', default: false },
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
    duration: positiveInt('duration', values.duration ?? (quick ? '1' : '5')),
    warmup: positiveInt('warmup', values.warmup ?? (quick ? '0' : '1'), { allowZero: true }),
    connections: positiveInt('connections', values.connections),
    serverCpus: cpuList('server-cpus', values['server-cpus']),
    clientCpus: cpuList('client-cpus', values['client-cpus']),
    only: values.only ? nameList(values.only) : null,
    workloads: values.workloads ? nameList(values.workloads) : null,
    slowReaders: nameList(values['slow-readers'] ?? (quick ? '20' : '200,1000')).map((n) => positiveInt('slow-readers', n)),
    slowRate: positiveInt('slow-rate', values['slow-rate']),
    slowRuns: positiveInt('slow-runs', values['slow-runs'] ?? (quick ? '1' : '2')),
    idleConns: positiveInt('idle-conns', values['idle-conns'] ?? (quick ? '200' : '10000')),
    brigadeThreads: positiveInt('brigade-threads', values['brigade-threads']),
    waitQuietS: positiveInt('wait-quiet', values['wait-quiet'], { allowZero: true }),
    allowInstall: !values['no-install'],
    updateDocs: values['update-docs'],
    keepTemp: values['keep-temp'],
    loadgen: values.loadgen ?? null,
    save: !values['no-save'],
  };
  if (opts.brigadeThreads > 1024) throw new Error('--brigade-threads must be at most 1024 (brigade\'s limit)');
  if (opts.loadgen && !['wrk', 'autocannon'].includes(opts.loadgen)) {
    throw new Error(`--loadgen must be wrk or autocannon, got "${opts.loadgen}"`);
  }
  return opts;
}
