import { createServer, fileResponse } from '../src/index.js';
const s = createServer({ port: 0, fetch: async (req) => {
  const u = new URL(req.url);
  if (u.pathname === '/echo') return new Response(await req.text(), { headers: { 'x-m': req.method } });
  if (u.pathname === '/file') return fileResponse('/work/main/package.json');
  if (u.pathname === '/stream') return new Response(new ReadableStream({ async start(c) { c.enqueue(new TextEncoder().encode('a')); await new Promise(r=>setTimeout(r,20)); c.enqueue(new TextEncoder().encode('b')); c.close(); } }));
  if (u.pathname === '/cookies') { const h = new Headers(); h.append('set-cookie','a=1'); h.append('set-cookie','b=2'); return new Response(null, { status: 204, headers: h }); }
  return new Response(`hi ${req.method} ${req.url} ${req instanceof Request}`);
}});
s.get('/plain', (_q, r) => r.end('plain'));
const a = await s.listen();
const base = `http://127.0.0.1:${a.port}`;
for (const p of ['/x?y=1', '/plain', '/file', '/stream', '/cookies']) {
  const r = await fetch(base + p);
  console.log(p, r.status, [...r.headers].map(x=>x.join(':')).join(' | '), JSON.stringify((await r.text()).slice(0, 60)));
}
const r = await fetch(base + '/echo', { method: 'POST', body: 'payload' });
console.log(r.status, r.headers.get('x-m'), await r.text());
await s.close();
