// Wraps a command in `taskset -c <cpus>` when that works on this machine.
// taskset execs the command, so the spawned pid is the pinned program itself.
import { spawnSync } from 'node:child_process';

const usable = new Map();

/** true if `taskset -c <cpus>` can run a program here (the tool exists and the CPUs are online). */
export function canPin(cpus) {
  if (!usable.has(cpus)) {
    const r = spawnSync('taskset', ['-c', cpus, 'true'], { stdio: 'ignore' });
    usable.set(cpus, r.status === 0);
  }
  return usable.get(cpus);
}

/** [command, args, pinned] for spawn(). */
export function pinnedCommand(cpus, command, args) {
  if (cpus && canPin(cpus)) return ['taskset', ['-c', cpus, command, ...args], true];
  return [command, args, false];
}
