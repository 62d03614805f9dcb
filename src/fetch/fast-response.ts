// FastResponse: a Response for string and byte bodies that does not build a
// ReadableStream up front. On Node 20, `new Response('text')` costs about as
// much as serving the request (undici creates a byte stream for the body);
// `new Response(null, init)` costs a few percent of that. FastResponse calls
// the latter and keeps the body aside: brigade writes it directly, and every
// other consumer (body, text(), clone(), ...) gets the same behaviour as from
// a Response, with the stream made only if one is asked for. Other body types
// (streams, Blob, FormData, URLSearchParams) go to Response unchanged.
import { Readable } from 'node:stream';

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

type Source = string | Uint8Array;

function fastSource(body: unknown): Source | undefined {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return undefined;
}

function unusable(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

let sourceOf: (r: FastResponse) => Source | undefined;

type BodyInit = ConstructorParameters<typeof Response>[0];

// Response's members as the base class sees them. Typed loosely here because
// the DOM typings declare body, text() etc. as properties, which a subclass
// may not override with accessors and methods; FastResponse re-declares them
// and is structurally a Response.
interface ResponseBase {
  readonly headers: Headers;
  readonly ok: boolean;
  readonly redirected: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly type: Response['type'];
  readonly url: string;
}
const Base = Response as unknown as new (body?: BodyInit, init?: ResponseInit) => ResponseBase;
const proto = Response.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
const getter = (name: string): ((this: unknown) => unknown) => Object.getOwnPropertyDescriptor(Response.prototype, name)!.get!;
const parentBody = getter('body') as (this: unknown) => ReadableStream<Uint8Array> | null;
const parentBodyUsed = getter('bodyUsed') as (this: unknown) => boolean;
function parent<T>(self: unknown, name: string): Promise<T> {
  return proto[name]!.call(self) as Promise<T>;
}

export class FastResponse extends Base {
  #source: Source | undefined;
  #used = false;
  #stream: ReadableStream<Uint8Array> | undefined;

  constructor(body?: BodyInit, init?: ResponseInit) {
    const src = fastSource(body);
    super(src === undefined ? body : null, init);
    if (src === undefined) return;
    if (NULL_BODY_STATUS.has(this.status)) throw new TypeError('Response with null body status cannot have body');
    this.#source = src;
    if (typeof src === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
  }

  /** Like Response.json(), as a FastResponse. */
  static json(data: unknown, init: ResponseInit = {}): FastResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new Headers(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new FastResponse(text, { status: init.status, statusText: init.statusText, headers });
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#source === undefined) return parentBody.call(this);
    if (this.#stream === undefined) {
      if (this.#used) {
        const s = new ReadableStream<Uint8Array>({ pull: (c) => c.close() });
        void s.getReader().read();
        this.#stream = s;
      } else {
        this.#used = true;
        this.#stream = new Response(this.#source).body!;
      }
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    if (this.#source === undefined) return parentBodyUsed.call(this);
    if (this.#stream) return Readable.isDisturbed(this.#stream as unknown as NodeJS.ReadableStream);
    return this.#used;
  }

  /** The body as a (non-stream) Response to read it through. */
  #take(): Response {
    if (this.#stream !== undefined) {
      if (this.#stream.locked || Readable.isDisturbed(this.#stream as unknown as NodeJS.ReadableStream)) throw unusable();
      return new Response(this.#stream, { headers: this.headers });
    }
    if (this.#used) throw unusable();
    this.#used = true;
    return new Response(this.#source!, { headers: this.headers });
  }

  async text(): Promise<string> {
    if (this.#source === undefined) return parent<string>(this, 'text');
    if (this.#stream === undefined && !this.#used && typeof this.#source === 'string') {
      this.#used = true;
      return this.#source;
    }
    return this.#take().text();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#source === undefined) return parent<ArrayBuffer>(this, 'arrayBuffer');
    return this.#take().arrayBuffer();
  }

  async json(): Promise<unknown> {
    if (this.#source === undefined) return parent<unknown>(this, 'json');
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    if (this.#source === undefined) return parent<Blob>(this, 'blob');
    return this.#take().blob();
  }

  async formData(): Promise<FormData> {
    if (this.#source === undefined) return parent<FormData>(this, 'formData');
    return this.#take().formData();
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#source === undefined) {
      if (proto['bytes']) return parent<Uint8Array>(this, 'bytes');
      return new Uint8Array(await parent<ArrayBuffer>(this, 'arrayBuffer'));
    }
    return new Uint8Array(await this.#take().arrayBuffer());
  }

  clone(): Response {
    if (this.#source === undefined) return proto['clone']!.call(this) as Response;
    if (this.bodyUsed) throw unusable();
    const init = { status: this.status, statusText: this.statusText, headers: this.headers };
    if (this.#stream === undefined) return new FastResponse(this.#source, init);
    const [a, b] = this.#stream.tee();
    this.#stream = a;
    return new Response(b, init);
  }

  static {
    sourceOf = (r) => (r.#source !== undefined && r.#stream === undefined && !r.#used ? r.#source : undefined);
  }
}

/** The body a FastResponse was made from, when nothing read it yet (brigade writes it directly). */
export function fastResponseSource(r: FastResponse): Source | undefined {
  return sourceOf(r);
}
