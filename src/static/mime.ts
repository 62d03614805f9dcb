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

function withCharset(type: string): string {
  return type.startsWith('text/') || UTF8_TYPES.has(type) ? `${type}; charset=utf-8` : type;
}

export function contentTypeFor(filePath: string): string {
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '') return DEFAULT_CONTENT_TYPE;
  const hit = cache.get(ext);
  if (hit !== undefined) return hit;

  const type = mime.lookup(ext);
  const value = type === false ? DEFAULT_CONTENT_TYPE : withCharset(type);
  if (cache.size < MAX_CACHED) cache.set(ext, value);
  return value;
}

/**
 * The whole table contentTypeFor() answers from, flattened as
 * [extension (lower case, no dot), Content-Type, ...]: handed to the native
 * static fast path, so both paths name every file alike. Extensions it lacks
 * are application/octet-stream on both.
 */
export function contentTypeTable(): string[] {
  const out: string[] = [];
  for (const ext of Object.keys(mime.types)) {
    const type = mime.lookup(ext);
    if (type !== false && ext === ext.toLowerCase()) out.push(ext, withCharset(type));
  }
  return out;
}
