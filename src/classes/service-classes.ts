// Service classes with queue servers: the main-thread side. Classifies each
// request handed to it, queues it in its class (or answers 503), and lets the
// scheduler choose which request a free queue server runs next; the worker's
// answer is written through the request's own Response on the main thread.
// Created only when options.app is set, so the normal path never sees it.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Classifier } from './classifier.js';
import { QueueServerPool } from './queue-server-pool.js';
import { resolveServiceClasses, type ResolvedServiceClasses } from './resolve.js';
import { Scheduler, type Clock, type Dispatch } from './scheduler.js';
import { ownBuffer, type JobMessage, type ReplyMessage } from './wire.js';
import type { ClassStats, ServiceClassServerOptions } from './types.js';
import type { Handler, Request, Response } from '../types.js';
import { CLASS_IN_JS } from '../bridge/layout.js';
import type { NativeClassRule } from '../native.js';
import { BrigadeRequest } from '../request.js';
import { nativeClassRules } from './native-rules.js';

/** How often the scheduler re-evaluates goals and adapts reservations (httpd's maintenance tick). */
export const EVALUATE_INTERVAL_MS = 250;

interface Job {
  req: Request;
  res: Response;
  msg: JobMessage;
  resolve: () => void;
  reject: (err: Error) => void;
}

// Hop-by-hop and framing fields are the main thread's business.
const SKIP_REPLY_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

const wallClock: Clock = { now: () => performance.now() };

export class ServiceClasses {
  readonly config: ResolvedServiceClasses;
  private readonly classifier: Classifier;
  private readonly scheduler: Scheduler<Job>;
  private readonly pool: QueueServerPool;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private closing = false;
  /** Requests the native classifier left to TypeScript (header regex, repeated fields, unknown methods). */
  classifiedInJs = 0;
  readonly handler: Handler;

  /** null unless options.app is set: then nothing of this exists on the request path. */
  static fromOptions(options: ServiceClassServerOptions & { fetch?: unknown }): ServiceClasses | null {
    if (options.app === undefined) {
      if (options.classes || options.queueServers || options.scheduler || options.defaultClass) {
        throw new RangeError('brigade: service classes need options.app (the module the queue servers run)');
      }
      return null;
    }
    if (options.fetch) throw new RangeError('brigade: options.app and options.fetch both answer unrouted requests: choose one');
    return new ServiceClasses({ ...options, app: options.app });
  }

  constructor(options: ServiceClassServerOptions & { app: URL | string }) {
    this.config = resolveServiceClasses(options, availableParallelism());
    this.classifier = new Classifier(this.config.classes);
    this.scheduler = new Scheduler<Job>(this.config.classes, this.config.servers, this.config.mode, wallClock);
    const app = options.app instanceof URL ? options.app.href : toModuleUrl(options.app);
    this.pool = new QueueServerPool(app, this.config.servers, () => this.pump());
    this.handler = (req, res) => this.enqueue(req, res);
  }

  /** Starts the queue servers (rejects if the app module cannot be loaded) and the evaluation tick. */
  async start(): Promise<void> {
    await this.pool.start();
    this.timer = setInterval(() => {
      this.scheduler.evaluate();
      this.pump();
    }, EVALUATE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the tick, drops what is still queued and terminates the workers. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closing = true;
    for (const job of this.scheduler.clear()) job.resolve();
    await this.pool.close();
  }

  /** Rules for the native classifier (merged into the native configuration). */
  nativeRules(): { classRules: NativeClassRule[]; defaultClass: number } {
    return nativeClassRules(this.config.classes);
  }

  stats(): ClassStats[] {
    return this.scheduler.stats();
  }

  /** threadIds of the queue servers. */
  threadIds(): number[] {
    return this.pool.threadIds();
  }

  /** Queue-server threads that have not exited yet. */
  get liveWorkers(): number {
    return this.pool.liveWorkers;
  }

  private async enqueue(req: Request, res: Response): Promise<void> {
    // The native classifier's verdict travels in the request record; what it
    // left open (CLASS_IN_JS) is decided here, before anything else is built.
    const native = req instanceof BrigadeRequest ? req.classIndex : CLASS_IN_JS;
    let classIndex = native;
    if (native === CLASS_IN_JS || native >= this.config.classes.length) {
      classIndex = this.classifier.classify(req);
      ++this.classifiedInJs;
    }
    const cls = this.config.classes[classIndex]!;
    const headers: string[] = [];
    for (const [name, value] of Object.entries(req.headers)) headers.push(name, value);
    const msg: JobMessage = { id: this.nextId++, className: cls.name, method: req.method, target: req.url, headers, remoteAddress: req.remoteAddress, body: null };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const bytes = await req.bytes();
      if (bytes.length > 0) msg.body = ownBuffer(bytes);
    }
    await new Promise<void>((resolve, reject) => {
      const job: Job = { req, res, msg, resolve, reject };
      if (!this.scheduler.offer(classIndex, job)) {
        refuse(res);
        resolve();
        return;
      }
      this.pump();
    });
  }

  /** Hands queued requests to free queue servers, in the scheduler's order. */
  private pump(): void {
    while (this.pool.idleCount > 0) {
      const d = this.scheduler.next();
      if (!d) return;
      const job = d.item;
      if (job.res.aborted || job.res.finished) {
        this.scheduler.complete(d, false); // the client left (or a timeout answered) while it waited
        job.resolve();
        continue;
      }
      this.pool.run(job.msg).then(
        (reply) => this.answer(d, reply),
        (err: Error) => {
          this.scheduler.complete(d, false);
          // Terminated by close(): the server is gone, there is nobody to answer.
          if (this.closing) job.resolve();
          else job.reject(err);
          this.pump();
        },
      );
    }
  }

  private answer(d: Dispatch<Job>, reply: ReplyMessage): void {
    this.scheduler.complete(d);
    const job = d.item;
    if (reply.error !== undefined) {
      job.reject(new Error(`queue server handler failed: ${reply.error}`));
    } else {
      try {
        if (!job.res.finished && !job.res.aborted) write(job.res, reply);
        job.resolve();
      } catch (err) {
        job.reject(err as Error);
      }
    }
    this.pump();
  }
}

function write(res: Response, reply: ReplyMessage): void {
  res.status(reply.status);
  const h = reply.headers;
  for (let i = 0; i < h.length; i += 2) if (!SKIP_REPLY_HEADERS.has(h[i]!)) res.appendHeader(h[i]!, h[i + 1]!);
  res.end(reply.body ? new Uint8Array(reply.body) : undefined);
}

/** Admission control: the class's queue is full. */
function refuse(res: Response): void {
  res.status(503).setHeader('Content-Type', 'text/plain; charset=utf-8').setHeader('Retry-After', '1');
  res.end('Service Unavailable: too many requests of this class are waiting\n');
}

function toModuleUrl(app: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(app) && !/^[a-z]:[\\/]/i.test(app) ? app : pathToFileURL(app).href;
}
