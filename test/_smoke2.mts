import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { createServer } from '../src/index.js';
const app = new Hono();
app.use('*', async (c, next) => { await next(); c.header('x-mw', '1'); });
app.get('/u/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') }));
app.post('/p', async (c) => c.json(await c.req.json()));
app.get('/s', (c) => stream(c, async (s) => { await s.write('a'); await s.sleep(10); await s.write('b'); }));
const s = createServer({ port: 0, fetch: app.fetch });
const a = await s.listen();
const base = `http://127.0.0.1:${a.port}`;
for (const p of ['/u/7?q=z', '/s', '/nope']) {
  const r = await fetch(base + p);
  console.log(p, r.status, [...r.headers].map(x=>x.join(':')).join(' | '), JSON.stringify(await r.text()));
}
const r = await fetch(base + '/p', { method: 'POST', body: '{"a":1}', headers: {'content-type':'application/json'} });
console.log(r.status, await r.text());
await s.close();
