// A raw HTTP/1.1 client: the request goes out byte for byte as written (paths
// with '..', '%2e', '%00' included — node:http would refuse or rewrite some),
// one request per connection (Connection: close), and the answer is parsed
// here so framing mistakes are seen rather than smoothed over.
import net from 'node:net';

const TIMEOUT_MS = 10_000;

/** Sends one request; resolves the raw bytes the server sent until it closed. */
function exchange(port, text) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(TIMEOUT_MS, () => sock.destroy(new Error(`no complete answer within ${TIMEOUT_MS} ms`)));
    sock.on('connect', () => sock.write(Buffer.from(text, 'latin1')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
  });
}

function decodeChunked(buf) {
  const parts = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) throw new Error('chunked body: truncated size line');
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0].trim(), 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('chunked body: bad size line');
    pos = eol + 2;
    if (size === 0) return Buffer.concat(parts);
    if (pos + size + 2 > buf.length) throw new Error('chunked body: truncated chunk');
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

/**
 * Parses a complete answer: { status, headers (lower-case name → value, repeats
 * joined with ', '), body (de-chunked, still content-encoded), framing: null
 * or what is wrong with the message framing }.
 */
export function parseResponse(raw, method) {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), framing: `no complete head in ${raw.length} bytes` };
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const rest = raw.subarray(end + 4);
  let body = rest;
  let framing = null;
  const noBody = method === 'HEAD' || status === 304 || status === 204 || (status >= 100 && status < 200);
  if (noBody) {
    if (rest.length) framing = `${rest.length} bytes after a head that has no body`;
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    try {
      body = decodeChunked(rest);
    } catch (err) {
      framing = err.message;
    }
  } else if (headers['content-length'] !== undefined) {
    const cl = Number(headers['content-length']);
    if (cl !== rest.length) framing = `Content-Length ${cl}, ${rest.length} bytes sent`;
    body = rest.subarray(0, cl);
  }
  return { status, headers, body, framing };
}

/** One request ({ method, path, headers: [[name, value]] }) → parsed response. */
export async function request(port, { method, path, headers }) {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [n, v] of headers) lines.push(`${n}: ${v}`);
  lines.push('Connection: close', '', '');
  return parseResponse(await exchange(port, lines.join('\r\n')), method);
}
