// Closing a file descriptor that a response no longer needs. Synchronously:
// close(2) of a read-only regular file takes microseconds, while fs.close()
// queues it on libuv's thread pool — a hand-off that measured ~100 µs of JS
// thread time per response on a loaded machine (the signal and wake-up of a
// pool thread), more than the close itself.
import * as fs from 'node:fs';

/** Closes fd; one that is already closed is ignored (nothing left to release). */
export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // EBADF: already closed
  }
}
