// A small, strict HTTP/1.1 response parser for the raw bytes a test socket
// received: status line, headers, and a body framed by Content-Length,
// chunked coding (with trailers) or the end of the connection. It exists so
// tests can check the exact bytes brigade sends, which a client library would
// normalise away.

export interface ParsedResponse {
  version: string;
  status: number;
  reason: string;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  /** [name, value] pairs as received. */
  rawHeaders: [string, string][];
  body: Buffer;
  /** Trailer fields of a chunked body (lower-case names). */
  trailers: Record<string, string>;
  chunked: boolean;
  /** Bytes of the whole message, head included. */
  size: number;
}

export interface ParseOptions {
  /** The response to a HEAD request: no body whatever the headers say. */
  noBody?: boolean;
  /** The peer closed: a body without length ends at the end of the input. */
  eof?: boolean;
}

export class ResponseFormatError extends Error {}

function fail(msg: string): never {
  throw new ResponseFormatError(msg);
}

/**
 * Parses one response starting at buf[from]. Returns null when more bytes are
 * needed, throws ResponseFormatError for bytes that are not a valid response.
 */
export function parseResponse(buf: Buffer, from = 0, opts: ParseOptions = {}): ParsedResponse | null {
  const headEnd = buf.indexOf('\r\n\r\n', from, 'latin1');
  if (headEnd < 0) {
    if (opts.eof) fail(`truncated head: ${JSON.stringify(buf.subarray(from).toString('latin1').slice(0, 200))}`);
    return null;
  }
  const lines = buf.subarray(from, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]!);
  if (!m) fail(`bad status line ${JSON.stringify(lines[0])}`);
  const status = Number(m[2]);
  const headers: Record<string, string> = {};
  const rawHeaders: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line.includes('\n') || line.includes('\r')) fail(`bare CR/LF in header line ${JSON.stringify(line)}`);
    const i = line.indexOf(':');
    if (i <= 0) fail(`bad header line ${JSON.stringify(line)}`);
    const name = line.slice(0, i);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) fail(`bad header name ${JSON.stringify(name)}`);
    const value = line.slice(i + 1).trim();
    rawHeaders.push([name, value]);
    const l = name.toLowerCase();
    headers[l] = l in headers ? `${headers[l]}, ${value}` : value;
  }
  let p = headEnd + 4;
  const base = { version: m[1]!, status, reason: m[3]!, headers, rawHeaders, trailers: {} as Record<string, string> };

  const noBody = opts.noBody || (status >= 100 && status < 200) || status === 204 || status === 304;
  if (noBody) return { ...base, body: Buffer.alloc(0), chunked: false, size: p - from };

  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') fail(`unexpected transfer-encoding ${te}`);
    if (headers['content-length'] !== undefined) fail('both content-length and transfer-encoding');
    const parts: Buffer[] = [];
    for (;;) {
      const le = buf.indexOf('\r\n', p, 'latin1');
      if (le < 0) return opts.eof ? fail('truncated chunk size line') : null;
      const sizeLine = buf.subarray(p, le).toString('latin1');
      const sm = /^([0-9a-fA-F]+)(;.*)?$/.exec(sizeLine);
      if (!sm) fail(`bad chunk size line ${JSON.stringify(sizeLine)}`);
      const size = parseInt(sm[1]!, 16);
      p = le + 2;
      if (size === 0) break;
      if (buf.length < p + size + 2) return opts.eof ? fail('truncated chunk') : null;
      parts.push(buf.subarray(p, p + size));
      if (buf[p + size] !== 13 || buf[p + size + 1] !== 10) fail('chunk data not followed by CRLF');
      p += size + 2;
    }
    const trailers: Record<string, string> = {};
    for (;;) {
      const le = buf.indexOf('\r\n', p, 'latin1');
      if (le < 0) return opts.eof ? fail('truncated trailers') : null;
      const line = buf.subarray(p, le).toString('latin1');
      p = le + 2;
      if (line === '') break;
      const i = line.indexOf(':');
      if (i <= 0) fail(`bad trailer ${JSON.stringify(line)}`);
      trailers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    return { ...base, trailers, body: Buffer.concat(parts), chunked: true, size: p - from };
  }
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) fail(`bad content-length ${cl}`);
    const n = Number(cl);
    if (buf.length < p + n) return opts.eof ? fail(`truncated body: ${buf.length - p} of ${n}`) : null;
    return { ...base, body: Buffer.from(buf.subarray(p, p + n)), chunked: false, size: p + n - from };
  }
  // Close-delimited body: complete only at EOF.
  if (!opts.eof) return null;
  return { ...base, body: Buffer.from(buf.subarray(p)), chunked: false, size: buf.length - from };
}

/** Parses every response in buf (the whole conversation, peer closed afterwards). */
export function parseAll(buf: Buffer, noBody: boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let p = 0;
  while (p < buf.length) {
    const r = parseResponse(buf, p, { eof: true, noBody: noBody[out.length] ?? false });
    if (!r) break;
    out.push(r);
    p += r.size;
  }
  return out;
}
