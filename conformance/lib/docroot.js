// The docroot both servers serve: small and large text, binary, HTML indexes,
// a subdirectory with and without an index, a precompressed .gz sibling, an
// empty file, names with a space and non-ASCII letters, a dotfile. Contents
// are deterministic and every mtime is fixed in the past, so Last-Modified is
// a strong validator for both servers and dates in the cases can be exact.
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Last-Modified of every file (the .gz sibling is a minute newer). */
export const MTIME = new Date('2024-03-05T10:20:30Z');

function textLines(count, label) {
  const lines = [];
  for (let i = 0; i < count; i++) lines.push(`${label} line ${String(i).padStart(6, '0')}: the quick brown fox jumps over the lazy dog\n`);
  return Buffer.from(lines.join(''));
}

/** Deterministic pseudo-random bytes (xorshift32): incompressible, but the same on every run. */
function noise(size, seed) {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const HTML = (title) => Buffer.from(
  `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n` +
    `<h1>${title}</h1>\n${'<p>Static file conformance: brigade against nginx on the same docroot.</p>\n'.repeat(30)}</body></html>\n`,
);

/** name (relative, '/'-separated) → bytes. Directories are implied; 'nodir/' has no index. */
export function docrootFiles() {
  const js = Buffer.from(`// precompressed sibling test\n${'export const answer = () => 42; // padding for gzip\n'.repeat(160)}`);
  return {
    'small.txt': textLines(3, 'small'), // below the 1024-byte gzip threshold
    'large.txt': textLines(3000, 'large'), // ~220 KB, compressible
    'data.bin': noise(100 * 1024, 0x5eed),
    'index.html': HTML('Root index'),
    'sub/index.html': HTML('Sub index'),
    'sub/page.html': HTML('Sub page'),
    'nodir/readme.txt': textLines(2, 'nodir'),
    'pre.js': js,
    'pre.js.gz': gzipSync(js, { level: 9 }),
    'empty.txt': Buffer.alloc(0),
    'with space.txt': textLines(30, 'space'),
    'ünïcødé.txt': textLines(30, 'unicode'),
    '.hidden.txt': textLines(30, 'hidden'),
  };
}

/** Writes the docroot under dir (world-readable: nginx workers run as nobody when started as root). */
export function makeDocroot(dir) {
  const files = docrootFiles();
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const dirs = new Set();
  for (const [name, bytes] of Object.entries(files)) {
    const file = path.join(dir, ...name.split('/'));
    const parent = path.dirname(file);
    if (!dirs.has(parent)) {
      mkdirSync(parent, { recursive: true, mode: 0o755 });
      chmodSync(parent, 0o755);
      dirs.add(parent);
    }
    writeFileSync(file, bytes, { mode: 0o644 });
    const mtime = name.endsWith('.gz') ? new Date(MTIME.getTime() + 60_000) : MTIME;
    utimesSync(file, mtime, mtime);
  }
  for (const d of dirs) utimesSync(d, MTIME, MTIME);
  return { dir, files };
}
