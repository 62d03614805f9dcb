// Command-line parsing for `brigade`. Pure: argv in, a typed command or an
// error message out; main.ts does all printing and exiting.

import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DIR = '.';
export const MAX_IO_THREADS = 256;
export const MAX_THREADS = 1024;
export const MPM_NAMES = ['looper', 'event', 'worker', 'leader'] as const;
export const DOTFILES_POLICIES = ['ignore', 'deny', 'allow'] as const;

export interface ServeConfig {
  kind: 'serve';
  dir: string;
  host: string;
  port: number;
  /** Unset: the server picks its default. */
  ioThreads?: number;
  /** Unset: the server's default MPM. */
  mpm?: 'event' | 'looper' | 'worker' | 'leader';
  /** Threads of the worker/leader MPMs. */
  threads?: number;
  /** --gzip: compress compressible files on the fly (gzip, br, deflate) and serve .br/.gz siblings. */
  gzip?: boolean;
  /** --cache: Cache-Control max-age of the files, in seconds. */
  maxAge?: number;
  /** --listing: HTML listings of directories without an index file. */
  listing?: boolean;
  /** --spa: missing extensionless paths get index.html (a string: that file; config file only). */
  spa?: boolean | string;
  /** --404 / --not-found: a file below dir sent with status 404. */
  notFound?: string;
  /** --dotfiles: how hidden paths are answered. */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /** --config: the config file to read (otherwise brigade.config.* in the current directory). */
  config?: string;
  /** --tls-cert / --tls-key: serve HTTPS with this certificate (chain) and key, PEM files. */
  tlsCert?: string;
  tlsKey?: string;
  /** --hsts: Strict-Transport-Security (one year) on every HTTPS response. */
  hsts?: boolean;
  /** --redirect-http <port>: also listen on this port with plain HTTP and redirect to https. */
  redirectHttp?: number;
  /** --status: serve /server-status and /metrics (to loopback peers). */
  status?: boolean;
  /** --access-log FILE: write an access log. */
  accessLog?: string;
  /** --access-log-format: common (default) or combined. */
  accessLogFormat?: 'common' | 'combined';
}

/** The settings a config file can give: every ServeConfig field but the command and the file itself. */
export type ServeSettings = Partial<Omit<ServeConfig, 'kind' | 'config'>>;

export type CliCommand = { kind: 'help' } | { kind: 'version' } | ServeConfig;

export type ParseResult = { ok: true; command: CliCommand } | { ok: false; error: string };

export const USAGE = `Usage:
  brigade serve [dir] [options]   serve the files in dir (default: current directory)
  brigade --help                  show this help
  brigade --version               show the version

Options for serve:
  -p, --port <n>        TCP port, 0-65535; 0 picks a free one (default ${DEFAULT_PORT})
  -H, --host <addr>     address to listen on (default ${DEFAULT_HOST})
      --io-threads <n>  native I/O threads of the event MPM, 1-${MAX_IO_THREADS} (default 1)
      --mpm <name>      looper (default), event, worker or leader
      --threads <n>     threads of the worker/leader MPMs, 1-1024 (default 32)
      --gzip            compress text files on the fly (br, gzip, deflate, negotiated)
                        and serve precompressed x.br / x.gz siblings
      --cache <time>    Cache-Control max-age: seconds, or a number with s, m, h, d
                        or w (e.g. 1h, 7d; default 0)
      --listing         list directories that have no index.html
      --spa             single-page app: missing paths without an extension get
                        /index.html (status 200); missing assets stay 404
      --404 <file>      a page below dir sent for every 404 (alias --not-found)
      --dotfiles <how>  hidden paths (.env, .git/): ignore (404, default), deny (403)
                        or allow; /.well-known/ is served under all three
      --config <file>   read settings from this file (default: brigade.config.ts,
                        .mts, .js, .mjs, .cjs or .json in the current directory);
                        flags given here override it
      --tls-cert <file> serve HTTPS: certificate (then its chain), PEM
      --tls-key <file>  the certificate's private key, PEM (both flags together)
      --hsts            send Strict-Transport-Security (max-age one year)
      --redirect-http <port>  also answer plain HTTP on this port with a
                        redirect to the HTTPS address
      --status          serve /server-status (live page, ?json) and /metrics
                        (Prometheus) to loopback clients
      --access-log <file>
                        append an access log (reopened on SIGHUP / SIGUSR2)
      --access-log-format <common|combined>
                        its format (default common)
`;

