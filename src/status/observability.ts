// Observability of a running server, in one place: the status page, the
// Prometheus metrics and the access log. The Server calls onResponse() for
// every finished response (only when one of them is enabled); everything else
// happens off the request path.
import { performance } from 'node:perf_hooks';
import { AccessLog, type AccessLogOptions } from '../access-log.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import type { BrigadeRequest } from '../request.js';
import type { BrigadeResponse } from '../response.js';
import type { Handler } from '../types.js';
import { StatusCollector, type StatusExtensions, type StatusSource } from './collector.js';
import { metricsHandler, statusHandler } from './handlers.js';
import { LOOPBACK, PeerAllowList } from './peer-allow.js';
import type { StatusSnapshot } from './types.js';

export interface StatusOptions {
  /** Path of the HTML page (its JSON at path?json). Default "/server-status". */
  path?: string;
  /** Path of the Prometheus metrics; false: none. Default "/metrics". */
  metricsPath?: string | false;
  /** Peers allowed: addresses or CIDR subnets, "*" for anyone. Default loopback (127.0.0.0/8, ::1). */
  allow?: readonly string[];
}

export interface ObservabilityOptions {
  /** true or options: serve the status page and /metrics (off by default). */
  status?: boolean | StatusOptions;
  /** A file path, or options: write an access log (off by default). */
  accessLog?: string | AccessLogOptions;
}

export interface ObservabilityRoute {
  path: string;
  handler: Handler;
}

function checkPath(name: string, p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/') || /[?#\s]/.test(p)) {
    throw new RangeError(`brigade: ${name} must be an absolute path without query, got ${JSON.stringify(p)}`);
  }
  return p;
}

export class Observability {
  readonly metrics: RequestMetrics | null;
  readonly accessLog: AccessLog | null;
  readonly routes: readonly ObservabilityRoute[];
  /** Rows other parts add to the status data (service classes, queue servers). */
  extensions: StatusExtensions = {};
  private collector: StatusCollector | null = null;

  /** null when nothing is enabled: the server then does no per-request work at all. */
  static create(o: ObservabilityOptions, mpm: string, classNames: readonly string[] = ['default']): Observability | null {
    if (!o.status && !o.accessLog) return null;
    return new Observability(o, mpm, classNames);
  }

  private readonly mpm: string;

  private constructor(o: ObservabilityOptions, mpm: string, classNames: readonly string[]) {
    this.mpm = mpm;
    const routes: ObservabilityRoute[] = [];
    if (o.status) {
      const so: StatusOptions = o.status === true ? {} : o.status;
      const allow = new PeerAllowList(so.allow ?? LOOPBACK);
      const snapshot = (): StatusSnapshot => this.snapshot();
      routes.push({ path: checkPath('status.path', so.path ?? '/server-status'), handler: statusHandler(snapshot, allow) });
      this.metrics = new RequestMetrics(classNames);
      if (so.metricsPath !== false) {
        routes.push({ path: checkPath('status.metricsPath', so.metricsPath ?? '/metrics'), handler: metricsHandler(snapshot, this.metrics, allow) });
      }
      if (routes.length === 2 && routes[0]!.path === routes[1]!.path) throw new RangeError('brigade: status.path and status.metricsPath must differ');
    } else {
      this.metrics = null;
    }
    this.routes = routes;
    this.accessLog = o.accessLog ? new AccessLog(typeof o.accessLog === 'string' ? { path: o.accessLog } : o.accessLog) : null;
  }

  /** At listen(): opens the log, starts counting uptime and rates. */
  async start(source: StatusSource): Promise<void> {
    this.collector = new StatusCollector(source, this.mpm, () => this.extensions);
    await this.accessLog?.open();
  }

  snapshot(): StatusSnapshot {
    if (!this.collector) throw new Error('brigade: status is available once the server listens');
    return this.collector.snapshot();
  }

  /** Hot path: one finished response. res.startedAt was set when the request reached JS. */
  onResponse(req: BrigadeRequest, res: BrigadeResponse, classIndex = 0): void {
    if (this.metrics !== null) {
      this.metrics.record(classIndex, req.methodCode, res.statusCode, (performance.now() - res.startedAt) / 1000);
    }
    if (this.accessLog !== null) {
      const combined = this.accessLog.format === 'combined';
      this.accessLog.log({
        remoteAddress: req.remoteAddress,
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        status: res.statusCode,
        bytes: res.bodyBytes,
        referer: combined ? req.header('referer') : undefined,
        userAgent: combined ? req.header('user-agent') : undefined,
      });
    }
  }

  reopenLogs(): Promise<void> {
    return this.accessLog ? this.accessLog.reopen() : Promise.resolve();
  }

  async close(): Promise<void> {
    await this.accessLog?.close();
  }
}
