// Compares nginx's and brigade's answers to the same case, field by field.
// Returns [{ field, nginx, brigade }] — the differences, values as short
// strings. What is compared, and how:
//   status, Location (path and query only: nginx sends an absolute URL),
//   Content-Range, Content-Encoding (absent = identity), Vary (as a token
//   set), ETag (absent / strong / weak: the values differ by design),
//   Last-Modified, Accept-Ranges;
//   for 2xx and 304: Content-Type (a multipart boundary is not compared);
//   Content-Length when both send the same encoding and it is identity (or
//   the case is raw);
//   for 2xx: the body — raw bytes where both use the same encoding and it is
//   identity (or the case is raw), decoded bytes otherwise; multipart/byteranges
//   part by part (type, range, bytes), whatever the boundary;
//   framing: each answer's own message framing must be right.
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

function encodingOf(r) {
  return (r.headers['content-encoding'] ?? 'identity').toLowerCase();
}

function decode(body, encoding) {
  if (encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  throw new Error(`unknown content-coding ${encoding}`);
}

function locationPath(v) {
  if (v === undefined) return undefined;
  try {
    const u = new URL(v, 'http://127.0.0.1');
    return u.pathname + u.search;
  } catch {
    return v;
  }
}

function varyTokens(v) {
  if (v === undefined) return undefined;
  return v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean).sort().join(', ');
}

function etagKind(v) {
  if (v === undefined) return undefined;
  if (/^W\/"[^"]*"$/.test(v)) return 'weak';
  if (/^"[^"]*"$/.test(v)) return 'strong';
  return `malformed ${v}`;
}

function contentType(v) {
  return v?.replace(/boundary=[^;]*/i, 'boundary=…');
}

function describe(buf) {
  if (buf === null) return 'none';
  const hash = createHash('sha1').update(buf).digest('hex').slice(0, 10);
  return `${buf.length} bytes sha1:${hash}`;
}

/** multipart/byteranges → [{ type, range, body }], or a string saying why it does not parse. */
export function parseByteranges(body, type) {
  const m = /boundary=("?)([^";]+)\1/i.exec(type ?? '');
  if (!m) return 'no boundary parameter';
  const delimiter = Buffer.from(`--${m[2]}`, 'latin1');
  const parts = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return 'no first boundary';
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') return `no CRLF after boundary in part ${parts.length + 1}`;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return `part ${parts.length + 1} has no end of head`;
    const headers = {};
    for (const line of body.subarray(pos + 2, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next < 0) return `part ${parts.length + 1} has no closing boundary`;
    parts.push({ type: headers['content-type'], range: headers['content-range'], body: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
}

function describeParts(parts) {
  if (typeof parts === 'string') return `unparsable multipart: ${parts}`;
  return parts.map((p) => `[${p.range} ${p.type} ${describe(p.body)}]`).join(' ');
}

function isMultipart(r) {
  return /^multipart\/byteranges/i.test(r.headers['content-type'] ?? '');
}

function compareBodies(n, b, kase, out) {
  const encN = encodingOf(n);
  const encB = encodingOf(b);
  if (isMultipart(n) || isMultipart(b)) {
    const pn = isMultipart(n) ? describeParts(parseByteranges(n.body, n.headers['content-type'])) : `single: ${describe(n.body)}`;
    const pb = isMultipart(b) ? describeParts(parseByteranges(b.body, b.headers['content-type'])) : `single: ${describe(b.body)}`;
    if (pn !== pb) out.push({ field: 'body (parts)', nginx: pn, brigade: pb });
    return;
  }
  if (encN === encB && (encN === 'identity' || kase.raw)) {
    if (!n.body.equals(b.body)) out.push({ field: 'body (raw)', nginx: describe(n.body), brigade: describe(b.body) });
    return;
  }
  // Different encodings of one representation: compare what the client ends up with.
  // A 206 of encoded bytes cannot be decoded on its own; raw cases handled that above.
  let dn;
  let db;
  try {
    dn = decode(n.body, encN);
  } catch (err) {
    out.push({ field: 'body (decoded)', nginx: `does not decode as ${encN}: ${err.message}`, brigade: '' });
    return;
  }
  try {
    db = decode(b.body, encB);
  } catch (err) {
    out.push({ field: 'body (decoded)', nginx: '', brigade: `does not decode as ${encB}: ${err.message}` });
    return;
  }
  if (!dn.equals(db)) out.push({ field: 'body (decoded)', nginx: describe(dn), brigade: describe(db) });
}

/** The differences between nginx's answer n and brigade's answer b to kase. */
export function compareResponses(kase, n, b) {
  const out = [];
  const field = (name, vn, vb) => {
    if (vn !== vb) out.push({ field: name, nginx: vn ?? '—', brigade: vb ?? '—' });
  };
  const h = (r, name) => r.headers[name];
  field('framing', n.framing ?? undefined, b.framing ?? undefined);
  field('status', String(n.status), String(b.status));
  field('Location', locationPath(h(n, 'location')), locationPath(h(b, 'location')));
  field('Content-Range', h(n, 'content-range'), h(b, 'content-range'));
  field('Content-Encoding', encodingOf(n), encodingOf(b));
  field('Vary', varyTokens(h(n, 'vary')), varyTokens(h(b, 'vary')));
  field('ETag', etagKind(h(n, 'etag')), etagKind(h(b, 'etag')));
  field('Last-Modified', h(n, 'last-modified'), h(b, 'last-modified'));
  field('Accept-Ranges', h(n, 'accept-ranges'), h(b, 'accept-ranges'));
  const success = (s) => s >= 200 && s < 300;
  if (n.status !== b.status) return out;
  if (success(n.status) || n.status === 304) field('Content-Type', contentType(h(n, 'content-type')), contentType(h(b, 'content-type')));
  const sameEncoding = encodingOf(n) === encodingOf(b);
  if (success(n.status) && sameEncoding && (encodingOf(n) === 'identity' || kase.raw) && !isMultipart(n) && !isMultipart(b)) {
    field('Content-Length', h(n, 'content-length'), h(b, 'content-length'));
  }
  if (success(n.status) && kase.method !== 'HEAD' && !n.framing && !b.framing) compareBodies(n, b, kase, out);
  return out;
}
