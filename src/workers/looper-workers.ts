// The thread that called listen() with workers: N > 1. It serves nothing
// itself: it starts N worker threads (worker-main), each a looper with its own
// SO_REUSEPORT socket on the same address, and closes them all on close().
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import type { WorkerPlan } from '../config.js';
import type { FromWorker, ToWorker, WorkerStart } from './messages.js';

// Under tsx (tests, development) the sources are .ts and a worker must
// register the TypeScript loader before importing its entry; from dist the
// entry is plain JavaScript.
const ENTRY = new URL(`./worker-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function spawnWorker(data: WorkerStart): Worker {
  if (!ENTRY.pathname.endsWith('.ts')) return new Worker(ENTRY, { workerData: data });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`listen ${host}:${port}: ${err.code ?? err.message}`)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export class LooperWorkers {
  private readonly threads: Worker[] = [];
  private readonly exited = new Set<Worker>();

  private readonly plan: WorkerPlan;

  constructor(plan: WorkerPlan) {
    this.plan = plan;
  }

  get count(): number {
    return this.plan.count;
  }

  /**
   * Starts the workers on the configured port, all at once; with port 0,
   * worker 0 first and the others on the port it got. Resolves with the port;
   * on any failure stops those already started and rejects.
   */
  async start(): Promise<number> {
    try {
      const configured = this.plan.options.port ?? 8080;
      // SO_REUSEPORT would let the workers join another server already bound
      // with it (same user) and silently split its traffic: refuse a port in use.
      if (configured !== 0) await assertPortFree(this.plan.options.host ?? '127.0.0.1', configured);
      const port = configured === 0 ? await this.startOne(0, 0) : configured;
      const rest = [];
      for (let id = configured === 0 ? 1 : 0; id < this.plan.count; id++) rest.push(this.startOne(id, port));
      await Promise.all(rest);
      return port;
    } catch (err) {
      await this.close(1000);
      throw err;
    }
  }

  private startOne(id: number, port: number): Promise<number> {
    const w = spawnWorker({ id, options: { ...this.plan.options, port }, app: this.plan.app, appData: this.plan.appData });
    this.threads.push(w);
    w.once('exit', () => this.exited.add(w));
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'listening') {
          done();
          resolve(m.port);
        } else if (m.type === 'error') {
          done();
          reject(new Error(`brigade: worker ${id}: ${m.message}`));
        }
      };
      const onError = (err: Error): void => {
        done();
        reject(new Error(`brigade: worker ${id}: ${err.message}`));
      };
      const onExit = (code: number): void => {
        done();
        reject(new Error(`brigade: worker ${id} exited (code ${code}) before listening`));
      };
      const done = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
    });
  }

  /**
   * Graceful: every worker drains (server.close with this timeout) in
   * parallel; a worker that has not finished a second after its timeout is
   * terminated.
   */
  async close(timeout: number): Promise<void> {
    const msg: ToWorker = { type: 'close', timeout };
    await Promise.all(
      this.threads.map(async (w) => {
        if (this.exited.has(w)) return;
        const gone = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage(msg);
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          gone.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), timeout + 1000);
          }),
        ]);
        if (timer) clearTimeout(timer);
        if (late) await w.terminate();
      }),
    );
    this.threads.length = 0;
  }
}
