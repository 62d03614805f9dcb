// What res.sendFile() does before the bytes go anywhere, shared by the real
// response and a subrequest's collecting response: open the file, check that
// it is a regular file and that the range lies inside it, and name the
// Content-Type to use when the response has none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import mime from 'mime-types';
import type { SendFileOptions } from './types.js';

export interface OpenedRange {
  fd: number;
  offset: number;
  length: number;
  contentType: string;
}

/** Rejects (and closes what it opened) for a missing, non-regular or too short file. */
export async function openFileRange(file: string, options: SendFileOptions = {}): Promise<OpenedRange> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, d) => (err ? reject(err) : resolve(d))));
  let size: number;
  try {
    const st = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, s) => (err ? reject(err) : resolve(s))));
    if (!st.isFile()) throw Object.assign(new Error(`not a regular file: ${file}`), { code: 'EISDIR' });
    size = st.size;
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  const offset = options.offset ?? 0;
  const length = options.length ?? Math.max(0, size - offset);
  if (offset < 0 || length < 0 || offset + length > size) {
    fs.close(fd, () => {});
    throw new RangeError('sendFile: range outside the file');
  }
  const contentType = options.contentType ?? (mime.contentType(path.extname(file)) || 'application/octet-stream');
  return { fd, offset, length, contentType };
}
