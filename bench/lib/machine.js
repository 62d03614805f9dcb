// What the numbers were measured on; stored with every results file because
// absolute figures only compare on the same machine.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { clockTicks } from './proc-cpu.js';

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux, or no /proc
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(loadgen) {
  return {
    cpuModel: cpuModel(),
    // os.cpus() counts online CPUs; availableParallelism() would shrink once the bench pins itself.
    nproc: os.cpus().length,
    kernel: os.release(),
    platform: `${os.platform()} ${os.arch()}`,
    memTotalMiB: Math.round(os.totalmem() / 1024 ** 2),
    node: process.version,
    clockTicksPerSecond: clockTicks(),
    loadGenerator: { kind: loadgen.kind, version: loadgen.version, fallbackReason: loadgen.reason },
  };
}