// Decimal digits only: Number() would also take '0x50', '1e3', ' 80 ' and ''.
export function parseInteger(text: string, name: string, min: number, max: number): number | string {
  if (!/^[0-9]{1,10}$/.test(text)) return `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`;
  const n = Number(text);
  if (n < min || n > max) return `${name} must be an integer from ${min} to ${max}, got ${text}`;
  return n;
}

/** Largest max-age: caches must handle delta-seconds up to 2^31 (RFC 9111 §1.2.2). */
export const MAX_CACHE_SECONDS = 2 ** 31 - 1;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "3600", "90s", "30m", "1h", "7d", "2w" → seconds; an error message otherwise. */
export function parseDuration(text: string, name: string): number | string {
  const m = /^([0-9]{1,10})([smhdw]?)$/.exec(text);
  if (!m) return `${name} must be seconds or a number with s, m, h, d or w (e.g. 1h), got ${JSON.stringify(text)}`;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds > MAX_CACHE_SECONDS) return `${name} must be at most ${MAX_CACHE_SECONDS} seconds, got ${text}`;
  return seconds;
}

export function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

// Host names per RFC 1123 labels, or an IPv4/IPv6 literal (brackets optional).
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function parseHost(text: string): string | { error: string } {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) !== 0) return bare;
  // All-digit dotted names are failed IPv4 literals ('256.1.1.1'), not host names.
  if (bare === text && HOSTNAME.test(text) && !/^[0-9.]+$/.test(text)) return text;
  return { error: `--host must be a host name or IP address, got ${JSON.stringify(text)}` };
}

/**
 * defaults: settings from a config file; they replace the built-in defaults
 * and the flags in argv override them.
 */
