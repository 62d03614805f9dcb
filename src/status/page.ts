// The /server-status HTML page: no external assets. With JavaScript it fetches
// ?json every second and re-renders with the same functions the server used;
// without, a meta refresh reloads the server-rendered page.
import { esc, fmtBytes, fmtCount, fmtRate, fmtSeconds, fmtUptime, htmlTable, renderStatusBody } from './render.js';
import type { StatusSnapshot } from './types.js';

// Build tools that keep function names (tsx/esbuild) wrap nested functions in
// __name(); the page defines it so the shipped source runs in any case.
const CLIENT_RENDERER = [
  'var __name = function (f) { return f; };',
  ...[esc, fmtCount, fmtRate, fmtBytes, fmtSeconds, fmtUptime, htmlTable, renderStatusBody].map((f) => f.toString()),
].join('\n').replace(/<\/script/gi, '<\\/script');

const CLIENT_LOOP = `
(function () {
  var target = document.getElementById('status');
  var line = document.getElementById('live');
  var url = location.pathname + '?json';
  function tick() {
    fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (s) { target.innerHTML = renderStatusBody(s); line.textContent = 'live'; line.className = 'ok'; })
      .catch(function (e) { line.textContent = 'update failed: ' + e.message; line.className = 'err'; })
      .then(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();`;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .5em}h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}td.empty{text-align:left;color:#888;font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0}dt{color:#555}dd{margin:0;font-weight:600}
.board .st{display:inline-block;width:1.4em;text-align:center;margin:1px;border-radius:3px;font:12px monospace;padding:2px 0}
.st-idle{background:#eee}.st-reading{background:#cfe3ff}.st-writing{background:#ffd8a8}.st-keep-alive{background:#d3f9d8}.st-lingering{background:#e5dbff}
.miss{color:#c92a2a;font-weight:600}.meet{color:#2b8a3e}.ok{color:#2b8a3e}.err{color:#c92a2a}.at{color:#888;font-size:.9em}`;

export function renderStatusPage(s: StatusSnapshot): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>brigade status</title>' +
    '<noscript><meta http-equiv="refresh" content="1"></noscript>' +
    '<style>' + STYLE + '</style></head><body>' +
    '<h1>brigade server status <small id="live" class="ok"></small></h1>' +
    '<div id="status">' + renderStatusBody(s) + '</div>' +
    '<script>' + CLIENT_RENDERER + CLIENT_LOOP + '</script>' +
    '</body></html>'
  );
}
