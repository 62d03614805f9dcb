// docs/api.md is checked against the code: every name src/index.ts exports
// has a "### `Name`" entry, every entry names a real export, and every public
// Server method is mentioned as `server.method(`.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const read = (rel: string): string => fs.readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
const test = suite('api-docs');
const doc = read('../docs/api.md');
const index = read('../src/index.ts');

/** Names exported by `export { A, B as C }` / `export type { … }` statements. */
function exportedNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, '').trim();
      if (name) names.add(name);
    }
  }
  for (const m of source.matchAll(/export\s+(?:declare\s+)?(?:function|class|const|interface|type)\s+(\w+)/g)) names.add(m[1]!);
  return names;
}

const documented = new Set([...doc.matchAll(/^### `(\w+)`/gm)].map((m) => m[1]!));
const exported = exportedNames(index);

test('the export parser sees the exports (guards the checks below)', () => {
  assert.ok(exported.has('createServer'));
  assert.ok(exported.has('Filter'));
  assert.ok(exported.size > 20);
});

test('every export is documented', () => {
  assert.equal([...exported].filter((n) => !documented.has(n)).sort(), []);
});

test('every documented name is exported', () => {
  assert.equal([...documented].filter((n) => !exported.has(n)).sort(), []);
});

test('every public Server method is documented', () => {
  // Non-private methods of class Server, read from the source ("  name(" or
  // "  name<T>(" at class-member indentation; getters and private ones do not match).
  const source = read('../src/server.ts');
  const body = source.slice(source.indexOf('export class Server'));
  const classBody = body.slice(0, body.indexOf('\n}\n'));
  // Methods the server implements for its own lanes and responses, not for users.
  const internal = new Set(['constructor', 'onMessage', 'responseFinished']);
  const methods = [...classBody.matchAll(/^  (?:async\s+)?(\w+)\s*(?:<[^>]*>)?\(/gm)].map((m) => m[1]!).filter((n) => !internal.has(n));
  assert.ok(methods.includes('listen'));
  const missing = methods.filter((m) => !doc.includes(`server.${m}(`) && !doc.includes(`\`${m}(\``) && !doc.includes(` ${m}(\``));
  assert.equal(missing, []);
});

test.run();
