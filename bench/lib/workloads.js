// What each workload requests, from which contender, and the exact answer
// expected. A contender that cannot take part in a workload gets N/A with the
// reason (never a failure). kind: 'wrk' = throughput runs, 'slow' = slow
// readers + fast clients, 'idle' = idle keep-alive connections, 'classes' =
// brigade's service classes under overload (goal scheduling vs FIFO).
import { HELLO } from './docroot.js';

const JSON_BODY = JSON.stringify({ message: HELLO });

const plaintextTarget = (c) => ({
  path: c.caps.plaintext.path,
  label: c.caps.plaintext.label,
  expect: { body: Buffer.from(HELLO), contentType: 'text/plain' },
});

const fileTarget = (name, c, docroot, what = 'static files') => {
  if (!c.caps.static) return { na: `serves no ${what}` };
  return { path: `/${name}`, label: `/${name}`, expect: { body: docroot.files[name], contentType: name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream' } };
};

/** Static contenders: /1k.bin; handler-only and canned ones: /plaintext. */
const manyConnTarget = (c, docroot) => (c.caps.static ? fileTarget('1k.bin', c, docroot) : plaintextTarget(c));

export const WORKLOADS = [
  {
    name: 'plaintext',
    title: 'Plaintext (13-byte body)',
    kind: 'wrk',
    matrix: true,
    target: (c) => plaintextTarget(c),
  },
  {
    name: 'json',
    title: 'JSON handler',
    kind: 'wrk',
    target: (c) =>
      c.caps.handlers
        ? { path: '/json', label: '/json (handler)', expect: { body: Buffer.from(JSON_BODY), contentType: 'application/json' } }
        : { na: 'no request handlers (JSON is a handler-only workload)' },
  },
  { name: 'static-1k', title: 'Static file, 1 KiB', kind: 'wrk', matrix: true, target: (c, d) => fileTarget('1k.bin', c, d) },
  { name: 'static-100k', title: 'Static file, 100 KiB', kind: 'wrk', target: (c, d) => fileTarget('100k.bin', c, d) },
  { name: 'static-1m', title: 'Static file, 1 MiB', kind: 'wrk', matrix: true, target: (c, d) => fileTarget('1m.bin', c, d) },
  {
    name: 'ssi-gzip',
    title: 'SSI page (include + echo, ~4 KB) with gzip',
    kind: 'wrk',
    target(c, d) {
      if (c.caps.ssi) return { na: c.caps.ssi };
      return {
        path: '/index.shtml',
        label: '/index.shtml (Accept-Encoding: gzip)',
        headers: { 'Accept-Encoding': 'gzip' },
        expect: { body: d.ssiExpected, contentType: 'text/html', gzip: true },
      };
    },
  },
  {
    name: 'c1000',
    title: '1,000 connections',
    kind: 'wrk',
    matrix: true,
    connections: 1000,
    target: (c, d) => manyConnTarget(c, d),
  },
  {
    name: 'slow-readers',
    title: 'Fast clients (/1k.bin) while slow readers download /1m.bin',
    kind: 'slow',
    target(c, d) {
      if (!c.caps.static) return { na: 'cannot serve /1m.bin to the slow readers' };
      return { ...fileTarget('1k.bin', c, d), slowPath: '/1m.bin', slowSize: d.files['1m.bin'].length };
    },
  },
  {
    name: 'overload-classes',
    title: 'Service classes under 2x overload: interactive p90 vs goal, goal scheduling vs FIFO',
    kind: 'classes',
    // A property of brigade's queue servers, measured once (they do not depend on the MPM).
    target: (c) =>
      c.name === 'brigade-looper'
        ? { label: '/interactive/x + /batch/x (queue servers)' }
        : { na: c.family === 'brigade' ? 'measured once, on brigade-looper' : 'no service classes or goal scheduling' },
  },
  {
    name: 'idle',
    title: 'Idle keep-alive connections',
    kind: 'idle',
    target: (c, d) => (c.caps.static ? fileTarget('hello.txt', c, d) : plaintextTarget(c)),
  },
];

export function selectWorkloads(names) {
  if (!names) return WORKLOADS;
  const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) {
    throw new Error(`unknown workload(s): ${unknown.join(', ')} (known: ${WORKLOADS.map((w) => w.name).join(', ')})`);
  }
  return WORKLOADS.filter((w) => names.includes(w.name));
}
