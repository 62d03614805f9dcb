// Writes one JSON file per bench invocation: options, machine, summaries and every raw run.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** ISO 8601 basic format (20261123T183005Z): sortable and free of ':' for any file system. */
export function fileTimestamp(date = new Date()) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function writeResults(dir, data, date = new Date()) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${fileTimestamp(date)}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}
