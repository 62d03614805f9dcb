// The status snapshot: what /server-status?json returns and what the HTML page
// shows. Documented in docs/observability.md; change both together.

/** A connection's state as the scoreboard counts it. */
export type ConnectionState = 'reading' | 'writing' | 'keepAlive' | 'lingering';

/** Connections by state (a connection about to close counts in none). */
export interface ConnectionCounts {
  open: number;
  reading: number;
  writing: number;
  keepAlive: number;
  lingering: number;
}

/** What a native thread is doing, as far as its connections tell. */
export type ThreadState = 'idle' | 'reading' | 'writing' | 'keep-alive' | 'lingering';

/** One native thread (one lane): an I/O thread, a worker/leader thread, or the looper. */
export interface ThreadStatus {
  index: number;
  /** "io" (event MPM), "worker", "leader", or "looper" (the JS thread runs the I/O loop). */
  kind: 'io' | 'worker' | 'leader' | 'looper';
  /**
   * Thread-per-connection threads: the state of their one connection, "idle"
   * when they have none. Threads with many connections: the busiest state
   * among them (writing > reading > lingering > keep-alive), "idle" when none.
   */
  state: ThreadState;
  connections: ConnectionCounts;
  requests: number;
  bytesOut: number;
}

/** A JavaScript thread that runs handlers: the main thread, and queue-server workers when configured. */
export interface JsThreadStatus {
  name: string;
  /** "main" or "worker" (a queue server). */
  kind: 'main' | 'worker';
  /** "busy" when handlers are in flight or its event loop was busy half the last interval or more; else "idle". */
  state: 'busy' | 'idle';
  /** Share of the last interval the thread's event loop was busy, 0..1. */
  utilization: number;
  /** Requests whose handler has not finished yet. */
  requestsPending: number;
}

/** A service class (issue 8). The array is empty while no classes are configured. */
export interface ServiceClassStatus {
  name: string;
  /** 1 = most important … 5; null for a discretionary class. */
  importance: number | null;
  /** The goal, e.g. 90th percentile under 0.8 s; null when the class has none. */
  goal: { percentile: number; seconds: number } | null;
  queueLength: number;
  /** Observed latency at the goal's percentile (seconds), null before any request. */
  observedSeconds: number | null;
  /** observed / goal; > 1 means the goal is missed. null without a goal or data. */
  performanceIndex: number | null;
  /** Queue servers (JS workers) currently serving the class. */
  servers: number;
  requests: number;
}

export interface SlabStatus {
  slabsTotal: number;
  slabsInUse: number;
  bytesInUse: number;
  bytesReserved: number;
}

export interface StatusSnapshot {
  /** The brigade package version. */
  version: string;
  mpm: string;
  /** ISO time the server started listening. */
  startedAt: string;
  uptimeSeconds: number;
  /** ISO time of this snapshot. */
  now: string;
  totals: {
    requests: number;
    responses: number;
    bytesOut: number;
    connectionsAccepted: number;
    connectionsClosed: number;
    nativeErrors: number;
    timeouts: number;
    aborted: number;
  };
  /** Rates over the last sampling interval (about one second). */
  rates: { requestsPerSecond: number; bytesPerSecond: number; intervalSeconds: number };
  connections: ConnectionCounts;
  threads: ThreadStatus[];
  jsThreads: JsThreadStatus[];
  classes: ServiceClassStatus[];
  slabs: SlabStatus;
}