export function parseCliArgs(argv: readonly string[], defaults: ServeSettings = {}): ParseResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        'io-threads': { type: 'string' },
        mpm: { type: 'string' },
        threads: { type: 'string' },
        gzip: { type: 'boolean' },
        cache: { type: 'string' },
        listing: { type: 'boolean' },
        spa: { type: 'boolean' },
        '404': { type: 'string' },
        'not-found': { type: 'string' },
        dotfiles: { type: 'string' },
        config: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        hsts: { type: 'boolean' },
        'redirect-http': { type: 'string' },
        status: { type: 'boolean' },
        'access-log': { type: 'string' },
        'access-log-format': { type: 'string' },
      },
    });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
  const { values, positionals } = parsed;

  if (values.help) return { ok: true, command: { kind: 'help' } };
  if (values.version) return { ok: true, command: { kind: 'version' } };

  const [command, ...rest] = positionals;
  if (command === undefined) {
    if (
      values.port !== undefined ||
      values.host !== undefined ||
      values['io-threads'] !== undefined ||
      values.mpm !== undefined ||
      values.threads !== undefined ||
      values.gzip !== undefined ||
      values.cache !== undefined ||
      values.listing !== undefined ||
      values.spa !== undefined ||
      values['404'] !== undefined ||
      values['not-found'] !== undefined ||
      values.dotfiles !== undefined ||
      values.config !== undefined ||
      values['tls-cert'] !== undefined ||
      values['tls-key'] !== undefined ||
      values.hsts !== undefined ||
      values['redirect-http'] !== undefined ||
      values.status !== undefined ||
      values['access-log'] !== undefined ||
      values['access-log-format'] !== undefined
    ) {
      return { ok: false, error: "missing command (did you mean 'brigade serve'?)" };
    }
    return { ok: true, command: { kind: 'help' } };
  }
  if (command === 'help') return { ok: true, command: { kind: 'help' } };
  if (command !== 'serve') return { ok: false, error: `unknown command ${JSON.stringify(command)}` };
  if (rest.length > 1) return { ok: false, error: `serve takes one directory, got ${rest.length}: ${rest.join(' ')}` };

  const dir = rest[0] ?? defaults.dir ?? DEFAULT_DIR;
  if (dir === '') return { ok: false, error: 'directory must not be empty' };

  let port = defaults.port ?? DEFAULT_PORT;
  if (values.port !== undefined) {
    const n = parseInteger(values.port, '--port', 0, 65535);
    if (typeof n === 'string') return { ok: false, error: n };
    port = n;
  }

  let host = defaults.host ?? DEFAULT_HOST;
  if (values.host !== undefined) {
    const h = parseHost(values.host);
    if (typeof h !== 'string') return { ok: false, error: h.error };
    host = h;
  }

  const config: ServeConfig = { ...defaults, kind: 'serve', dir, host, port };
  if (values['io-threads'] !== undefined) {
    const n = parseInteger(values['io-threads'], '--io-threads', 1, MAX_IO_THREADS);
    if (typeof n === 'string') return { ok: false, error: n };
    config.ioThreads = n;
  }
  if (values.mpm !== undefined) {
    const m = values.mpm;
    if (!isOneOf(m, MPM_NAMES)) return { ok: false, error: `--mpm must be one of ${MPM_NAMES.join(', ')}, got ${JSON.stringify(m)}` };
    config.mpm = m;
  }
  if (values.threads !== undefined) {
    const n = parseInteger(values.threads, '--threads', 1, MAX_THREADS);
    if (typeof n === 'string') return { ok: false, error: n };
    config.threads = n;
  }
  if (values.gzip) config.gzip = true;
  if (values.cache !== undefined) {
    const n = parseDuration(values.cache, '--cache');
    if (typeof n === 'string') return { ok: false, error: n };
    config.maxAge = n;
  }
  if (values.listing) config.listing = true;
  // --spa keeps an entry file the config file named.
  if (values.spa && typeof config.spa !== 'string') config.spa = true;
  if (values['404'] !== undefined && values['not-found'] !== undefined) {
    return { ok: false, error: '--404 and --not-found are the same option: give one' };
  }
  const notFound = values['404'] ?? values['not-found'];
  if (notFound !== undefined) {
    if (notFound === '') return { ok: false, error: '--404 must name a file below the directory' };
    config.notFound = notFound;
  }
  if (values.dotfiles !== undefined) {
    const d = values.dotfiles;
    if (!isOneOf(d, DOTFILES_POLICIES)) return { ok: false, error: `--dotfiles must be one of ${DOTFILES_POLICIES.join(', ')}, got ${JSON.stringify(d)}` };
    config.dotfiles = d;
  }
  if (values.config !== undefined) {
    if (values.config === '') return { ok: false, error: '--config must name a file' };
    config.config = values.config;
  }
  if (values['tls-cert'] !== undefined) config.tlsCert = values['tls-cert'];
  if (values['tls-key'] !== undefined) config.tlsKey = values['tls-key'];
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    return { ok: false, error: '--tls-cert and --tls-key go together: give both' };
  }
  if (values.hsts) config.hsts = true;
  if (values['redirect-http'] !== undefined) {
    const n = parseInteger(values['redirect-http'], '--redirect-http', 0, 65535);
    if (typeof n === 'string') return { ok: false, error: n };
    config.redirectHttp = n;
  }
  if ((config.hsts || config.redirectHttp !== undefined) && config.tlsCert === undefined) {
    return { ok: false, error: '--hsts and --redirect-http need --tls-cert and --tls-key' };
  }
  if (values.status) config.status = true;
  if (values['access-log'] !== undefined) {
    if (values['access-log'] === '') return { ok: false, error: '--access-log needs a file name' };
    config.accessLog = values['access-log'];
  }
  const fmt = values['access-log-format'];
  if (fmt !== undefined) {
    if (fmt !== 'common' && fmt !== 'combined') return { ok: false, error: `--access-log-format must be common or combined, got ${JSON.stringify(fmt)}` };
    if (config.accessLog === undefined) return { ok: false, error: '--access-log-format needs --access-log' };
    config.accessLogFormat = fmt;
  }
  return { ok: true, command: config };
}

/** The URL to print for a listening address (IPv6 literals need brackets). */
export function displayUrl(host: string, port: number, secure = false): string {
  return `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}
