// Entry of a queue server (a worker thread): loads the app module once, then
// runs one request at a time — a WHATWG Request in, the app's Response out —
// and posts the answer back with the body buffer transferred.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { ownBuffer, type JobMessage, type ReadyMessage, type ReplyMessage } from './wire.js';
import { bodySource } from '../fetch/response.js';
import { FastResponse, fastResponseSource } from '../fetch/fast-response.js';
import type { QueueServerInfo } from './types.js';

type AppHandler = (request: Request, info: QueueServerInfo) => Response | Promise<Response>;

interface AppModule {
  default?: AppHandler | { fetch?: AppHandler };
  fetch?: AppHandler;
}

function handlerOf(mod: AppModule): AppHandler {
  const d = mod.default;
  if (typeof d === 'function') return d;
  if (d && typeof d.fetch === 'function') return d.fetch.bind(d);
  if (typeof mod.fetch === 'function') return mod.fetch;
  throw new TypeError('the app module exports no fetch handler (export default { fetch }, export default function, or export function fetch)');
}

const port = parentPort;
if (!port) throw new Error('brigade: queue-server.ts runs only as a worker thread');
const { app } = workerData as { app: string };

async function handle(handler: AppHandler, job: JobMessage): Promise<ReplyMessage> {
  const headers = new Headers();
  for (let i = 0; i < job.headers.length; i += 2) headers.append(job.headers[i]!, job.headers[i + 1]!);
  const host = headers.get('host') ?? 'localhost';
  const init: RequestInit = { method: job.method, headers };
  if (job.body !== null && job.method !== 'GET' && job.method !== 'HEAD') init.body = job.body;
  const request = new Request(`http://${host}${job.target.startsWith('/') ? job.target : '/'}`, init);
  const response = await handler(request, { className: job.className, threadId, remoteAddress: job.remoteAddress });
  if (!(response instanceof Response)) throw new TypeError(`the handler returned ${typeof response}, not a Response`);
  const out: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out.push(name, value);
  });
  if (response.headers.has('set-cookie')) for (const c of response.headers.getSetCookie()) out.push('set-cookie', c);
  return { id: job.id, status: response.status, headers: out, body: await bodyBytes(response) };
}

/**
 * The body as one transferable buffer. A string or bytes body is taken from
 * its source: reading it back through the stream undici built costs several
 * times more than the rest of the request.
 */
async function bodyBytes(response: Response): Promise<ArrayBuffer | null> {
  const src = response instanceof FastResponse ? fastResponseSource(response) : bodySource(response);
  if (typeof src === 'string') return ownBuffer(encoder.encode(src));
  if (src instanceof Uint8Array) return src.slice().buffer; // a copy: the app may reuse its bytes
  return response.body === null ? null : await response.arrayBuffer();
}

const encoder = new TextEncoder();

/** Builds a Request and reads a Response once, so the first real request does not pay for loading them. */
async function warmUp(): Promise<void> {
  new Request('http://localhost/', { method: 'POST', body: 'x', headers: { 'x-warm': '1' } });
  await Response.json({}).arrayBuffer();
}

try {
  const handler = handlerOf((await import(app)) as AppModule);
  await warmUp();
  port.on('message', (job: JobMessage) => {
    handle(handler, job).then(
      (reply) => port.postMessage(reply, reply.body ? [reply.body] : []),
      (err: unknown) => {
        const reply: ReplyMessage = { id: job.id, status: 500, headers: [], body: null, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
        port.postMessage(reply);
      },
    );
  });
  port.postMessage({ ready: true } satisfies ReadyMessage);
} catch (err) {
  port.postMessage({ ready: true, startError: err instanceof Error ? err.message : String(err) } satisfies ReadyMessage);
}
