// Client-abort notifications for fetch handlers. brigade's request object has
// an `aborted` flag that the server sets through `abort()` (MSG_ABORT, or
// close() giving up on in-flight requests) but no listener API, so the first
// subscriber wraps that one instance's abort() (only requests that use
// `request.signal` or stream a response body pay for it).

interface Abortable {
  aborted: boolean;
  abort(): void;
}

const listeners = new WeakMap<object, Set<() => void>>();

function isAbortable(req: object): req is Abortable {
  return typeof (req as Partial<Abortable>).abort === 'function' && typeof (req as Partial<Abortable>).aborted === 'boolean';
}

/**
 * Runs fn once when the client goes away (at once, in a microtask, if it
 * already has). Returns a function that unsubscribes.
 */
export function onClientAbort(req: object, fn: () => void): () => void {
  if (!isAbortable(req)) return noop;
  if (req.aborted) {
    queueMicrotask(fn);
    return noop;
  }
  let set = listeners.get(req);
  if (!set) {
    const subscribers = new Set<() => void>();
    set = subscribers;
    listeners.set(req, subscribers);
    const original = req.abort;
    req.abort = function abort(this: Abortable): void {
      original.call(this);
      if (listeners.get(req) !== subscribers) return;
      listeners.delete(req);
      for (const f of subscribers) {
        try {
          f();
        } catch (err) {
          process.emitWarning(`brigade: abort listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
      }
    };
  }
  const s = set;
  s.add(fn);
  return () => {
    s.delete(fn);
  };
}

export function clientAborted(req: object): boolean {
  return isAbortable(req) && req.aborted;
}

function noop(): void {}
