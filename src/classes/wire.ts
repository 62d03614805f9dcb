// The messages between the main thread and a queue server. Flat arrays of
// strings and one transferred ArrayBuffer for the body: structured clone only
// copies a few short strings, the body bytes move without a copy.

/** A request handed to a queue server. */
export interface JobMessage {
  id: number;
  className: string;
  method: string;
  /** Request-target as sent (origin-form path and query). */
  target: string;
  /** name, value, name, value, … (names lower-case). */
  headers: string[];
  remoteAddress: string;
  /** Transferred; null without a body. */
  body: ArrayBuffer | null;
}

/** The answer of a queue server: either a response or the handler's failure. */
export interface ReplyMessage {
  id: number;
  status: number;
  headers: string[];
  body: ArrayBuffer | null;
  /** Set when the handler threw or returned no Response (answered 500). */
  error?: string;
}

/** Posted once the app module is loaded; startError when it could not be. */
export interface ReadyMessage {
  ready: true;
  startError?: string;
}

/** An ArrayBuffer holding exactly bytes, copied only when bytes is a view into a larger one. */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) return b;
  return bytes.slice().buffer as ArrayBuffer;
}
