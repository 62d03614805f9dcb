// The adapter from brigade's (req, res) handlers to fetch handlers: a lazy
// FetchRequest in, the returned Response out through sendFetchResponse. A
// handler that returns a Response synchronously with a null, string or bytes
// body is answered before the adapter returns, so the request record is never
// copied out of the ring (same fast path as a synchronous brigade handler).
import { FetchRequest } from './request.js';
import { sendFetchResponse } from './response.js';
import type { FetchHandler, FetchHost, FetchInfo } from './types.js';
import type { Handler, Request as BrigadeRequestApi, Response as BrigadeResponseApi } from '../types.js';

class Info implements FetchInfo {
  readonly req: BrigadeRequestApi;
  readonly res: BrigadeResponseApi;
  constructor(req: BrigadeRequestApi, res: BrigadeResponseApi) {
    this.req = req;
    this.res = res;
  }
  get params(): Readonly<Record<string, string>> {
    return this.req.params;
  }
  get remoteAddress(): string {
    return this.req.remoteAddress;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** Wraps a fetch handler as a brigade route handler. */
export function createFetchHandler(handler: FetchHandler, host: FetchHost): Handler {
  if (typeof handler !== 'function') throw new TypeError('brigade: a fetch handler must be a function');
  return (req, res) => {
    const request = new FetchRequest(req, host) as unknown as Request;
    const out: unknown = handler(request, new Info(req, res));
    if (isThenable(out)) {
      return Promise.resolve(out).then((response) => {
        // A handler may answer through info.res itself and return nothing.
        if (response === undefined && res.finished) return;
        return sendFetchResponse(response, req, res);
      });
    }
    if (out === undefined && res.finished) return;
    return sendFetchResponse(out, req, res);
  };
}
