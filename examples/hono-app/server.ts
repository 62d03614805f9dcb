// An unchanged Hono app served by brigade: brigade calls app.fetch for every
// request (fetch-style handler), streaming responses included.
//
//   npx tsx examples/hono-app/server.ts         # PORT=... to choose the port
//   curl -s localhost:8080/ ; curl -s localhost:8080/hello/you ; curl -N localhost:8080/clock
import { createServer } from 'brigade';
import { Hono } from 'hono';
import { logger } from 'hono/logger';
import { streamText } from 'hono/streaming';

const app = new Hono();
if (process.env['HONO_LOG'] === '1') app.use('*', logger());
app.get('/', (c) => c.text('Hello from Hono on brigade\n'));
app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name'), lang: c.req.query('lang') ?? 'en' }));
app.post('/echo', async (c) => c.json(await c.req.json()));
app.get('/clock', (c) =>
  streamText(c, async (s) => {
    for (let i = 0; i < 3; ++i) {
      await s.writeln(`tick ${i} ${new Date().toISOString()}`);
      await s.sleep(100);
    }
  }),
);

const server = createServer({ port: Number(process.env['PORT'] ?? 8080), fetch: app.fetch });
const { host, port } = await server.listen();
console.log(`hono example listening on http://${host}:${port}/`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void server.close().then(() => process.exit(0)));
