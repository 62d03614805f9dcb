// Which descriptors of this process point at a file (Linux /proc/self/fd).
import * as fs from 'node:fs';

export const haveProcFd = fs.existsSync('/proc/self/fd');

/** Descriptor numbers of this process whose /proc/self/fd link resolves to file. */
export function fdsOpenOn(file: string): number[] {
  const target = fs.realpathSync(file);
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed between readdir and readlink (e.g. the readdir's own fd)
    }
    if (link === target) out.push(Number(name));
  }
  return out;
}

/** Open descriptors of this process. */
export function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/**
 * Lanes of a listening server: each keeps one current slab while idle (one
 * lane for the looper, one per I/O thread for event, one per thread for the
 * thread-per-connection MPMs). Not public API: read from the private field.
 */
export function laneCount(server: object): number {
  const lanes = (server as { lanes?: unknown[] }).lanes;
  return Array.isArray(lanes) && lanes.length > 0 ? lanes.length : 1;
}
