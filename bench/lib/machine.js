// What the numbers were measured on; stored with every results file because
// absolute figures only compare on the same machine.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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

function osRelease() {
  try {
    return /^PRETTY_NAME="?([^"\n]+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

function sysctl(name) {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

/** The soft open-files limit the bench's children inherit (ulimit -n), or null. */
export function openFilesLimit() {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}

export function machineInfo(loadgen, contenders = []) {
  const versions = {};
  for (const c of contenders) {
    if (c.skip) continue;
    try {
      versions[c.name] = c.version();
    } catch {
      versions[c.name] = 'unknown';
    }
  }
  return {
    cpuModel: cpuModel(),
    // os.cpus() counts online CPUs; availableParallelism() would shrink once the bench pins itself.
    nproc: os.cpus().length,
    kernel: os.release(),
    os: osRelease(),
    platform: `${os.platform()} ${os.arch()}`,
    memTotalMiB: Math.round(os.totalmem() / 1024 ** 2),
    loadAverage: os.loadavg(),
    openFilesLimit: openFilesLimit(),
    tcp: { wmem: sysctl('net.ipv4.tcp_wmem'), rmem: sysctl('net.ipv4.tcp_rmem'), somaxconn: sysctl('net.core.somaxconn') },
    node: process.version,
    clockTicksPerSecond: clockTicks(),
    loadGenerator: { kind: loadgen.kind, version: loadgen.version, fallbackReason: loadgen.reason },
    contenderVersions: versions,
  };
}
