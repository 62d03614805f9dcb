// The access log writer: lines are appended to an in-memory buffer on the JS
// thread and written in batches (every flushIntervalMs, or as soon as the
// buffer holds bufferBytes), asynchronously through libuv's thread pool, so no
// request ever waits for a write. File operations run one at a time in order
// (write, reopen, close). reopen() serves logrotate: after the file was
// renamed, SIGHUP (or SIGUSR2) makes the server write what it buffered to the
// old file and open a new one under the configured path.
import * as fsp from 'node:fs/promises';
import { clfNow, formatLogLine, type AccessLogFormat, type LogRecord } from './access-log-format.js';

export interface AccessLogOptions {
  /** File to append to (created if missing). */
  path: string;
  /** "common" (default) or "combined" (adds Referer and User-Agent). */
  format?: AccessLogFormat;
  /** Write buffered lines at least this often (ms, default 1000). */
  flushIntervalMs?: number;
  /** Write as soon as this many bytes are buffered (default 64 KiB). */
  bufferBytes?: number;
  /** Signals that reopen the file (default SIGHUP and SIGUSR2; [] installs no handler). */
  reopenSignals?: readonly NodeJS.Signals[];
}

export class AccessLog {
  readonly path: string;
  readonly format: AccessLogFormat;
  private readonly flushIntervalMs: number;
  private readonly bufferBytes: number;
  private readonly signals: readonly NodeJS.Signals[];
  private pending: string[] = [];
  private pendingBytes = 0;
  private file: fsp.FileHandle | null = null;
  private ops: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private flushQueued = false;
  private closed = false;
  private readonly onSignal = (): void => {
    this.reopen().catch((err: unknown) => process.emitWarning(`brigade: access log reopen failed: ${String(err)}`));
  };
  /** The last write error (the log keeps buffering and retries at the next flush). */
  lastError: Error | null = null;

  constructor(o: AccessLogOptions) {
    if (typeof o.path !== 'string' || o.path === '') throw new TypeError('brigade: accessLog.path must be a file path');
    const format = o.format ?? 'common';
    if (format !== 'common' && format !== 'combined') throw new RangeError(`brigade: accessLog.format must be "common" or "combined", got ${JSON.stringify(format)}`);
    this.path = o.path;
    this.format = format;
    this.flushIntervalMs = o.flushIntervalMs ?? 1000;
    this.bufferBytes = o.bufferBytes ?? 64 * 1024;
    this.signals = o.reopenSignals ?? ['SIGHUP', 'SIGUSR2'];
  }

  /** Opens the file, starts the flush timer and the reopen signal handlers. */
  async open(): Promise<void> {
    this.file = await fsp.open(this.path, 'a');
    this.timer = setInterval(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
    for (const s of this.signals) process.on(s, this.onSignal);
  }

  /** Hot path: format and buffer one line. */
  log(r: LogRecord): void {
    if (this.closed) return;
    const line = formatLogLine(r, this.format, clfNow());
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= this.bufferBytes) this.flush();
  }

  /** Queues a write of everything buffered so far. */
  flush(): Promise<void> {
    if (this.flushQueued || this.pending.length === 0) return this.ops;
    this.flushQueued = true;
    return this.enqueue(() => this.writePending());
  }

  /** Writes what is buffered to the current file, then opens path anew (after a rename by logrotate). */
  reopen(): Promise<void> {
    return this.enqueue(async () => {
      await this.writePending();
      const old = this.file;
      this.file = await fsp.open(this.path, 'a');
      await old?.close();
    });
  }

  /** Writes everything buffered and closes the file. */
  close(): Promise<void> {
    if (this.closed) return this.ops;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.signals) process.off(s, this.onSignal);
    return this.enqueue(async () => {
      await this.writePending();
      await this.file?.close();
      this.file = null;
    });
  }

  // One file operation at a time, in order; a failed one does not stop the next.
  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.ops.then(op);
    this.ops = run.catch(() => undefined);
    return run;
  }

  private async writePending(): Promise<void> {
    this.flushQueued = false;
    if (this.pending.length === 0 || !this.file) return;
    const data = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      await this.file.appendFile(data, 'latin1');
      this.lastError = null;
    } catch (err) {
      // Keep the lines for the next attempt (disk full, file gone): bounded, so a
      // log that cannot be written does not grow without limit.
      this.lastError = err instanceof Error ? err : new Error(String(err));
      if (data.length < 16 * this.bufferBytes) {
        this.pending.unshift(data);
        this.pendingBytes += data.length;
      }
    }
  }
}
