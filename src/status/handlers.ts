// Route handlers for the status page and the metrics endpoint. Both answer
// 403 to peers outside the allow list (loopback by default).
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from '../metrics/prometheus.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import type { Handler, Request, Response } from '../types.js';
import { renderStatusPage } from './page.js';
import type { PeerAllowList } from './peer-allow.js';
import type { StatusSnapshot } from './types.js';

export type SnapshotSource = () => StatusSnapshot;

const PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function refuse(req: Request, res: Response, allow: PeerAllowList): boolean {
  if (allow.allows(req.remoteAddress)) return false;
  res.status(403).setHeader('Content-Type', 'text/plain; charset=utf-8').end('Forbidden\n');
  return true;
}

export function statusHandler(snapshot: SnapshotSource, allow: PeerAllowList): Handler {
  return (req, res) => {
    if (refuse(req, res, allow)) return;
    res.setHeader('Cache-Control', 'no-store');
    if (req.searchParams.has('json')) {
      res.json(snapshot());
      return;
    }
    // The page is self-contained: the policy forbids loading anything else.
    res.setHeader('Content-Security-Policy', PAGE_POLICY).setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Type', 'text/html; charset=utf-8').end(renderStatusPage(snapshot()));
  };
}

export function metricsHandler(snapshot: SnapshotSource, metrics: RequestMetrics, allow: PeerAllowList): Handler {
  return (req, res) => {
    if (refuse(req, res, allow)) return;
    res.setHeader('Cache-Control', 'no-store').setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.end(renderMetrics(snapshot(), metrics));
  };
}
