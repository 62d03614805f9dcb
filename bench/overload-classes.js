// `node bench/overload-classes.js`: the overload-classes workload on its own
// (also part of `npm run bench -- --workloads overload-classes`). Needs dist/
// (`npm run build`). Options: --duration S, --warmup S, --servers N,
// --overload X, --goal-ms, --interactive-ms, --batch-ms, --work cpu|sleep,
// --server-cpus LIST (taskset), --json FILE. Prints per-class p50/p90/p99 for goal scheduling and FIFO
// and exits 1 unless goal scheduling meets the interactive goal and FIFO misses it.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { installCleanupHandlers } from './lib/cleanup.js';
import { CLASSES_DEFAULTS, formatClasses, runClassesComparison } from './lib/scenario-classes.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    servers: { type: 'string' },
    overload: { type: 'string' },
    'goal-ms': { type: 'string' },
    'server-cpus': { type: 'string' },
    json: { type: 'string' },
    work: { type: 'string' },
    'interactive-ms': { type: 'string' },
    'batch-ms': { type: 'string' },
  },
});
const num = (v, d) => (v === undefined ? d : Number(v));
const o = {
  ...CLASSES_DEFAULTS,
  durationS: num(values.duration, CLASSES_DEFAULTS.durationS),
  warmupS: num(values.warmup, CLASSES_DEFAULTS.warmupS),
  servers: num(values.servers, CLASSES_DEFAULTS.servers),
  overload: num(values.overload, CLASSES_DEFAULTS.overload),
  goalMs: num(values['goal-ms'], CLASSES_DEFAULTS.goalMs),
  work: values.work ?? CLASSES_DEFAULTS.work,
  interactiveMs: num(values['interactive-ms'], CLASSES_DEFAULTS.interactiveMs),
  batchMs: num(values['batch-ms'], CLASSES_DEFAULTS.batchMs),
};
if (o.work !== 'cpu' && o.work !== 'sleep') throw new Error('--work must be cpu or sleep');
installCleanupHandlers();
const r = await runClassesComparison(o, { cpus: values['server-cpus'] ?? null, log: (m) => console.log(m) });
console.log(formatClasses(r));
for (const run of r.runs) console.log(`${run.scheduler} (server's view): ${JSON.stringify(run.server.map((c) => ({ name: c.name, servers: c.servers, completed: c.completed, rejected: c.rejected, pObserved: c.pObserved && Math.round(c.pObserved), pi: c.performanceIndex && Number(c.performanceIndex.toFixed(2)) })))}`);
if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2));
const ok = r.verdict.goalsMeetsGoal === true && r.verdict.fifoMeetsGoal === false;
console.log(ok ? 'overload-classes: goal scheduling meets the interactive goal, FIFO misses it' : `overload-classes: UNEXPECTED ${JSON.stringify(r.verdict)}`);
process.exit(ok ? 0 : 1);
