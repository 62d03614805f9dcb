// Public types of brigade's fetch-style handlers: `(request: Request, info) =>
// Response | Promise<Response>` with the WHATWG Request/Response classes.
import type { Request as BrigadeRequestApi, Response as BrigadeResponseApi } from '../types.js';

/** What a fetch handler gets besides the Request (Hono sees it as `c.env`). */
export interface FetchInfo {
  /** Route parameters of the brigade route that matched (`:name`, `*`); empty for the catch-all. */
  readonly params: Readonly<Record<string, string>>;
  /** Peer address ("127.0.0.1"). */
  readonly remoteAddress: string;
  /** brigade's own request object behind the Request (lazy view; valid until the response is finished). */
  readonly req: BrigadeRequestApi;
  /** brigade's own response object; a fetch handler normally leaves it alone and returns a Response. */
  readonly res: BrigadeResponseApi;
}

export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

export interface FetchServerOptions {
  /**
   * Fallback handler: receives every request no route, static mount or
   * `server.fetch()` pattern matched (instead of brigade's 404/405).
   */
  fetch?: FetchHandler;
}

/** What the fetch adapter needs from the server. */
export interface FetchHost {
  readonly address: { host: string; port: number };
}
