// Common and Combined Log Format lines (httpd's mod_log_config):
//   common:   %h %l %u %t "%r" %>s %b
//   combined: common + "%{Referer}i" "%{User-agent}i"
// Quoted fields are escaped as httpd does: \" \\ and \xhh for control and
// non-ASCII bytes (\b \n \r \t \v by name), so a line can never be split or forged.

export type AccessLogFormat = 'common' | 'combined';

export interface LogRecord {
  remoteAddress: string;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  /** Body bytes; 0 is logged as "-". */
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NAMED: Record<string, string> = { '\b': '\\b', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
const NEEDS_ESCAPE = /[\x00-\x1f"\\\x7f-\uffff]/;
const ESCAPE_ALL = /[\x00-\x1f"\\\x7f-\uffff]/g;

export function escapeLogItem(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPE_ALL, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    // Strings from the wire are latin1 (one char per byte); others go out as UTF-8 bytes.
    if (code < 256) return `\\x${code.toString(16).padStart(2, '0')}`;
    return [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  });
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** "[10/Oct/2000:13:55:36 -0700]" in local time, as httpd writes %t. */
export function clfTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `[${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(a / 60))}${two(a % 60)}]`;
}

let cachedSecond = -1;
let cachedTime = '';

/** clfTime(now), formatted at most once per second. */
export function clfNow(nowMs: number = Date.now()): string {
  const sec = Math.floor(nowMs / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedTime = clfTime(new Date(sec * 1000));
  }
  return cachedTime;
}

export function formatLogLine(r: LogRecord, format: AccessLogFormat, time: string): string {
  const line =
    `${r.remoteAddress} - - ${time} "${escapeLogItem(`${r.method} ${r.url} HTTP/${r.httpVersion}`)}" ` +
    `${r.status} ${r.bytes > 0 ? r.bytes : '-'}`;
  if (format === 'common') return `${line}\n`;
  const ref = r.referer === undefined ? '-' : escapeLogItem(r.referer);
  const ua = r.userAgent === undefined ? '-' : escapeLogItem(r.userAgent);
  return `${line} "${ref}" "${ua}"\n`;
}
