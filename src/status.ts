// Status lines and the statuses whose responses never carry a body.
import { STATUS_CODES } from 'node:http';

const lines = new Map<number, string>();

export function statusLine(code: number): string {
  let s = lines.get(code);
  if (s === undefined) {
    s = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n`;
    lines.set(code, s);
  }
  return s;
}

/** 1xx, 204 and 304 responses end at the header block (RFC 9112 §6.3). */
export function statusForbidsBody(code: number): boolean {
  return code < 200 || code === 204 || code === 304;
}
