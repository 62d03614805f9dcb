// The status page body, rendered from a StatusSnapshot. The same functions run
// on the server (first paint, and the no-JavaScript fallback) and in the
// browser (each second's update from ?json): page.ts ships their source text
// in the page. So they must stay self-contained: no imports at run time, no
// closures over module state, only calls to each other.
import type { StatusSnapshot } from './types.js';

export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
}

export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRate(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    ++i;
  }
  return (i === 0 ? String(Math.round(v)) : v.toFixed(1)) + ' ' + units[i];
}

export function fmtSeconds(s: number | null): string {
  if (s === null) return '–';
  return s < 1 ? (s * 1000).toFixed(1) + ' ms' : s.toFixed(2) + ' s';
}

export function fmtUptime(total: number): string {
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return (d > 0 ? d + 'd ' : '') + (d > 0 || h > 0 ? h + 'h ' : '') + m + 'm ' + s + 's';
}

/** A table; cells are already escaped HTML. An empty body shows `empty`. */
export function htmlTable(id: string, head: string[], rows: string[][], empty: string): string {
  const th = head.map((h) => '<th>' + esc(h) + '</th>').join('');
  const body =
    rows.length === 0
      ? '<tr><td class="empty" colspan="' + head.length + '">' + esc(empty) + '</td></tr>'
      : rows.map((r) => '<tr>' + r.map((c) => '<td>' + c + '</td>').join('') + '</tr>').join('');
  return '<table id="' + id + '"><thead><tr>' + th + '</tr></thead><tbody>' + body + '</tbody></table>';
}

export function renderStatusBody(s: StatusSnapshot): string {
  const c = s.connections;
  const facts =
    '<dl class="facts">' +
    '<dt>Version</dt><dd id="version">' + esc(s.version) + '</dd>' +
    '<dt>MPM</dt><dd id="mpm">' + esc(s.mpm) + '</dd>' +
    '<dt>Uptime</dt><dd id="uptime">' + esc(fmtUptime(s.uptimeSeconds)) + '</dd>' +
    '<dt>Requests/s</dt><dd id="rps" data-value="' + s.rates.requestsPerSecond + '">' + esc(fmtRate(s.rates.requestsPerSecond)) + '</dd>' +
    '<dt>Bytes/s</dt><dd id="bps" data-value="' + s.rates.bytesPerSecond + '">' + esc(fmtBytes(s.rates.bytesPerSecond)) + '/s</dd>' +
    '<dt>Requests</dt><dd id="total-requests" data-value="' + s.totals.requests + '">' + esc(fmtCount(s.totals.requests)) + '</dd>' +
    '<dt>Bytes out</dt><dd id="total-bytes">' + esc(fmtBytes(s.totals.bytesOut)) + '</dd>' +
    '<dt>Connections accepted / closed</dt><dd>' + esc(fmtCount(s.totals.connectionsAccepted)) + ' / ' + esc(fmtCount(s.totals.connectionsClosed)) + '</dd>' +
    '<dt>Native errors / timeouts / aborted</dt><dd>' + esc(fmtCount(s.totals.nativeErrors)) + ' / ' + esc(fmtCount(s.totals.timeouts)) + ' / ' + esc(fmtCount(s.totals.aborted)) + '</dd>' +
    '</dl>';
  const conns = htmlTable(
    'connections',
    ['open', 'reading', 'writing', 'keep-alive', 'lingering'],
    [[c.open, c.reading, c.writing, c.keepAlive, c.lingering].map((v) => esc(fmtCount(v)))],
    '',
  );
  const board =
    '<p class="board" id="scoreboard">' +
    s.threads.map((t) => '<span class="st st-' + esc(t.state) + '" title="' + esc(t.kind + ' ' + t.index + ': ' + t.state) + '">' + esc(t.state.charAt(0).toUpperCase()) + '</span>').join('') +
    '</p>';
  const threads = htmlTable(
    'threads',
    ['#', 'kind', 'state', 'open', 'reading', 'writing', 'keep-alive', 'lingering', 'requests', 'bytes out'],
    s.threads.map((t) => [
      esc(t.index), esc(t.kind), '<span class="st-' + esc(t.state) + '">' + esc(t.state) + '</span>',
      esc(fmtCount(t.connections.open)), esc(fmtCount(t.connections.reading)), esc(fmtCount(t.connections.writing)),
      esc(fmtCount(t.connections.keepAlive)), esc(fmtCount(t.connections.lingering)),
      esc(fmtCount(t.requests)), esc(fmtBytes(t.bytesOut)),
    ]),
    'no native threads',
  );
  const js = htmlTable(
    'js-threads',
    ['name', 'kind', 'state', 'event loop busy', 'pending requests'],
    s.jsThreads.map((t) => [esc(t.name), esc(t.kind), esc(t.state), esc((t.utilization * 100).toFixed(1) + ' %'), esc(fmtCount(t.requestsPending))]),
    'no JS threads',
  );
  const classes = htmlTable(
    'classes',
    ['class', 'importance', 'goal', 'queue', 'observed', 'performance index', 'servers', 'requests'],
    s.classes.map((k) => [
      esc(k.name),
      esc(k.importance === null ? 'discretionary' : k.importance),
      esc(k.goal === null ? '–' : 'p' + k.goal.percentile + ' < ' + fmtSeconds(k.goal.seconds)),
      esc(fmtCount(k.queueLength)),
      esc(fmtSeconds(k.observedSeconds)),
      k.performanceIndex === null ? '–' : '<span class="' + (k.performanceIndex > 1 ? 'miss' : 'meet') + '">' + esc(k.performanceIndex.toFixed(2)) + '</span>',
      esc(k.servers),
      esc(fmtCount(k.requests)),
    ]),
    'no service classes configured',
  );
  const slabs = htmlTable(
    'slabs',
    ['slabs in use', 'slabs total', 'bytes in use', 'bytes reserved'],
    [[esc(fmtCount(s.slabs.slabsInUse)), esc(fmtCount(s.slabs.slabsTotal)), esc(fmtBytes(s.slabs.bytesInUse)), esc(fmtBytes(s.slabs.bytesReserved))]],
    '',
  );
  return (
    facts +
    '<h2>Connections</h2>' + conns +
    '<h2>Native threads</h2>' + board + threads +
    '<h2>JavaScript threads</h2>' + js +
    '<h2>Service classes</h2>' + classes +
    '<h2>Slabs</h2>' + slabs +
    '<p class="at">as of <span id="as-of">' + esc(s.now) + '</span></p>'
  );
}
