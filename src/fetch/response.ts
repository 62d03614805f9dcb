// Turning a WHATWG Response into brigade output: status and headers (every
// Set-Cookie kept separate) onto brigade's response, then the body:
//   null                      -> end()            (no body)
//   string / bytes source     -> end(bytes)       (Content-Length, one RESPONSE message)
//   FileResponse              -> sendFd()         (FILE bucket: sendfile, never through JS)
//   any other ReadableStream  -> write() per chunk, end() at the end
//                                (chunked on HTTP/1.1 unless a Content-Length was given)
// A stream that turns out to hold one chunk (what undici makes for Blob and
// similar bodies) still gets a Content-Length.
import * as fs from 'node:fs';
import * as path from 'node:path';
import mime from 'mime-types';
import { clientAborted, onClientAbort } from './abort.js';
import { FastResponse, fastResponseSource } from './fast-response.js';
import type { Request as BrigadeRequestApi, Response as BrigadeResponseApi } from '../types.js';

const NativeResponse = globalThis.Response;

export interface FileResponseInit extends ResponseInit {
  /** First byte to send (default 0). */
  offset?: number;
  /** Bytes to send (default: to the end of the file). */
  length?: number;
  /** Content-Type when the headers set none (default: from the file extension). */
  contentType?: string;
}

/**
 * A Response whose body is a file on disk. Returned from a fetch handler run
 * by brigade, the file goes to the socket with sendfile (a FILE bucket); the
 * Response object itself has a null body, so other consumers see no bytes.
 */
export class FileResponse extends Response {
  /** Absolute path of the file. */
  readonly path: string;
  readonly offset: number | undefined;
  readonly length: number | undefined;
  readonly contentType: string | undefined;

  constructor(file: string, init: FileResponseInit = {}) {
    const { offset, length, contentType, ...responseInit } = init;
    super(null, responseInit);
    this.path = path.resolve(file);
    this.offset = offset;
    this.length = length;
    this.contentType = contentType;
  }
}

/** A Response that brigade answers with the file at `file` (sendfile; Content-Type from the extension). */
export function fileResponse(file: string, init?: FileResponseInit): FileResponse {
  return new FileResponse(file, init);
}

// undici keeps the body's source (the string or bytes the Response was made
// from) in an internal, symbol-keyed state; when it is there the bytes are
// written directly instead of being read back from the stream undici built.
const kState: symbol | undefined = (() => {
  try {
    return Object.getOwnPropertySymbols(new NativeResponse('')).find((s) => s.description === 'state');
  } catch {
    return undefined;
  }
})();

export function bodySource(response: Response): string | Uint8Array | undefined {
  if (kState === undefined) return undefined;
  const state = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } | null } | undefined>)[kState];
  const body = state?.body;
  if (!body || body.stream !== response.body) return undefined;
  const src = body.source;
  if (typeof src === 'string' || src instanceof Uint8Array) return src;
  return undefined;
}

/** Status and headers of the Response onto brigade's response. */
function applyHead(response: Response, res: BrigadeResponseApi): void {
  res.status(response.status);
  const h = response.headers;
  let cookies = false;
  for (const [name, value] of h) {
    if (name === 'set-cookie') {
      cookies = true;
      continue;
    }
    res.appendHeader(name, value);
  }
  if (cookies) for (const c of h.getSetCookie()) res.appendHeader('Set-Cookie', c);
}

/** Ends the response of a request whose client went away (or that must not be answered). */
function abandon(res: BrigadeResponseApi): void {
  if (res.finished) return;
  const r = res as BrigadeResponseApi & { abortStream?: () => void };
  if (typeof r.abortStream === 'function') r.abortStream();
  else res.end();
}

/**
 * Sends `response` through brigade's `res`. Returns nothing when the response
 * was written synchronously (null body, string or bytes), else a promise.
 */
export function sendFetchResponse(response: unknown, req: BrigadeRequestApi, res: BrigadeResponseApi): void | Promise<void> {
  if (!(response instanceof NativeResponse)) {
    throw new TypeError(`brigade: a fetch handler must return a Response, got ${describe(response)}`);
  }
  if (response.type === 'error') {
    // Response.error(): a network error, i.e. no response at all.
    abandon(res);
    return;
  }
  if (response instanceof FileResponse) return sendFile(response, res);
  if (response instanceof FastResponse) {
    const src = fastResponseSource(response); // before .body, which would make a stream
    if (src !== undefined) {
      applyHead(response, res);
      res.end(src);
      return;
    }
  }
  const body = response.body;
  if (body === null) {
    applyHead(response, res);
    res.end();
    return;
  }
  const src = bodySource(response);
  if (src !== undefined && !body.locked) {
    applyHead(response, res);
    res.end(src);
    return;
  }
  if (req.method === 'HEAD') {
    // No body goes out: the head only (the Response's Content-Length if it has one, else chunked).
    body.cancel().catch(() => {});
    applyHead(response, res);
    res.write(EMPTY);
    res.end();
    return;
  }
  return sendStream(response, body, req, res);
}

