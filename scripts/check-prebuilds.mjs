// npm pack / npm publish guard (the "prepack" script): a tarball without a
// prebuilt addon would make every install compile from source, so refuse to
// pack when prebuilds/ holds none, and warn when the one for this platform is
// older than the native sources (run `npm run prebuild`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const prebuilds = path.join(root, 'prebuilds');

function files(dir) {
  let out = [];
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(files(p));
    else out.push(p);
  }
  return out;
}

const addons = files(prebuilds).filter((f) => f.endsWith('.node'));
if (addons.length === 0) {
  console.error('brigade: prebuilds/ has no prebuilt addon; run `npm run prebuild` before packing (docs/packaging.md).');
  process.exit(1);
}
const sources = files(path.join(root, 'native'))
  .filter((f) => /\.(cc|h)$/.test(f) && !f.includes(`${path.sep}tests${path.sep}`) && !f.includes(`${path.sep}fuzz${path.sep}`))
  .concat([path.join(root, 'binding.gyp'), path.join(root, 'sources.gypi')]);
const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
const here = path.join(prebuilds, `${process.platform}-${process.arch}`);
for (const f of addons) {
  if (path.dirname(f) === here && fs.statSync(f).mtimeMs < newest) {
    console.error(`brigade: warning: ${path.relative(root, f)} is older than the native sources; run \`npm run prebuild\`.`);
  }
}
console.error(`brigade: packing prebuilt addons: ${addons.map((f) => path.relative(prebuilds, f)).join(', ')}`);
