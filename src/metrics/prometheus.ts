// Prometheus text exposition format 0.0.4: a small writer (metric families
// with HELP/TYPE, escaped label values) and the rendering of brigade's figures.
import type { StatusSnapshot } from '../status/types.js';
import { METHOD_LABELS, STATUS_CLASSES, type RequestMetrics } from './request-metrics.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

export class PromWriter {
  private out = '';

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.out += `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    const keys = Object.keys(labels);
    let l = '';
    if (keys.length > 0) l = `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
    this.out += `${name}${l} ${formatValue(value)}\n`;
    return this;
  }

  text(): string {
    return this.out;
  }
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The whole /metrics page. */
export function renderMetrics(snap: StatusSnapshot, m: RequestMetrics): string {
  const w = new PromWriter();
  w.family('brigade_build_info', 'gauge', 'Version and MPM of the running server (always 1).');
  w.sample('brigade_build_info', { version: snap.version, mpm: snap.mpm }, 1);
  w.family('brigade_uptime_seconds', 'gauge', 'Seconds since the server started listening.');
  w.sample('brigade_uptime_seconds', {}, snap.uptimeSeconds);

  w.family('brigade_http_requests_total', 'counter', 'Responses finished by JS handlers (and brigade\'s own 404/405/501), by service class, method and status class.');
  for (let c = 0; c < m.classNames.length; ++c) {
    for (let mi = 0; mi < METHOD_LABELS.length; ++mi) {
      for (let s = 0; s < STATUS_CLASSES.length; ++s) {
        const v = m.requests(c, mi, s);
        if (v > 0) w.sample('brigade_http_requests_total', { class: m.classNames[c]!, method: METHOD_LABELS[mi]!, status: STATUS_CLASSES[s]! }, v);
      }
    }
  }

  w.family('brigade_http_request_duration_seconds', 'histogram', 'Time from the complete request head reaching JS to the whole response handed to the native writer.');
  for (let c = 0; c < m.classNames.length; ++c) {
    for (let s = 0; s < STATUS_CLASSES.length; ++s) {
      const h = m.latency(c, s);
      if (h.count === 0) continue;
      const labels = { class: m.classNames[c]!, status: STATUS_CLASSES[s]! };
      for (let k = 0; k < m.buckets.length; ++k) {
        w.sample('brigade_http_request_duration_seconds_bucket', { ...labels, le: formatValue(m.buckets[k]!) }, h.cumulative[k]!);
      }
      w.sample('brigade_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }, h.count);
      w.sample('brigade_http_request_duration_seconds_sum', labels, h.sum);
      w.sample('brigade_http_request_duration_seconds_count', labels, h.count);
    }
  }

  const t = snap.totals;
  w.family('brigade_requests_received_total', 'counter', 'Request heads parsed by the native side.');
  w.sample('brigade_requests_received_total', {}, t.requests);
  w.family('brigade_native_error_responses_total', 'counter', 'Error responses the native side sent itself (400, 408, 413, 414, 431, 501, 505).');
  w.sample('brigade_native_error_responses_total', {}, t.nativeErrors);
  w.family('brigade_timeouts_total', 'counter', 'Header, body, keep-alive, send and linger timeouts that ended a connection or request.');
  w.sample('brigade_timeouts_total', {}, t.timeouts);
  w.family('brigade_bytes_out_total', 'counter', 'Bytes written to client sockets (heads and bodies).');
  w.sample('brigade_bytes_out_total', {}, t.bytesOut);
  w.family('brigade_connections_accepted_total', 'counter', 'Connections accepted.');
  w.sample('brigade_connections_accepted_total', {}, t.connectionsAccepted);
  w.family('brigade_connections_closed_total', 'counter', 'Connections closed.');
  w.sample('brigade_connections_closed_total', {}, t.connectionsClosed);
  w.family('brigade_connections_aborted_total', 'counter', 'Connections dropped with work outstanding.');
  w.sample('brigade_connections_aborted_total', {}, t.aborted);

  w.family('brigade_connections', 'gauge', 'Open connections by state.');
  const cs = snap.connections;
  w.sample('brigade_connections', { state: 'reading' }, cs.reading);
  w.sample('brigade_connections', { state: 'writing' }, cs.writing);
  w.sample('brigade_connections', { state: 'keepalive' }, cs.keepAlive);
  w.sample('brigade_connections', { state: 'lingering' }, cs.lingering);
  w.family('brigade_connections_open', 'gauge', 'Open connections.');
  w.sample('brigade_connections_open', {}, cs.open);

  w.family('brigade_slab_bytes', 'gauge', 'Response slab memory: bytes in use and bytes reserved.');
  w.sample('brigade_slab_bytes', { kind: 'in_use' }, snap.slabs.bytesInUse);
  w.sample('brigade_slab_bytes', { kind: 'reserved' }, snap.slabs.bytesReserved);
  w.family('brigade_slabs', 'gauge', 'Response slabs: in use and allocated.');
  w.sample('brigade_slabs', { kind: 'in_use' }, snap.slabs.slabsInUse);
  w.sample('brigade_slabs', { kind: 'total' }, snap.slabs.slabsTotal);

  const main = snap.jsThreads[0];
  w.family('brigade_requests_pending', 'gauge', 'Requests whose handler has not finished yet.');
  w.sample('brigade_requests_pending', {}, main ? main.requestsPending : 0);

  if (snap.classes.length > 0) {
    w.family('brigade_class_queue_length', 'gauge', 'Requests waiting in each service class queue.');
    for (const c of snap.classes) w.sample('brigade_class_queue_length', { class: c.name }, c.queueLength);
    w.family('brigade_class_performance_index', 'gauge', 'Observed percentile / goal per service class (> 1: goal missed).');
    for (const c of snap.classes) if (c.performanceIndex !== null) w.sample('brigade_class_performance_index', { class: c.name }, c.performanceIndex);
    w.family('brigade_class_servers', 'gauge', 'Queue servers serving each service class.');
    for (const c of snap.classes) w.sample('brigade_class_servers', { class: c.name }, c.servers);
  }
  return w.text();
}
