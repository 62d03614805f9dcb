// The app module the queue-server tests run on worker threads.
import { existsSync } from 'node:fs';
import type { QueueServerInfo } from '../../src/index.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // burn CPU: a synchronous handler, as a queue server runs it
  }
}

const SHARED_BYTES = new TextEncoder().encode('shared bytes');

export default {
  async fetch(request: Request, info: QueueServerInfo): Promise<Response> {
    const url = new URL(request.url);
    // The last path segment picks the behaviour, so any class prefix can reach it.
    switch (url.pathname.slice(url.pathname.lastIndexOf('/'))) {
      case '/echo': {
        const body = await request.text();
        return new Response(`${request.method} ${body} ${request.headers.get('x-test') ?? ''}`, {
          status: 201,
          headers: { 'content-type': 'text/plain', 'x-class': info.className },
        });
      }
      case '/throw':
        throw new Error('handler failed on purpose');
      case '/crash':
        // An uncaught error outside the request's promise: the worker dies.
        setTimeout(() => {
          throw new Error('worker crashed on purpose');
        }, 0);
        return new Promise<Response>(() => {});
      case '/block': {
        // Holds its queue server until the test creates the file: no timing involved.
        const file = url.searchParams.get('file') ?? '';
        while (!existsSync(file)) await new Promise((r) => setTimeout(r, 5));
        break;
      }
      case '/bytes':
        // The same bytes for every response: the queue server must copy, not transfer them.
        return new Response(SHARED_BYTES, { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']] });
      case '/hold':
        busy(Number(url.searchParams.get('ms') ?? '50'));
        break;
      default:
        break;
    }
    return Response.json({ threadId: info.threadId, className: info.className, path: url.pathname, query: url.search });
  },
};
