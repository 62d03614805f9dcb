// Public types of brigade's request/response API. Implementations live in
// request.ts / response.ts; routers, static mounts and filters use only these.

export type HeaderValue = string | number | readonly string[];

export interface Request {
  /** Request method as sent (e.g. "GET"). */
  readonly method: string;
  /** Decoded-once path without the query string, as sent (percent-encoding kept). */
  readonly path: string;
  /** Raw query string without "?" ("" when absent). */
  readonly query: string;
  /** The request-target exactly as sent. */
  readonly url: string;
  /** "1.0" or "1.1". */
  readonly httpVersion: string;
  /** Route parameters (`:name` segments) and `*` for a prefix route's remainder. */
  readonly params: Readonly<Record<string, string>>;
  /** Header value by case-insensitive name; repeated fields joined with ", ". Decoded lazily. */
  header(name: string): string | undefined;
  /** All headers, lower-case names. Decoded on first access. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed query string (built on first access). */
  readonly searchParams: URLSearchParams;
  /** Peer address ("127.0.0.1"). */
  readonly remoteAddress: string;
  /** true when the request arrived over TLS. */
  readonly secure: boolean;
  /** Whole body as bytes (rejects with a 413-style error above the configured limit). */
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
  /** The body as a stream of chunks, for large bodies. Consumes the body. */
  stream(): AsyncIterable<Uint8Array>;
  /** Where per-request resources are released once the response is on the wire. */
  readonly pool: RequestPool;
}

export interface RequestPool {
  /** Runs fn once, when the last byte of the response has been written or the request was aborted. */
  cleanup(fn: () => void): void;
  /** true once the pool has been destroyed. */
  readonly destroyed: boolean;
}

export interface SendFileOptions {
  /** First byte to send (default 0). */
  offset?: number;
  /** Bytes to send (default: to the end of the file). */
  length?: number;
  /** Content-Type to set when none is set yet. */
  contentType?: string;
}

export interface Response {
  statusCode: number;
  status(code: number): this;
  setHeader(name: string, value: HeaderValue): this;
  appendHeader(name: string, value: string): this;
  getHeader(name: string): string | undefined;
  hasHeader(name: string): boolean;
  removeHeader(name: string): this;
  /** Appends body bytes (strings are UTF-8 encoded straight into native slab memory). */
  write(chunk: string | Uint8Array): this;
  /** Ends the response, optionally with a last chunk. */
  end(chunk?: string | Uint8Array): void;
  /** JSON body with Content-Type application/json. */
  json(value: unknown): void;
  /**
   * Sends (a range of) a file as the body: the bytes go from the file to the
   * socket with sendfile, never through JS. Resolves once the response is queued.
   */
  sendFile(path: string, options?: SendFileOptions): Promise<void>;
  /** Like sendFile, with a file descriptor the caller opened; brigade closes it once sent. */
  sendFd(fd: number, offset: number, length: number): void;
  /** Pushes what was written so far to the client now (a FLUSH bucket through the output filters). */
  flush(): void;
  /**
   * Resolves when writing more is reasonable: the output filters took what was
   * written and the unsent bytes are below the low-water mark, or the client
   * is gone. Await it between write() calls of a large body (node:http's
   * 'drain'); write() itself never waits.
   */
  drained(): Promise<void>;
  /** true once end()/sendFile() finished the response. */
  readonly finished: boolean;
  /** true once the status line and headers were handed to the writer. */
  readonly headersSent: boolean;
  /** true if the client went away before the response finished. */
  readonly aborted: boolean;
}

export type Handler = (req: Request, res: Response) => void | Promise<void>;
