// Validates service-class options and turns them into the resolved classes the
// classifier and the scheduler use. The default class is always last.
import type { ClassGoal, ClassMatch, ServiceClassOptions, ServiceClassServerOptions, SchedulerMode } from './types.js';

export interface ResolvedClass {
  index: number;
  name: string;
  match: ClassMatch;
  goal: ClassGoal | null;
  importance: number;
  discretionary: boolean;
  maxQueue: number;
  maxServers: number;
}

export interface ResolvedServiceClasses {
  classes: ResolvedClass[];
  servers: number;
  mode: SchedulerMode;
}

export const DEFAULT_CLASS_NAME = 'default';
const DEFAULT_MAX_QUEUE = 1000;

function fail(msg: string): never {
  throw new RangeError(`brigade: ${msg}`);
}

function intIn(what: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) fail(`${what} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

function resolveGoal(what: string, g: ClassGoal | undefined): ClassGoal | null {
  if (g === undefined) return null;
  if ('averageMs' in g) {
    if (!(g.averageMs > 0)) fail(`${what}.goal.averageMs must be > 0`);
    return { averageMs: g.averageMs };
  }
  if (!(g.percentile > 0 && g.percentile < 100)) fail(`${what}.goal.percentile must be in (0, 100)`);
  if (!(g.ms > 0)) fail(`${what}.goal.ms must be > 0`);
  return { percentile: g.percentile, ms: g.ms };
}

function resolveMatch(what: string, m: ClassMatch | undefined): ClassMatch {
  if (m === undefined) return {};
  if (m.pathPrefix !== undefined && !m.pathPrefix.startsWith('/')) fail(`${what}.match.pathPrefix must start with "/"`);
  if (m.header !== undefined) {
    if (!m.header.name) fail(`${what}.match.header.name is required`);
    if (m.header.value === undefined && m.header.regex === undefined) fail(`${what}.match.header needs value or regex`);
  }
  return m;
}

function resolveClass(o: ServiceClassOptions, index: number, servers: number): ResolvedClass {
  const what = `classes[${index}] (${o.name})`;
  return {
    index,
    name: o.name,
    match: resolveMatch(what, o.match),
    goal: o.discretionary ? null : resolveGoal(what, o.goal),
    importance: intIn(`${what}.importance`, o.importance, 3, 1, 5),
    discretionary: o.discretionary === true,
    maxQueue: intIn(`${what}.maxQueue`, o.maxQueue, DEFAULT_MAX_QUEUE, 0, 1 << 24),
    maxServers: intIn(`${what}.maxServers`, o.maxServers, servers, 0, servers),
  };
}

export function resolveServiceClasses(o: ServiceClassServerOptions, parallelism: number): ResolvedServiceClasses {
  const servers = intIn('queueServers.max', o.queueServers?.max, Math.max(1, parallelism), 1, 256);
  const mode = o.scheduler ?? 'goals';
  if (mode !== 'goals' && mode !== 'fifo') fail(`scheduler must be "goals" or "fifo", got ${JSON.stringify(mode)}`);
  const list = o.classes ?? [];
  const names = new Set<string>();
  const classes: ResolvedClass[] = [];
  for (const [i, c] of list.entries()) {
    if (typeof c.name !== 'string' || c.name === '') fail(`classes[${i}].name is required`);
    if (names.has(c.name) || c.name === DEFAULT_CLASS_NAME) fail(`class name ${JSON.stringify(c.name)} is used twice (or is the default class's)`);
    names.add(c.name);
    classes.push(resolveClass(c, i, servers));
  }
  classes.push(resolveClass({ ...o.defaultClass, name: DEFAULT_CLASS_NAME }, list.length, servers));
  return { classes, servers, mode };
}
