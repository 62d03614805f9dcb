// FetchRequest: a WHATWG Request over brigade's lazy request view, built the
// way srvx builds its NodeRequest. Nothing is computed up front: `method` is
// the view's method, `url` is one string concatenation on first access,
// `headers` a Headers object on first access, `signal` an AbortController on
// first access, and the body a ReadableStream only when `body` is read
// (`text()`, `json()`, `arrayBuffer()`, `bytes()` read brigade's body directly,
// without a stream).
//
// `instanceof Request` is true because FetchRequest.prototype inherits from
// Request.prototype (no global is patched). Every Request member that
// FetchRequest does not implement itself (cache, mode, formData(), ...) is
// forwarded to a native Request that is materialised on first use from the
// fields above (the body stream is handed over unless it was read already;
// then body reads go through the native Request).
// Node 20's undici keeps a Request's state under symbol keys and checks
// brands with instanceof, so those keys are forwarded as well: `new
// Request(request)` and `fetch(request)` (a proxy) work with a FetchRequest.
import { Readable } from 'node:stream';
import { clientAborted, onClientAbort } from './abort.js';
import type { FetchHost } from './types.js';
import type { Request as BrigadeRequestApi } from '../types.js';

// Host header values that can go into a URL unchanged (reg-name, IPv4, [IPv6], port).
const SAFE_HOST = /^[A-Za-z0-9.\-_~!$&'()*+,;=%]+(:\d*)?$|^\[[0-9A-Fa-f:.]+\](:\d*)?$/;
const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

const NativeRequest = globalThis.Request;

function unusable(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

export class FetchRequest {
  readonly #req: BrigadeRequestApi;
  readonly #host: FetchHost;
  #url: string | undefined;
  #headers: Headers | undefined;
  #signal: AbortSignal | undefined;
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | null | undefined;
  #used = false;
  #native: Request | undefined;
  // The body went to the native Request: body reads go through it from then on.
  #nativeBody = false;

  constructor(req: BrigadeRequestApi, host: FetchHost) {
    this.#req = req;
    this.#host = host;
  }

  /** brigade's request object behind this Request. */
  get brigadeRequest(): BrigadeRequestApi {
    return this.#req;
  }

  get method(): string {
    return this.#req.method;
  }

  get url(): string {
    if (this.#url === undefined) {
      const target = this.#req.url;
      if (ABSOLUTE.test(target)) {
        this.#url = target;
      } else {
        let host = this.#req.header('host');
        if (host === undefined || !SAFE_HOST.test(host)) {
          const a = this.#host.address;
          host = a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
        }
        this.#url = `${this.#req.secure ? 'https' : 'http'}://${host}${target.charCodeAt(0) === 0x2f ? target : `/${target}`}`;
      }
    }
    return this.#url;
  }

  get headers(): Headers {
    if (this.#native) return this.#native.headers;
    if (this.#headers === undefined) {
      const h = new Headers();
      const all = this.#req.headers;
      for (const name in all) h.append(name, all[name]!);
      this.#headers = h;
    }
    return this.#headers;
  }

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      if (clientAborted(this.#req)) {
        this.#signal = AbortSignal.abort(new DOMException('The client closed the connection', 'AbortError'));
      } else {
        const c = new AbortController();
        this.#signal = c.signal;
        onClientAbort(this.#req, () => c.abort(new DOMException('The client closed the connection', 'AbortError')));
      }
    }
    return this.#signal;
  }

  /** true when the request may carry a body (not GET/HEAD, and framed with a length or chunked). */
  get #hasBody(): boolean {
    const m = this.#req.method;
    if (m === 'GET' || m === 'HEAD') return false;
    const te = this.#req.header('transfer-encoding');
    if (te !== undefined) return true;
    const cl = this.#req.header('content-length');
    return cl !== undefined && cl !== '0';
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#nativeBody) return this.#native!.body;
    if (this.#stream === undefined) {
      if (!this.#hasBody) {
        this.#stream = null;
      } else if (this.#used) {
        // Read already through text()/json()/...: a stream that is disturbed and empty.
        const s = new ReadableStream<Uint8Array<ArrayBuffer>>({ pull: (c) => c.close() });
        void s.getReader().read();
        this.#stream = s;
      } else {
        this.#used = true;
        this.#stream = bodyStream(this.#req);
      }
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    if (this.#nativeBody) return this.#native!.bodyUsed;
    if (this.#stream) return streamIsDisturbed(this.#stream);
    return this.#used && this.#stream !== null && this.#hasBody;
  }

  /** Whole body via brigade (no stream), or via the stream/native Request once those exist. */
  async #bytes(): Promise<Uint8Array> {
    if (this.#nativeBody) return new Uint8Array(await this.#native!.arrayBuffer());
    if (this.#stream !== undefined) {
      if (this.#stream === null) return new Uint8Array(0);
      if (isDisturbed(this.#stream)) throw unusable();
      return new Uint8Array(await new Response(this.#stream).arrayBuffer());
    }
    if (this.#used) throw unusable();
    this.#used = true;
    if (!this.#hasBody) return new Uint8Array(0);
    return this.#req.bytes();
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const b = await this.#bytes();
    // A plain Uint8Array over an unshared ArrayBuffer, as the spec returns
    // (brigade may hand out a Buffer; body bytes are copied out of the ring).
    if (Object.getPrototypeOf(b) === Uint8Array.prototype && b.buffer instanceof ArrayBuffer) return b as Uint8Array<ArrayBuffer>;
    return b.buffer instanceof ArrayBuffer ? new Uint8Array(b.buffer, b.byteOffset, b.length) : new Uint8Array(b);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.#bytes();
    if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
    return b.slice().buffer as ArrayBuffer;
  }

  async text(): Promise<string> {
    const b = await this.#bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    const b = await this.#bytes();
    return new Blob([b], { type: this.#req.header('content-type') ?? '' });
  }

  clone(): Request {
    if (this.bodyUsed) throw unusable();
    return this.#materialise().clone();
  }

  async formData(): Promise<FormData> {
    const n = this.#materialise();
    if (this.#hasBody && !this.#nativeBody) throw unusable(); // read already
    return n.formData();
  }

  /**
   * The native Request this one stands for, made on first need (members
   * FetchRequest does not implement; passing it where undici wants a real one).
   */
  #materialise(): Request {
    if (this.#native) return this.#native;
    const method = this.method;
    const init: RequestInit & { duplex?: 'half' } = { method, headers: this.headers, signal: this.signal };
    // The body goes along unless it was read already (then the native Request has none).
    let give = false;
    if (method !== 'GET' && method !== 'HEAD' && this.#hasBody && !(this.#used && this.#stream === undefined)) {
      const stream = this.body;
      if (stream && !isDisturbed(stream)) {
        init.body = stream;
        init.duplex = 'half';
        give = true;
      }
    }
    this.#native = new NativeRequest(this.url, init);
    this.#nativeBody = give;
    return this.#native;
  }

  /** The native Request (materialised on the first call). */
  toRequest(): Request {
    return this.#materialise();
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Request (brigade) { method: ${JSON.stringify(this.method)}, url: ${JSON.stringify(this.url)} }`;
  }

  static {
    Object.setPrototypeOf(FetchRequest.prototype, NativeRequest.prototype);
    const own = new Set<PropertyKey>(Reflect.ownKeys(FetchRequest.prototype));
    const forward = (key: PropertyKey, desc: PropertyDescriptor): void => {
      if (own.has(key)) return;
      if (desc.get) {
        Object.defineProperty(FetchRequest.prototype, key, {
          configurable: true,
          enumerable: desc.enumerable ?? false,
          get(this: FetchRequest) {
            return Reflect.get(this.#materialise(), key) as unknown;
          },
        });
      } else if (typeof desc.value === 'function') {
        Object.defineProperty(FetchRequest.prototype, key, {
          configurable: true,
          writable: true,
          enumerable: desc.enumerable ?? false,
          value(this: FetchRequest, ...args: unknown[]) {
            const n = this.#materialise();
            return (Reflect.get(n, key) as (...a: unknown[]) => unknown).apply(n, args);
          },
        });
      }
    };
    for (const key of Reflect.ownKeys(NativeRequest.prototype)) {
      if (key === 'constructor') continue;
      forward(key, Object.getOwnPropertyDescriptor(NativeRequest.prototype, key)!);
    }
    // undici's internal slots of a Request (Node 20: symbol-keyed own fields).
    try {
      const probe = new NativeRequest('http://localhost/');
      for (const key of Object.getOwnPropertySymbols(probe)) {
        if (own.has(key)) continue;
        Object.defineProperty(FetchRequest.prototype, key, {
          configurable: true,
          get(this: FetchRequest) {
            return Reflect.get(this.#materialise(), key) as unknown;
          },
        });
      }
    } catch {
      // No probe, no forwarding: only `new Request(request)` on such runtimes is affected.
    }
  }
}

// FetchRequest is a Request as far as TypeScript is concerned.
export interface FetchRequest extends Request {}

/**
 * The request body as a pull-driven ReadableStream over brigade's body chunks
 * (each copied out of the shared ring, so backed by a plain ArrayBuffer).
 */
function bodyStream(req: BrigadeRequestApi): ReadableStream<Uint8Array<ArrayBuffer>> {
  let it: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      async pull(controller) {
        it ??= req.stream()[Symbol.asyncIterator]();
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value.buffer instanceof ArrayBuffer ? (r.value as Uint8Array<ArrayBuffer>) : new Uint8Array(r.value));
      },
      async cancel() {
        await it?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

// A stream that has been read from or cancelled (node:stream understands web
// streams), or is locked to a reader.
function isDisturbed(s: ReadableStream): boolean {
  return s.locked || streamIsDisturbed(s);
}

function streamIsDisturbed(s: ReadableStream): boolean {
  return Readable.isDisturbed(s as unknown as NodeJS.ReadableStream);
}
