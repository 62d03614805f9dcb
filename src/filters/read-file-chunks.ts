// Reading a FILE bucket in bounded pieces: filters that must transform file
// data (compression) take it a part at a time, so a file of any size passes
// through a bounded amount of memory. The bucket itself is left unchanged.
import * as fs from 'node:fs';
import { FileBucket } from '../brigade/bucket.js';

/** Largest piece read at once (64 KiB). */
export const FILE_READ_CHUNK = 64 * 1024;

/**
 * Yields the bytes of a FILE bucket in order, in parts of at most
 * min(chunk, 64 KiB) bytes. Each part is read only when the consumer asks for the next one.
 * Throws if the file turns out shorter than the bucket (truncated meanwhile).
 */
export async function* readFileChunks(bucket: FileBucket, chunk: number = FILE_READ_CHUNK): AsyncGenerator<Uint8Array> {
  if (!Number.isInteger(chunk) || chunk <= 0) throw new RangeError(`bad chunk size ${chunk}`);
  const size = Math.min(chunk, FILE_READ_CHUNK);
  let done = 0;
  while (done < bucket.length) {
    const n = Math.min(size, bucket.length - done);
    // A bucket over just this part: FileBucket.read() reads exactly its own length.
    yield await new FileBucket(bucket.fd, bucket.offset + done, n).read();
    done += n;
  }
}

/**
 * The same parts, read synchronously on the calling thread (pread from the
 * page cache costs microseconds; a trip through libuv's thread pool costs
 * more, and under load much more). For filters that must see a page's bytes
 * (SSI), as nginx reads them in its worker. Throws if the file is shorter.
 */
export function* readFileChunksSync(bucket: FileBucket, chunk: number = FILE_READ_CHUNK): Generator<Uint8Array> {
  if (!Number.isInteger(chunk) || chunk <= 0) throw new RangeError(`bad chunk size ${chunk}`);
  const size = Math.min(chunk, FILE_READ_CHUNK);
  let done = 0;
  while (done < bucket.length) {
    const n = Math.min(size, bucket.length - done);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(bucket.fd, buf, got, n - got, bucket.offset + done + got);
      if (r === 0) throw new Error('file shorter than its bucket (truncated?)');
      got += r;
    }
    yield buf;
    done += n;
  }
}
