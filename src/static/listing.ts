// Directory listings for a static mount (`listing: true`): reads a directory
// that has no index file and renders it as an HTML page.
//
// Decisions:
// - Only entries a request could actually fetch are listed: hidden names
//   (per the mount's dotfiles policy), symlinks leaving the root (or any
//   symlink when they are not followed), FIFOs/sockets/devices, names that
//   are not valid UTF-8 or hold a backslash (the path mapper refuses those)
//   and entries that vanish while we look are left out.
// - Names are HTML-escaped wherever they appear and percent-encoded in hrefs
//   (relative './name' links, so no name can form a scheme or an off-site URL).
// - Directories first, then files, each by code-unit order (stable, locale-free).
// - At most MAX_ENTRIES are shown; a line says how many were left out. The
//   directory is read with the thread pool (fs.promises): unlike the per-file
//   metadata calls, a large directory would stall the event loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isHiddenSegment } from './safe-path.js';

export const MAX_LISTING_ENTRIES = 10000;
const STAT_BATCH = 64;

export interface ListingEntry {
  name: string;
  dir: boolean;
  size: number;
  mtimeMs: number;
}

export interface ListingRead {
  entries: ListingEntry[];
  /** Entries not shown because of MAX_LISTING_ENTRIES. */
  omitted: number;
}

export interface ListingScope {
  /** realpath of the mount root: symlinked entries must resolve below it. */
  rootReal: string;
  /** realpath of the directory being listed. */
  dirReal: string;
  /** true when the directory is the mount root ('.well-known' is judged there). */
  atRoot: boolean;
  /** Show dot entries (dotfiles: 'allow'). */
  showHidden: boolean;
  /** '.well-known' at the root counts as visible. */
  wellKnown: boolean;
  followSymlinks: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer): string | null {
  try {
    return utf8.decode(raw);
  } catch {
    return null;
  }
}

function inside(rootReal: string, real: string): boolean {
  const prefix = rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep;
  return real === rootReal || real.startsWith(prefix);
}

async function describe(scope: ListingScope, name: string, isLink: boolean): Promise<ListingEntry | null> {
  const full = path.join(scope.dirReal, name);
  try {
    if (isLink) {
      if (!scope.followSymlinks) return null;
      if (!inside(scope.rootReal, await fs.promises.realpath(full))) return null;
    }
    const st = await fs.promises.stat(full);
    if (!st.isFile() && !st.isDirectory()) return null;
    return { name, dir: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null; // gone, a dangling link, or unreadable: not listed
  }
}

export async function readListing(scope: ListingScope): Promise<ListingRead> {
  const dirents = await fs.promises.readdir(scope.dirReal, { withFileTypes: true, encoding: 'buffer' });
  const candidates: { name: string; isLink: boolean }[] = [];
  for (const d of dirents) {
    const name = decodeName(d.name);
    if (name === null || name.includes('\\')) continue;
    if (!scope.showHidden && isHiddenSegment(name, scope.atRoot ? 0 : 1, scope.wellKnown)) continue;
    candidates.push({ name, isLink: d.isSymbolicLink() });
  }
  const entries: ListingEntry[] = [];
  for (let i = 0; i < candidates.length; i += STAT_BATCH) {
    const batch = candidates.slice(i, i + STAT_BATCH);
    for (const e of await Promise.all(batch.map((c) => describe(scope, c.name, c.isLink)))) {
      if (e !== null) entries.push(e);
    }
  }
  entries.sort((a, b) => (a.dir !== b.dir ? (a.dir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const omitted = Math.max(0, entries.length - MAX_LISTING_ENTRIES);
  return { entries: omitted > 0 ? entries.slice(0, MAX_LISTING_ENTRIES) : entries, omitted };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** '1.5 KiB' style, exact bytes below 1 KiB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]!}`;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/**
 * The listing page. urlPath: the request path as displayed (decoded, with its
 * trailing slash); atRoot: no parent link.
 */
export function renderListing(urlPath: string, listing: ListingRead, atRoot: boolean): string {
  const title = `Index of ${escapeHtml(urlPath)}`;
  const rows: string[] = [];
  if (!atRoot) rows.push('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  for (const e of listing.entries) {
    const shown = escapeHtml(e.name) + (e.dir ? '/' : '');
    const href = escapeHtml('./' + encodeURIComponent(e.name) + (e.dir ? '/' : ''));
    const size = e.dir ? '-' : `<span title="${e.size} bytes">${formatSize(e.size)}</span>`;
    rows.push(`<tr><td><a href="${href}">${shown}</a></td><td>${size}</td><td>${formatTime(e.mtimeMs)}</td></tr>`);
  }
  const more = listing.omitted > 0 ? `<p>${listing.omitted} more entries not shown.</p>\n` : '';
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${title}</title>` +
    '<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:0 1.5em 0 0}' +
    'td:nth-child(2),td:nth-child(3){white-space:nowrap;color:#555}</style></head>\n' +
    `<body><h1>${title}</h1>\n<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n<tbody>\n` +
    rows.join('\n') +
    `\n</tbody></table>\n${more}</body></html>\n`
  );
}
