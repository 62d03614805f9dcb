// Keeps one server running across reloads: SIGHUP/SIGUSR2 read the
// configuration afresh, build a new server and hand the listening socket over
// to it (Server.listen({ from })); the old server then drains in the
// background. SIGINT/SIGTERM drain everything and exit. See
// docs/architecture.md, "Graceful reload".

import type { Server, ServerAddress } from '../index.js';

export interface ReloadSetup<C> {
  /** Reads the configuration afresh (on every reload). */
  load(): C | Promise<C>;
  /** A configured server that is not listening yet, and how to name it in the log. Throws when the configuration cannot be served. */
  build(config: C): { server: Server; label: string } | Promise<{ server: Server; label: string }>;
  /** One line per event (start, reload, failure, shutdown). */
  log(line: string): void;
  /** ms an old server may take to finish its in-flight requests (default 30000). */
  drainTimeout?: number;
  /** ms idle keep-alive connections of an old server wait for one more request (default 2000). */
  idleGrace?: number;
}

export class ReloadingServer<C> {
  private current: Server | null = null;
  private readonly retiring = new Set<Promise<void>>();
  private reloads = 0;
  // Reloads run one at a time; signals that arrive meanwhile fold into one more.
  private running: Promise<void> | null = null;
  private queued: string | null = null;
  private stopping: Promise<void> | null = null;

  private readonly setup: ReloadSetup<C>;

  constructor(setup: ReloadSetup<C>) {
    this.setup = setup;
  }

  /** The server accepting new connections now. */
  get server(): Server {
    if (!this.current) throw new Error('brigade: not started');
    return this.current;
  }

  /** Old servers still finishing their requests. */
  get draining(): number {
    return this.retiring.size;
  }

  /** Starts serving with the first server (built by the caller with the same build function). */
  async start(first: Server): Promise<ServerAddress> {
    const address = await first.listen();
    this.current = first;
    return address;
  }

  /** Resolves once this reload (or the one it was folded into) has finished; never rejects. */
  reload(reason: string): Promise<void> {
    if (this.stopping || !this.current) return Promise.resolve();
    if (this.running) {
      this.queued = reason;
      return this.running;
    }
    this.running = this.reloadOnce(reason).finally(() => {
      this.running = null;
      const again = this.queued;
      this.queued = null;
      if (again !== null) void this.reload(again);
    });
    return this.running;
  }

  /** Drains the current server and every old one; resolves when all are closed. */
  shutdown(timeout?: number): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) await this.running;
      const last = this.current;
      const closing = last ? last.close(timeout === undefined ? {} : { timeout }) : Promise.resolve();
      await Promise.all([closing, ...this.retiring]);
    })();
    return this.stopping;
  }

  private async reloadOnce(reason: string): Promise<void> {
    const old = this.current!;
    const n = ++this.reloads;
    let next: { server: Server; label: string };
    try {
      next = await this.setup.build(await this.setup.load());
      await next.server.listen({ from: old });
    } catch (err) {
      this.setup.log(`brigade: reload ${n} (${reason}) failed, still serving the previous configuration: ${message(err)}`);
      return;
    }
    this.current = next.server;
    // close() stops the old server accepting before its first await: the log
    // line below is only written once new connections go to the new server.
    const closing = old
      .close({ timeout: this.setup.drainTimeout ?? 30000, idleGrace: this.setup.idleGrace ?? 2000 })
      .catch((err: unknown) => this.setup.log(`brigade: closing the server replaced by reload ${n} failed: ${message(err)}`))
      .finally(() => this.retiring.delete(closing));
    this.retiring.add(closing);
    this.setup.log(`brigade: reload ${n} (${reason}): ${next.label}`);
  }
}

/**
 * SIGHUP and SIGUSR2 reload (Node keeps SIGUSR1 for its inspector); SIGINT
 * and SIGTERM drain and exit 0; a second SIGINT/SIGTERM exits 1 at once.
 */
export function installSignalHandlers<C>(target: ReloadingServer<C>, log: (line: string) => void): void {
  const reload = (signal: NodeJS.Signals): void => void target.reload(signal);
  process.on('SIGHUP', reload);
  process.on('SIGUSR2', reload);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`brigade: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    log('brigade: shutting down');
    target.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`brigade: shutdown failed: ${message(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
