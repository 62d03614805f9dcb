// What each workload requests and the exact answer a contender must give.

export const WORKLOADS = [
  {
    name: 'plaintext',
    path: '/plaintext',
    body: 'Hello, World!',
    contentType: 'text/plain',
  },
  {
    name: 'json',
    path: '/json',
    body: JSON.stringify({ message: 'Hello, World!' }),
    contentType: 'application/json',
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
