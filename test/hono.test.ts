// An unchanged Hono app served by brigade through its fetch handler: routes,
// params and queries, JSON in and out, cookies, built-in and custom
// middleware, a sub-app, errors and 404s, HEAD, a streaming route and a client
// that leaves in the middle of it.
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { setCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { stream, streamSSE } from 'hono/streaming';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { destroyAllSockets, RawClient } from './helpers/raw.js';
import { start, stopAll, waitUntil, type Running } from './helpers/server.js';

// ---- the app, as a Hono user writes it ----

const events: string[] = [];
const app = new Hono();

app.use('*', async (c, next) => {
  const t0 = Date.now();
  await next();
  c.header('X-Response-Time', `${Date.now() - t0}ms`);
});
app.use('/api/*', cors({ origin: 'https://app.example' }));
app.use('/admin/*', basicAuth({ username: 'root', password: 'secret' }));

app.get('/', (c) => c.text('Hello Hono!'));
app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null, tags: c.req.queries('tag') ?? [] }));
app.post('/users', async (c) => {
  const body = await c.req.json<{ name: string }>();
  return c.json({ created: body.name, type: c.req.header('content-type') }, 201);
});
app.put('/form', async (c) => {
  const form = await c.req.parseBody();
  return c.json(form);
});
app.get('/cookies', (c) => {
  setCookie(c, 'session', 'abc', { httpOnly: true, path: '/' });
  setCookie(c, 'theme', 'dark');
  return c.text('cookies set');
});
app.get('/redirect', (c) => c.redirect('/users/7', 301));
app.get('/admin/panel', (c) => c.text('admin only'));
app.get('/fail', () => {
  throw new Error('handler error (expected by the test)');
});
app.get('/teapot', () => {
  throw new HTTPException(418, { message: 'short and stout' });
});
app.get('/html', (c) => c.html('<p>hi</p>'));
app.get('/env', (c) => c.json({ hasReq: typeof (c.env as { req?: unknown }).req === 'object', isRequest: c.req.raw instanceof Request }));

app.get('/stream', (c) =>
  stream(c, async (s) => {
    await s.write('chunk-1;');
    await s.sleep(20);
    await s.write('chunk-2;');
    await s.sleep(20);
    await s.write('chunk-3');
  }),
);
app.get('/sse', (c) =>
  streamSSE(c, async (s) => {
    for (let i = 0; i < 3; i++) await s.writeSSE({ data: `msg ${i}`, event: 'tick', id: String(i) });
  }),
);
app.get('/endless', (c) =>
  stream(c, async (s) => {
    s.onAbort(() => void events.push('aborted'));
    for (let i = 0; !s.aborted && i < 10_000; i++) {
      await s.write(`line ${i}\n`);
      await s.sleep(10);
    }
    events.push('loop ended');
  }),
);

const api = new Hono();
api.get('/items', (c) => c.json([{ id: 1 }, { id: 2 }]));
api.delete('/items/:id', (c) => c.body(null, 204));
app.route('/api', api);

app.notFound((c) => c.text(`no route for ${c.req.path}`, 404));
app.onError((err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  return c.text(`caught: ${err.message}`, 500);
});

// ---- served by brigade ----

const test = suite('hono on brigade');
let srv: Running;

test.before(async () => {
  srv = await start(() => {}, { fetch: app.fetch });
});

test.after(async () => {
  destroyAllSockets();
  await stopAll();
});

test('text route and custom middleware', async () => {
  const res = await fetch(`${srv.base}/`);
  assert.is(res.status, 200);
  assert.is(await res.text(), 'Hello Hono!');
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain;\s?charset=UTF-8$/);
  assert.match(res.headers.get('x-response-time') ?? '', /^\d+ms$/);
});

test('params, queries and JSON out', async () => {
  const res = await fetch(`${srv.base}/users/42?q=x&tag=a&tag=b`);
  assert.equal(await res.json(), { id: '42', q: 'x', tags: ['a', 'b'] });
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
});

test('JSON in, 201; form bodies', async () => {
  let res = await fetch(`${srv.base}/users`, { method: 'POST', body: JSON.stringify({ name: 'ada' }), headers: { 'content-type': 'application/json' } });
  assert.is(res.status, 201);
  assert.equal(await res.json(), { created: 'ada', type: 'application/json' });
  res = await fetch(`${srv.base}/form`, { method: 'PUT', body: new URLSearchParams({ a: '1', b: 'two' }) });
  assert.equal(await res.json(), { a: '1', b: 'two' });
});

