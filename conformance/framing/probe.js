// One case against one server: a fresh TCP connection, the case's bytes (and
// its tail) in one write, an optional trickle, then everything the server sends
// until it closes or stays quiet. The answer is split into responses by their
// own framing (Content-Length, chunked, or up to the close), so a second
// response is seen as one even when it follows an error.
import net from 'node:net';
import { NEXT_TAIL, SMUGGLE_TAIL } from './cases.js';
import { SECRET_BODY, SMUGGLED_BODY } from './docroot.js';

/** Quiet time after the last byte received before the connection counts as left open. */
const QUIET_MS = 700;
/** Before the first byte of an answer: a loaded machine may be slow to answer at all. */
const FIRST_BYTE_MS = 4000;
/** No case may take longer than this (the slowloris ones trickle for 9 s). */
const HARD_LIMIT_MS = 12_000;

/**
 * Splits the raw answer into responses: [{ status, headers, bodyBytes }] plus
 * `rest` (bytes that are not a response) and `truncated` (the last one ended early).
 */
export function splitResponses(buf, headRequests = 0) {
  const responses = [];
  let pos = 0;
  let truncated = false;
  let heads = headRequests;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) {
      truncated = true;
      break;
    }
    const head = buf.subarray(pos, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/(\d\.\d) (\d{3})/.exec(lines[0]);
    if (!m) break;
    const status = Number(m[2]);
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) {
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
    }
    pos = end + 4;
    if (status < 200) {
      responses.push({ status, headers, bodyBytes: 0, interim: true });
      continue;
    }
    let bodyBytes = 0;
    const noBody = status === 204 || status === 304 || heads-- > 0;
    if (noBody) {
      // nothing
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      for (;;) {
        const eol = buf.indexOf('\r\n', pos);
        if (eol < 0) {
          truncated = true;
          pos = buf.length;
          break;
        }
        const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
        if (!Number.isInteger(size)) {
          truncated = true;
          pos = buf.length;
          break;
        }
        pos = eol + 2;
        if (size === 0) {
          const tEnd = buf.indexOf('\r\n', pos);
          pos = tEnd < 0 ? buf.length : tEnd + 2;
          break;
        }
        bodyBytes += size;
        pos += size + 2;
      }
    } else if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      bodyBytes = Math.min(len, buf.length - pos);
      if (bodyBytes < len) truncated = true;
      pos += len;
    } else {
      bodyBytes = buf.length - pos;
      pos = buf.length;
    }
    responses.push({ status, headers, bodyBytes });
  }
  return { responses, rest: buf.length - Math.min(pos, buf.length), truncated };
}

/**
 * Runs one case against a port. Resolves { statuses, finals, closed, closedBy,
 * ms, smuggled, leaked, bodyBytes, responses, error }.
 */
export function probe(port, kase) {
  const tail = kase.tail === 'smuggle' ? SMUGGLE_TAIL : kase.tail === 'next' ? NEXT_TAIL : '';
  const bytes = Buffer.from(kase.send + tail, 'latin1');
  return new Promise((resolve) => {
    const chunks = [];
    const started = Date.now();
    let closed = false;
    let closedBy = null;
    let error = null;
    let quietTimer = null;
    let trickleTimer = null;
    let done = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(quietTimer);
      clearInterval(trickleTimer);
      clearTimeout(hard);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      const heads = /^HEAD /.test(kase.send) ? 1 : 0;
      const split = splitResponses(buf, heads);
      const finals = split.responses.filter((r) => !r.interim);
      const text = buf.toString('latin1');
      resolve({
        statuses: split.responses.map((r) => r.status),
        finals: finals.map((r) => r.status),
        responses: finals,
        bodyBytes: finals.reduce((a, r) => a + r.bodyBytes, 0),
        garbage: split.rest,
        closed,
        closedBy,
        ms: Date.now() - started,
        smuggled: text.includes(SMUGGLED_BODY),
        leaked: text.includes(SECRET_BODY) || /root:[^:\r\n]*:0:0:/.test(text),
        error,
        bytes: buf.length,
      });
    };
    const quiet = () => {
      clearTimeout(quietTimer);
      if (trickleTimer) return; // a trickling client is never "quiet"
      quietTimer = setTimeout(finish, chunks.length ? QUIET_MS : FIRST_BYTE_MS);
    };
    const hard = setTimeout(finish, HARD_LIMIT_MS);
    sock.on('connect', () => {
      if (bytes.length) sock.write(bytes);
      if (kase.trickle) {
        const { chunk, everyMs, forMs } = kase.trickle;
        trickleTimer = setInterval(() => {
          if (Date.now() - started > forMs) {
            clearInterval(trickleTimer);
            trickleTimer = null;
            quiet();
            return;
          }
          if (chunk && !sock.destroyed && sock.writable) sock.write(chunk);
        }, everyMs);
      } else {
        quiet();
      }
    });
    sock.on('data', (c) => {
      chunks.push(c);
      quiet();
    });
    sock.on('end', () => {
      closed = true;
      closedBy = closedBy ?? 'fin';
      finish();
    });
    sock.on('error', (err) => {
      closed = true;
      closedBy = closedBy ?? (err.code === 'ECONNRESET' ? 'rst' : err.code);
      error = err.code ?? err.message;
      finish();
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
  });
}