async function sendFile(response: FileResponse, res: BrigadeResponseApi): Promise<void> {
  // Open first: a missing file becomes brigade's 404 with none of this Response's headers on it.
  const fd = await new Promise<number>((resolve, reject) => fs.open(response.path, 'r', (err, d) => (err ? reject(err) : resolve(d))));
  let offset: number;
  let length: number;
  try {
    const st = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, s) => (err ? reject(err) : resolve(s))));
    if (!st.isFile()) throw Object.assign(new Error(`not a regular file: ${response.path}`), { code: 'ENOENT' });
    offset = response.offset ?? 0;
    length = response.length ?? Math.max(0, st.size - offset);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > st.size) {
      throw new RangeError(`fileResponse: range outside the file ${response.path}`);
    }
    applyHead(response, res);
    if (!res.hasHeader('content-type')) {
      res.setHeader('Content-Type', response.contentType ?? (mime.contentType(path.extname(response.path)) || 'application/octet-stream'));
    }
  } catch (err) {
    fs.close(fd, () => {});
    throw err;
  }
  res.sendFd(fd, offset, length); // brigade closes the fd once the bytes are sent
}

// Pacing of streamed bodies. brigade's write() never blocks: bytes go into
// slab memory at once and the native writer sends them when the socket takes
// them. So the stream is read one chunk at a time (the producer is pulled no
// faster than we write), every YIELD_BYTES / YIELD_WRITES the loop yields a
// macrotask so the writer gets its turn (on the looper MPM it runs on this
// thread), and then waits for res.drained() (bytes written but not yet sent
// above the high-water mark: reading waits). There is no per-connection
// signal for "this client's bytes left" yet; see docs/fetch.md.
const YIELD_BYTES = 256 * 1024;
const YIELD_WRITES = 64;

type Chunk = string | Uint8Array;

function toChunk(value: unknown): Chunk {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`brigade: response body chunks must be Uint8Array, got ${describe(value)}`);
}

function chunkLength(c: Chunk): number {
  return typeof c === 'string' ? Buffer.byteLength(c) : c.length;
}

const PENDING = Symbol('pending');
const EMPTY = new Uint8Array(0);

/** The promise's value if it settles before the next macrotask, else PENDING. */
function settledSoon<T>(p: Promise<T>): Promise<T | typeof PENDING> {
  return new Promise((resolve, reject) => {
    const t = setImmediate(() => resolve(PENDING));
    p.then(
      (v) => {
        clearImmediate(t);
        resolve(v);
      },
      (err: unknown) => {
        clearImmediate(t);
        reject(err as Error);
      },
    );
  });
}

async function sendStream(response: Response, body: ReadableStream, req: object, res: BrigadeResponseApi): Promise<void> {
  const reader = body.getReader() as ReadableStreamDefaultReader<unknown>;
  let aborted = clientAborted(req);
  const off = onClientAbort(req, () => {
    aborted = true;
    reader.cancel(new DOMException('The client closed the connection', 'AbortError')).catch(() => {});
  });
  try {
    if (aborted) {
      await reader.cancel().catch(() => {});
      abandon(res);
      return;
    }
    const first = await reader.read();
    if (aborted) return abandon(res);
    if (first.done) {
      applyHead(response, res);
      res.end();
      return;
    }
    const firstChunk = toChunk(first.value);
    // One chunk and the end right behind it: a Content-Length response.
    const nextP = reader.read();
    const soon = await settledSoon(nextP);
    if (aborted) return abandon(res);
    if (soon !== PENDING && soon.done) {
      applyHead(response, res);
      res.end(firstChunk);
      return;
    }
    applyHead(response, res);
    res.write(firstChunk);
    let sinceYield = chunkLength(firstChunk);
    let writes = 1;
    let r = soon === PENDING ? await nextP : soon;
    while (!r.done && !aborted) {
      const c = toChunk(r.value);
      res.write(c);
      sinceYield += chunkLength(c);
      if (sinceYield >= YIELD_BYTES || ++writes >= YIELD_WRITES) {
        sinceYield = 0;
        writes = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        await res.drained();
        if (aborted) break;
      }
      r = await reader.read();
    }
    if (aborted) return abandon(res);
    res.end();
  } catch (err) {
    if (aborted) return abandon(res);
    // The producer failed: before the head that is brigade's 500 (this
    // Response's headers were not applied yet), after it a cut-off body.
    reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    off();
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
