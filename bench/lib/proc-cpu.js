// CPU time from /proc: per process tree (server, load generator) and per CPU
// (to see load that belongs to neither). All values are in clock ticks.
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

let ticksPerSecond = null;

/** Clock ticks per second (getconf CLK_TCK; 100 on practically every Linux). */
export function clockTicks() {
  if (ticksPerSecond === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and
 * parentheses, so fields are counted from the last ')'.
 * Returns null once the process is gone.
 */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' '); // rest[0] is field 3
  const field = (n) => Number(rest[n - 3]);
  return {
    pid,
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16), // children already reaped by this process
    cstime: field(17),
  };
}

/** Live descendants of pid (children, grandchildren, ...). */
export function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const child of childrenOf(p)) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function childrenOf(pid) {
  // /proc/<pid>/task/<tid>/children lists children per thread (CONFIG_PROC_CHILDREN);
  // fall back to scanning every process's ppid when it is not there.
  try {
    const kids = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) kids.push(...text.split(/\s+/).map(Number));
    }
    return kids;
  } catch (err) {
    if (err.code === 'ENOENT' && !safeExists(`/proc/${pid}`)) return [];
    const kids = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const st = readStat(Number(name));
      if (st && st.ppid === pid) kids.push(st.pid);
    }
    return kids;
  }
}

function safeExists(path) {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * user+system ticks of a whole process tree: every thread of every live
 * process (a process's stat already sums its threads) plus the children each
 * one has reaped. null when the root process is gone.
 */
export function treeTicks(pid) {
  const root = readStat(pid);
  if (!root) return null;
  let total = root.utime + root.stime + root.cutime + root.cstime;
  for (const child of descendants(pid)) {
    const st = readStat(child);
    if (st) total += st.utime + st.stime + st.cutime + st.cstime;
  }
  return total;
}

/** Ticks the running node process has collected from children it reaped. */
export function ownReapedChildTicks() {
  const st = readStat(process.pid);
  return st ? st.cutime + st.cstime : null;
}

/** Expands a taskset CPU list ("0,2-3") into numbers. */
export function expandCpuList(list) {
  const cpus = new Set();
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.add(c);
  }
  return [...cpus].sort((x, y) => x - y);
}

/**
 * Busy ticks (everything except idle and iowait) summed over the given CPUs,
 * from /proc/stat. Used for the "other CPU" column: busy time on the bench's
 * CPUs that belongs neither to the server nor to the load generator.
 */
export function cpuBusyTicks(cpus) {
  let text;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const wanted = new Set(cpus.map((c) => `cpu${c}`));
  let busy = 0;
  let found = 0;
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (!wanted.has(cols[0])) continue;
    found++;
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const [user, nice, system, , , irq, softirq, steal] = cols.slice(1, 9).map(Number);
    busy += user + nice + system + irq + softirq + (steal || 0);
  }
  return found === wanted.size ? busy : null;
}

/** Busy % of one core, summed over `cpus`, sampled for `ms` (e.g. 200 = two cores fully busy). */
export async function busyPercent(cpus, ms = 1000) {
  const before = cpuBusyTicks(cpus);
  const t0 = process.hrtime.bigint();
  await new Promise((res) => setTimeout(res, ms));
  const after = cpuBusyTicks(cpus);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (before === null || after === null) return null;
  return (100 * (after - before)) / clockTicks() / wallS;
}
