// The app the queue servers run (each worker thread imports this module once).
// A plain fetch handler: WHATWG Request in, Response out; info says which
// service class the request was put in and which thread runs it.

/** Synchronous CPU work, the kind that would stall a single event loop. */
function work(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

export default {
  async fetch(request, info) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/report/')) {
      work(Number(url.searchParams.get('ms') ?? 200)); // a long batch job
      return Response.json({ report: url.pathname.slice('/report/'.length), class: info.className, thread: info.threadId });
    }
    if (url.pathname.startsWith('/api/')) {
      work(2); // a short interactive request
      return Response.json({ quote: 'The brigade passes the buckets.', class: info.className, thread: info.threadId });
    }
    return new Response(`${request.method} ${url.pathname}: class ${info.className}, thread ${info.threadId}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
