// The correctness check: one real request on a fresh connection must get
// status 200 and exactly the expected body (gunzipped first where the workload
// asks for gzip) before a contender is measured on a workload.
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';

const RETRY_TIMEOUT_MS = 30_000;

/** One real GET; resolves { status, headers, body: Buffer } or rejects. */
export function get(port, urlPath, { headers = {}, timeoutMs = 5000, scheme = 'http' } = {}) {
  return new Promise((resolve, reject) => {
    // https: the bench's self-signed certificate, not verified.
    const req = (scheme === 'https' ? https : http).request(
      // agent:false: a one-off connection, closed afterwards, so no socket stays open into the measurement.
      { host: '127.0.0.1', port, path: urlPath, method: 'GET', agent: false, timeout: timeoutMs, headers, rejectUnauthorized: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function show(buf) {
  const text = buf.subarray(0, 120).toString('latin1');
  return `${JSON.stringify(text)}${buf.length > 120 ? `… (${buf.length} bytes)` : ''}`;
}

/**
 * Checks one target ({ path, headers, expect: { body: Buffer, contentType, gzip } }).
 * Returns { ok, problem, warning } (a wrong Content-Type is only a warning).
 */
export async function checkAnswer(port, target, timeoutMs = 5000) {
  const { path, headers = {}, expect } = target;
  let res;
  let slow = null;
  try {
    res = await get(port, path, { headers, timeoutMs, scheme: target.scheme });
  } catch (err) {
    if (!/no answer within/.test(err.message)) return { ok: false, problem: `GET ${path}: ${err.message}`, warning: null };
    // A server still draining the previous workload on a busy machine (CI,
    // --quick right after c1000) may be slow, not wrong: one more try, on a
    // fresh connection, with RETRY_TIMEOUT_MS before the answer counts as missing.
    slow = `GET ${path}: no answer within ${timeoutMs} ms, answered on a second try`;
    try {
      res = await get(port, path, { headers, timeoutMs: RETRY_TIMEOUT_MS, scheme: target.scheme });
    } catch (err2) {
      return { ok: false, problem: `GET ${path}: ${err.message}; again ${err2.message}`, warning: null };
    }
  }
  if (res.status !== 200) return { ok: false, problem: `GET ${path}: status ${res.status}, expected 200`, warning: null };
  let body = res.body;
  if (expect.gzip) {
    if (res.headers['content-encoding'] !== 'gzip') {
      return { ok: false, problem: `GET ${path}: Content-Encoding ${JSON.stringify(res.headers['content-encoding'] ?? null)}, expected gzip`, warning: null };
    }
    try {
      body = gunzipSync(body);
    } catch (err) {
      return { ok: false, problem: `GET ${path}: body does not gunzip (${err.message})`, warning: null };
    }
  }
  if (!body.equals(expect.body)) {
    return { ok: false, problem: `GET ${path}: body ${show(body)}, expected ${show(expect.body)}`, warning: null };
  }
  const type = res.headers['content-type'] ?? '';
  const typeWarning = !expect.contentType || type.startsWith(expect.contentType)
    ? null
    : `GET ${path}: Content-Type ${JSON.stringify(type)}, expected ${expect.contentType}`;
  const warning = [slow, typeWarning].filter(Boolean).join('; ') || null;
  return { ok: true, problem: null, warning };
}
