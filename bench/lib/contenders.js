// The contenders: one module per kind of server in bench/contenders/, listed
// here in the order they run, with name groups for --only.
import { brigadeContenders } from '../contenders/brigade.js';
import { nodeContenders } from '../contenders/node.js';
import { apacheContenders } from '../contenders/apache.js';
import { nginxContenders } from '../contenders/nginx.js';
import { floorContenders } from '../contenders/floor.js';
import { tlsContenders } from '../contenders/tls.js';

export { REPO_ROOT } from '../contenders/paths.js';

// Ratio lines are printed as "<contender> vs <baseline>" for each of these.
export const BASELINES = ['node-http', 'apache-worker'];

export function allContenders() {
  return [...brigadeContenders(), ...nodeContenders(), ...apacheContenders(), ...nginxContenders(), ...floorContenders(), ...tlsContenders()];
}

/** --only names: contender names or family names (brigade, node, apache, nginx, floor, tls). */
export function selectContenders(names) {
  const all = allContenders();
  if (!names) return all;
  const known = new Set([...all.map((c) => c.name), ...all.map((c) => c.family)]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new Error(`unknown contender(s): ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
  return all.filter((c) => names.includes(c.name) || names.includes(c.family));
}
