// The queue servers: N worker threads running the app module, one request at a
// time each. A worker that dies (an uncaught error in the app) fails its request
// and is replaced; close() terminates them all.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JobMessage, ReadyMessage, ReplyMessage } from './wire.js';

interface Slot {
  worker: Worker;
  ready: boolean;
  job: { id: number; resolve: (r: ReplyMessage) => void; reject: (e: Error) => void } | null;
}

export class QueueServerCrashedError extends Error {}

/**
 * What a worker is started from. Built code starts queue-server.js directly.
 * From source (tests, examples run through tsx) the worker must register tsx
 * itself before importing the .ts entry: Node 20 workers do not pick up the
 * parent's loader hooks for their entry module.
 */
function workerSource(app: string): { source: string | URL; eval: boolean } {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './queue-server.ts' : './queue-server.js', here);
  if (!fromSource && !/\.[mc]?ts$/.test(app)) return { source: entry, eval: false };
  const code = `import(${JSON.stringify(tsxApi())}).then((m) => { (m.register ? m : m.default).register(); return import(${JSON.stringify(entry.href)}); })`;
  return { source: code, eval: true };
}

/** tsx's loader API; code run through tsx's CommonJS transform has no import.meta.resolve. */
function tsxApi(): string {
  const meta = import.meta as { resolve?: (specifier: string) => string };
  if (typeof meta.resolve === 'function') return meta.resolve('tsx/esm/api');
  // The package's "require" build of this API is the .cjs twin of the .mjs one.
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

export class QueueServerPool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private closed = false;
  // Workers that have not emitted 'exit' yet (terminated or crashed ones leave).
  private readonly alive = new Set<Worker>();

  private readonly app: string;
  private readonly size: number;
  /** Called whenever a server becomes free (to dispatch the next request). */
  private readonly onIdle: () => void;

  constructor(app: string, size: number, onIdle: () => void) {
    this.app = app;
    this.size = size;
    this.onIdle = onIdle;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Worker threads that have not exited (0 after close()). */
  get liveWorkers(): number {
    return this.alive.size;
  }

  /** threadIds of the workers ready to serve. */
  threadIds(): number[] {
    return this.slots.filter((s) => s.ready).map((s) => s.worker.threadId);
  }

  /** Starts every worker; rejects if the app module cannot be loaded. */
  async start(): Promise<void> {
    const started = [];
    for (let i = 0; i < this.size; ++i) started.push(this.spawn());
    try {
      await Promise.all(started);
    } catch (err) {
      await this.close(); // the ones that did start must not outlive the failed listen()
      throw err;
    }
  }

  /** Runs job on an idle server (the caller checked idleCount). */
  run(job: JobMessage): Promise<ReplyMessage> {
    const slot = this.idle.pop();
    if (!slot) return Promise.reject(new Error('brigade: no idle queue server'));
    return new Promise<ReplyMessage>((resolve, reject) => {
      slot.job = { id: job.id, resolve, reject };
      slot.worker.postMessage(job, job.body ? [job.body] : []);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    this.idle.length = 0;
    for (const s of slots) s.job?.reject(new QueueServerCrashedError('brigade: server closing'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const { source, eval: isEval } = workerSource(this.app);
    const worker = new Worker(source, { eval: isEval, workerData: { app: this.app } });
    const slot: Slot = { worker, ready: false, job: null };
    this.slots.push(slot);
    this.alive.add(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: ReplyMessage | ReadyMessage) => {
        if ('ready' in m) {
          if (m.startError !== undefined) {
            reject(new Error(`brigade: queue server cannot load ${this.app}: ${m.startError}`));
            void worker.terminate();
            return;
          }
          slot.ready = true;
          this.release(slot);
          resolve();
          return;
        }
        const job = slot.job;
        if (!job || job.id !== m.id) return;
        slot.job = null;
        this.release(slot);
        job.resolve(m);
      });
      worker.on('error', (err) => {
        if (!slot.ready) reject(err);
        this.fail(slot, err);
      });
      worker.on('exit', (code) => {
        this.alive.delete(worker);
        if (!slot.ready) reject(new Error(`brigade: queue server exited (${code}) before it was ready`));
        this.fail(slot, new QueueServerCrashedError(`brigade: queue server exited with code ${code}`));
      });
    });
  }

  /** A worker died: its request fails, and a fresh worker takes its place. */
  private fail(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already handled (error is followed by exit)
    this.slots.splice(i, 1);
    const k = this.idle.indexOf(slot);
    if (k >= 0) this.idle.splice(k, 1);
    const job = slot.job;
    slot.job = null;
    job?.reject(err instanceof QueueServerCrashedError ? err : new QueueServerCrashedError(`brigade: queue server crashed: ${err.message}`, { cause: err }));
    if (this.closed || !slot.ready) return;
    void slot.worker.terminate();
    this.spawn().catch((e: unknown) => {
      if (!this.closed) process.emitWarning(`brigade: cannot replace a queue server: ${String(e)}`);
    });
  }

  private release(slot: Slot): void {
    if (this.closed) return;
    this.idle.push(slot);
    this.onIdle();
  }
}
