// The audit's docroot: the static-conformance docroot (conformance/lib/docroot.js)
// plus a file only a smuggled request asks for, and, next to the docroot, a
// secret file and a symlink to it from inside, for the traversal cases. A
// response that carries SMUGGLED_BODY answered a smuggled request; one that
// carries SECRET_BODY escaped the docroot.
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDocroot } from '../lib/docroot.js';

export const SMUGGLED_PATH = '/smuggled.txt';
export const SMUGGLED_BODY = 'SMUGGLED-BODY-9b1c4e';
export const SECRET_NAME = 'secret.txt';
export const SECRET_BODY = 'TOP-SECRET-OUTSIDE-DOCROOT-51a2';

/** Writes <tmp>/docroot and <tmp>/secret.txt; resolves { dir, files }. */
export function makeFramingDocroot(tmp) {
  const root = makeDocroot(path.join(tmp, 'docroot'));
  const smuggled = path.join(root.dir, SMUGGLED_PATH.slice(1));
  writeFileSync(smuggled, `${SMUGGLED_BODY}\n`, { mode: 0o644 });
  const secret = path.join(tmp, SECRET_NAME);
  writeFileSync(secret, `${SECRET_BODY}\n`, { mode: 0o644 });
  chmodSync(secret, 0o644);
  symlinkSync(secret, path.join(root.dir, 'escape-link.txt'));
  return { dir: root.dir, files: { ...root.files, [SMUGGLED_PATH.slice(1)]: Buffer.from(`${SMUGGLED_BODY}\n`) } };
}
