// Content-Type for a file, from its extension (mime-types' table), with an
// explicit UTF-8 charset on the textual types browsers would otherwise sniff.

import * as path from 'node:path';
import mime from 'mime-types';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const UTF8_TYPES = new Set(['application/javascript', 'application/json', 'image/svg+xml']);

// Keyed by lower-case extension. Bounded: extensions come from request paths,
// so an unbounded cache would let clients grow it without limit.
const MAX_CACHED = 512;
const cache = new Map<string, string>();

export function contentTypeFor(filePath: string): string {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '') return DEFAULT_CONTENT_TYPE;
  const hit = cache.get(ext);
  if (hit !== undefined) return hit;

  const type = mime.lookup(ext);
  let value = DEFAULT_CONTENT_TYPE;
  if (type !== false) {
    value = type.startsWith('text/') || UTF8_TYPES.has(type) ? `${type}; charset=utf-8` : type;
  }
  if (cache.size < MAX_CACHED) cache.set(ext, value);
  return value;
}