test('two cookies are two Set-Cookie lines', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const r = await c.response();
  const cookies = r.rawHeaders.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v);
  assert.equal(cookies, ['session=abc; Path=/; HttpOnly', 'theme=dark; Path=/']);
  assert.is(r.body.toString(), 'cookies set');
  c.destroy();
});

test('built-in middleware: cors (preflight and simple), basic auth', async () => {
  let res = await fetch(`${srv.base}/api/items`, { headers: { origin: 'https://app.example' } });
  assert.equal(await res.json(), [{ id: 1 }, { id: 2 }]);
  assert.is(res.headers.get('access-control-allow-origin'), 'https://app.example');
  res = await fetch(`${srv.base}/api/items`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' },
  });
  assert.is(res.status, 204);
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /DELETE/);
  res = await fetch(`${srv.base}/api/items/3`, { method: 'DELETE' });
  assert.is(res.status, 204);

  res = await fetch(`${srv.base}/admin/panel`);
  assert.is(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /Basic/);
  await res.arrayBuffer();
  res = await fetch(`${srv.base}/admin/panel`, { headers: { authorization: `Basic ${Buffer.from('root:secret').toString('base64')}` } });
  assert.is(res.status, 200);
  assert.is(await res.text(), 'admin only');
});

test('redirects, html, 404 and error handlers, HTTPException', async () => {
  let res = await fetch(`${srv.base}/redirect`, { redirect: 'manual' });
  assert.is(res.status, 301);
  assert.is(res.headers.get('location'), '/users/7');
  res = await fetch(`${srv.base}/html`);
  assert.is(res.headers.get('content-type'), 'text/html; charset=UTF-8');
  assert.is(await res.text(), '<p>hi</p>');
  res = await fetch(`${srv.base}/nowhere`);
  assert.is(res.status, 404);
  assert.is(await res.text(), 'no route for /nowhere');
  res = await fetch(`${srv.base}/fail`);
  assert.is(res.status, 500);
  assert.is(await res.text(), 'caught: handler error (expected by the test)');
  res = await fetch(`${srv.base}/teapot`);
  assert.is(res.status, 418);
  assert.is(await res.text(), 'short and stout');
});

test('c.env is brigade\'s FetchInfo; c.req.raw is a Request', async () => {
  const res = await fetch(`${srv.base}/env`);
  assert.equal(await res.json(), { hasReq: true, isRequest: true });
});

test('HEAD through Hono: head only', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const bytes = await c.readToEnd();
  const text = bytes.toString('latin1');
  assert.ok(text.startsWith('HTTP/1.1 200'));
  assert.ok(text.endsWith('\r\n\r\n'), 'no body');
  c.destroy();
});

test('streaming route: chunked, chunks arrive as written', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitUntil(() => c.pending.includes('chunk-1;'), 3000);
  assert.not.ok(c.pending.includes('chunk-3'), 'first chunk before the last was written');
  const r = await c.response();
  assert.ok(r.chunked);
  assert.is(r.body.toString(), 'chunk-1;chunk-2;chunk-3');
  c.destroy();
});

test('SSE route', async () => {
  const res = await fetch(`${srv.base}/sse`);
  assert.is(res.headers.get('content-type'), 'text/event-stream');
  const text = await res.text();
  assert.is(text, [0, 1, 2].map((i) => `event: tick\ndata: msg ${i}\nid: ${i}\n\n`).join(''));
});

test('client leaves a streaming route: Hono sees the abort, the loop ends, nothing stays pending', async () => {
  events.length = 0;
  const c = await RawClient.open(srv.port);
  await c.write('GET /endless HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitUntil(() => c.pending.includes('line 3'), 3000);
  c.destroy();
  await waitUntil(() => events.includes('aborted') && events.includes('loop ended'), 3000, () => events.join(','));
  await waitUntil(() => srv.server.stats().requestsPending === 0 && srv.server.stats().poolsLive === 0, 5000, () => JSON.stringify(srv.server.stats()));
});

test('keep-alive: Hono responses back to back on one connection', async () => {
  const c = await RawClient.open(srv.port);
  await c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /users/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  const rs = await c.responses(3);
  assert.equal(
    rs.map((r) => r.body.toString()),
    ['Hello Hono!', '{"id":"1","q":null,"tags":[]}', 'chunk-1;chunk-2;chunk-3'],
  );
  c.destroy();
});

test.run();
