// One-shot and keep-alive raw HTTP exchanges for the filter and pool tests,
// built on the shared RawClient/parse helpers: exact bytes, no client library.
import { RawClient } from '../helpers/raw.js';
import type { ParsedResponse } from '../helpers/parse.js';

export interface RequestOptions {
  method?: string;
  version?: '1.0' | '1.1';
  headers?: Record<string, string>;
  body?: string;
  timeout?: number;
}

export function requestHead(path: string, o: RequestOptions = {}): string {
  const method = o.method ?? 'GET';
  let s = `${method} ${path} HTTP/${o.version ?? '1.1'}\r\nHost: t\r\n`;
  for (const [k, v] of Object.entries(o.headers ?? {})) s += `${k}: ${v}\r\n`;
  if (o.body !== undefined) s += `Content-Length: ${Buffer.byteLength(o.body)}\r\n`;
  return `${s}\r\n${o.body ?? ''}`;
}

export interface Exchange {
  res: ParsedResponse;
  /** Every byte the server sent on this connection. */
  raw: Buffer;
}

/**
 * One request on a fresh connection. HTTP/1.1 requests ask the server to close
 * ("Connection: close") unless the caller set a Connection header; HTTP/1.0
 * closes by default. When the response says the connection closes, reads to
 * EOF and checks that nothing follows the response (close-delimited bodies
 * work too); a kept-alive connection is dropped after the one response.
 */
export async function request(port: number, path: string, o: RequestOptions = {}): Promise<Exchange> {
  const c = await RawClient.open(port);
  try {
    const headers = { ...(o.headers ?? {}) };
    if ((o.version ?? '1.1') === '1.1' && !Object.keys(headers).some((k) => k.toLowerCase() === 'connection')) headers['Connection'] = 'close';
    await c.write(requestHead(path, { ...o, headers }));
    const timeout = o.timeout ?? 5000;
    const res = await c.response({ timeout, noBody: (o.method ?? 'GET') === 'HEAD' });
    if (/\bclose\b/i.test(res.headers['connection'] ?? '') || (res.version === '1.0' && !/keep-alive/i.test(res.headers['connection'] ?? ''))) {
      await c.waitEnd(timeout);
      if (c.pending.length > 0) throw new Error(`${c.pending.length} stray bytes after the response: ${JSON.stringify(c.pending.toString('latin1').slice(0, 100))}`);
    }
    return { res, raw: c.received().subarray(0, res.size) };
  } finally {
    c.destroy();
  }
}

/** Header lines of a raw response except Date (which changes every second). */
export function headWithoutDate(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  return raw
    .subarray(0, end)
    .toString('latin1')
    .split('\r\n')
    .filter((l) => !/^date:/i.test(l))
    .join('\r\n');
}

/** The bytes after the head (body with its framing, exactly as sent). */
export function bodyBytes(raw: Buffer): Buffer {
  return raw.subarray(raw.indexOf('\r\n\r\n') + 4);
}

/** A keep-alive connection: one request at a time, responses parsed strictly. */
export class KeepAlive {
  readonly client: RawClient;
  private constructor(client: RawClient) {
    this.client = client;
  }

  static async open(port: number): Promise<KeepAlive> {
    return new KeepAlive(await RawClient.open(port));
  }

  async get(path: string, o: RequestOptions = {}): Promise<ParsedResponse> {
    await this.client.write(requestHead(path, o));
    return this.client.response({ timeout: o.timeout ?? 5000, noBody: (o.method ?? 'GET') === 'HEAD' });
  }

  close(): void {
    this.client.destroy();
  }
}
