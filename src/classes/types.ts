// Public types of service classes and queue servers (docs/service-classes.md).

/** A response-time goal: "percentile % of requests in under ms", or an average. */
export type ClassGoal = { percentile: number; ms: number } | { averageMs: number };

export interface HeaderMatch {
  /** Header name (case-insensitive). */
  name: string;
  /** Exact value (case-sensitive). */
  value?: string;
  /** Or a pattern the value must match. */
  regex?: RegExp;
}

/** Every given field must match; an empty match matches everything. */
export interface ClassMatch {
  /** One method or several ("GET", ["POST", "PUT"]). */
  method?: string | readonly string[];
  /** Path prefix ("/api/"); compared with the raw path, before percent-decoding. */
  pathPrefix?: string;
  /** Host header without the port, case-insensitive. */
  host?: string;
  header?: HeaderMatch;
}

export interface ServiceClassOptions {
  name: string;
  match?: ClassMatch;
  goal?: ClassGoal;
  /** 1 = most important … 5 = least (default 3). */
  importance?: number;
  /** Runs on what the goal classes leave; first to be refused (503) under overload. */
  discretionary?: boolean;
  /** Requests waiting in this class's queue before new ones get 503 (default 1000). */
  maxQueue?: number;
  /** Queue servers this class may occupy at once (default: all). */
  maxServers?: number;
}

export interface QueueServerOptions {
  /** Worker threads running the app module (default: available parallelism). */
  max?: number;
}

/** 'goals' (default): goal-driven scheduling; 'fifo': one arrival-order queue, for comparison. */
export type SchedulerMode = 'goals' | 'fifo';

export interface ServiceClassServerOptions {
  /**
   * Module run on the queue servers (worker threads). It exports a fetch
   * handler: `export default { fetch(request, info) }`, `export default
   * function (request, info)` or `export function fetch(request, info)`.
   * Requests no main-thread route matches go to it through the class queues.
   */
  app?: URL | string;
  /** Service classes, tried in order; unmatched requests fall into the default class. */
  classes?: readonly ServiceClassOptions[];
  /** Goal and importance of the default class (name "default"). */
  defaultClass?: Omit<ServiceClassOptions, 'name' | 'match'>;
  queueServers?: QueueServerOptions;
  scheduler?: SchedulerMode;
}

/** What a queue server's handler gets besides the Request. */
export interface QueueServerInfo {
  /** Name of the service class the request was classified into. */
  readonly className: string;
  /** threadId of the worker thread running the handler. */
  readonly threadId: number;
  /** Peer address of the client. */
  readonly remoteAddress: string;
}

/** Per-class figures for the status page and tests. */
export interface ClassStats {
  name: string;
  importance: number;
  discretionary: boolean;
  /** Requests waiting in the class's queue. */
  queued: number;
  /** Requests of the class on a queue server now. */
  running: number;
  /** Queue servers the scheduler currently reserves for the class. */
  servers: number;
  completed: number;
  /** Refused with 503 (queue full). */
  rejected: number;
  /** Observed goal figure over the window (percentile or average, ms); null before any completion. */
  pObserved: number | null;
  goal: ClassGoal | null;
  /** pObserved / goal (> 1 = missing); the oldest wait counts too; null without a goal. */
  performanceIndex: number | null;
}
