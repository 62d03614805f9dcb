// Memory of a server's whole process tree from /proc: RSS (VmRSS of
// /proc/<pid>/status) and PSS (/proc/<pid>/smaps_rollup), summed over the
// process and its live descendants, plus process and thread counts.
import { readFileSync } from 'node:fs';
import { descendants } from './proc-cpu.js';

function kib(text, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** { processes, threads, rssKiB, pssKiB } or null when pid is gone. pssKiB is null without smaps_rollup. */
export function treeMemory(pid) {
  let pids;
  try {
    readFileSync(`/proc/${pid}/status`);
    pids = [pid, ...descendants(pid)];
  } catch {
    return null;
  }
  let rss = 0;
  let pss = 0;
  let pssOk = true;
  let threads = 0;
  let processes = 0;
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += kib(status, 'VmRSS') ?? 0;
      threads += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      processes++;
    } catch {
      continue; // exited meanwhile
    }
    try {
      const v = kib(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss');
      if (v === null) pssOk = false;
      else pss += v;
    } catch {
      pssOk = false;
    }
  }
  return { processes, threads, rssKiB: rss, pssKiB: pssOk ? pss : null };
}
